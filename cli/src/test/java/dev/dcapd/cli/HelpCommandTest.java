package dev.dcapd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every command answers {@code -h} and {@code --help}, and {@code dcap help PATH...} names the same usage. */
class HelpCommandTest {
  record Run(int exit, String out, String err) {}

  static Run run(List<String> args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Dcap.run(args.toArray(String[]::new), new PrintWriter(out), new PrintWriter(err));
    return new Run(exit, out.toString(), err.toString());
  }

  /** The path of every command below {@code cl} ({@code ["collateral", "fetch"]}, ...), walked from the real tree. */
  private static void collect(CommandLine cl, List<String> path, List<List<String>> into) {
    into.add(path);
    for (Map.Entry<String, CommandLine> sub : cl.getSubcommands().entrySet()) {
      List<String> next = new ArrayList<>(path);
      next.add(sub.getKey());
      collect(sub.getValue(), next, into);
    }
  }

  @Test
  void everyCommandAnswersHelpOnStdoutWithExitZero() {
    List<List<String>> paths = new ArrayList<>();
    collect(Dcap.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter())), List.of(), paths);
    assertTrue(paths.size() > 15, "the walk reaches nested commands: " + paths);
    List<String> failures = new ArrayList<>();
    for (List<String> path : paths) {
      String usage = "Usage: " + String.join(" ", Stream.concat(Stream.of("dcap"), path.stream()).toList());
      for (String flag : List.of("--help", "-h")) {
        List<String> args = new ArrayList<>(path);
        args.add(flag);
        Run r = run(args);
        if (r.exit() != 0 || !r.out().startsWith(usage) || !r.out().contains("-h, --help") || !r.err().isEmpty()) {
          failures.add(args + " -> exit " + r.exit() + ", out " + r.out().lines().findFirst().orElse("") + ", err " + r.err());
        }
      }
    }
    assertEquals(List.of(), failures);
  }

  @Test
  void theRootUsageListsTheCommandsNotBuiltForThisRun() {
    StringWriter full = new StringWriter();
    Dcap.commandLine(new PrintWriter(full), new PrintWriter(new StringWriter())).usage(new PrintWriter(full, true));
    Run help = run(List.of("--help"));
    assertEquals(0, help.exit(), help.err());
    assertEquals(full.toString(), help.out());
    Run verify = run(List.of("verify", "--help"));
    assertTrue(verify.out().startsWith("Usage: dcap verify"), verify.out());
  }

  @Test
  void helpCommandFollowsThePath() {
    Run forge = run(List.of("help", "forge"));
    assertEquals(0, forge.exit(), forge.err());
    assertTrue(forge.out().startsWith("Usage: dcap forge"), forge.out());
    assertTrue(forge.out().contains("--count"), forge.out());
    assertEquals(run(List.of("forge", "--help")).out(), forge.out());

    Run fetch = run(List.of("help", "collateral", "fetch"));
    assertEquals(0, fetch.exit(), fetch.err());
    assertTrue(fetch.out().startsWith("Usage: dcap collateral fetch"), fetch.out());

    Run root = run(List.of("help"));
    assertEquals(0, root.exit(), root.err());
    assertTrue(root.out().startsWith("Usage: dcap"), root.out());
    assertTrue(root.out().contains("help"), root.out());

    Run unknown = run(List.of("help", "collateral", "nope"));
    assertEquals(Dcap.EXIT_BAD_INPUT, unknown.exit());
    assertTrue(unknown.err().startsWith("dcap: "), unknown.err());
  }
}
