package dev.dcapd.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help.ColorScheme;
import picocli.CommandLine.Parameters;

/**
 * {@code dcap help [COMMAND [SUBCOMMAND]...]}: prints the usage of the command named by the path.
 * picocli's own {@link CommandLine.HelpCommand} reads only the first name and would answer
 * {@code help collateral fetch} with the usage of {@code collateral}; this one follows the whole path.
 */
@Command(name = "help", helpCommand = true,
    description = "Show the usage of a command, e.g. dcap help collateral fetch.")
final class HelpCommand implements Callable<Integer>, CommandLine.IHelpCommandInitializable2 {
  @Parameters(paramLabel = "COMMAND", arity = "0..*", description = "A command, then its subcommands.")
  List<String> path = new ArrayList<>();

  private CommandLine self;
  private ColorScheme colors;
  private PrintWriter out;

  @Override
  public void init(CommandLine helpCommandLine, ColorScheme colorScheme, PrintWriter outWriter, PrintWriter errWriter) {
    self = helpCommandLine;
    colors = colorScheme;
    out = outWriter;
  }

  @Override
  public Integer call() {
    CommandLine target = self.getParent();
    List<String> walked = new ArrayList<>();
    for (String name : path) {
      walked.add(name);
      CommandLine next = target.getSubcommands().get(name);
      if (next == null) {
        throw new CommandLine.ParameterException(self, "no such command: " + String.join(" ", walked));
      }
      target = next;
    }
    target.usage(out, colors);
    return 0;
  }
}
