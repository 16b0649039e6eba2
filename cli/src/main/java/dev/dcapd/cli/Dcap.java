package dev.dcapd.cli;

import dev.dcapd.verifier.DcapException;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code dcap} command line. Exit codes: 0 success, 1 verified and rejected, 2 bad input,
 * usage or an unreachable server. Errors are one line on stderr; {@code --trace} adds the stack trace.
 * Every command and subcommand answers {@code -h}/{@code --help} (inherited from here through
 * {@code scope = INHERIT}), and {@code dcap help COMMAND [SUBCOMMAND]} prints the same usage.
 */
@Command(
    name = "dcap",
    scope = CommandLine.ScopeType.INHERIT,
    mixinStandardHelpOptions = true,
    versionProvider = Dcap.Version.class,
    description = "Inspect and verify Intel SGX/TDX DCAP quotes.")
public final class Dcap implements Runnable {
  /**
   * The subcommands, in the order the usage lists them. Not in {@code @Command(subcommands)}: picocli
   * builds those eagerly, reflecting over every option class and running its static initialisers,
   * which costs a one-shot command a noticeable share of its start-up; see {@link #run(String[],
   * PrintWriter, PrintWriter)}.
   */
  private static final List<Class<?>> COMMANDS = List.of(InspectCommand.class, VerifyCommand.class,
      CollateralCommand.class, ForgeCommand.class, GetCommand.class, RawCommand.class, RecentCommand.class,
      KeysCommand.class, TokenCommand.class, OnchainCommand.class, EventlogCommand.class, HelpCommand.class);

  /** Exit code: the input was verified and rejected. */
  public static final int EXIT_REJECTED = 1;
  /** Exit code: bad input, usage, or an unreachable server. */
  public static final int EXIT_BAD_INPUT = 2;
  /**
   * {@code true} or {@code false}: whether standard error is a terminal, as the launcher saw it
   * ({@code [ -t 2 ]}). Java 17 cannot ask about stderr itself: {@link System#console()} answers
   * for stdin and stdout, so it is only the fallback when the property is absent.
   */
  static final String STDERR_TERMINAL_PROPERTY = "dcap.stderr.terminal";

  @Option(names = "--trace", description = "Print stack traces with errors, and each collateral source tried.",
      scope = CommandLine.ScopeType.INHERIT)
  boolean debug;

  /** {@code --server}, {@code --tls-ca}, {@code --tls}, {@code --timeout}: where the remote commands go. */
  @CommandLine.Mixin ServerOptions remote;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** Whether the err stream is the process's stderr and a terminal: live progress lines go there. */
  private boolean stderrTerminal;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
  }

  /** Whether {@code --trace} was given to the root command of {@code spec}. */
  static boolean debug(CommandLine.Model.CommandSpec spec) {
    return spec.root().userObject() instanceof Dcap d && d.debug;
  }

  /** Whether the command of {@code spec} writes its errors to a terminal (false under tests). */
  static boolean stderrIsTerminal(CommandLine.Model.CommandSpec spec) {
    return spec.root().userObject() instanceof Dcap d && d.stderrTerminal;
  }

  public static void main(String[] args) {
    // The verifier's own BouncyCastle engine: a command checks a handful of signatures, and loading
    // AWS-LC (about 0.4 s) would cost more than it saves, so the CLI does not carry it.
    String stderrTerminal = System.getProperty(STDERR_TERMINAL_PROPERTY);
    boolean terminal = stderrTerminal != null ? Boolean.parseBoolean(stderrTerminal) : System.console() != null;
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true), terminal));
  }

  /** Runs the CLI with the given streams, {@code err} not a terminal, and returns the exit code (used by tests too). */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    return run(args, out, err, false);
  }

  private static int run(String[] args, PrintWriter out, PrintWriter err, boolean stderrTerminal) {
    // Only the commands named somewhere in the arguments are built; the others are stand-ins that
    // carry a name and description for the root's usage. A command that runs is named in the
    // arguments, so it is always the real one (an option value that happens to equal a command's
    // name only builds that command too).
    Set<String> named = new HashSet<>(Arrays.asList(args));
    CommandLine cl = commandLine(out, err, named::contains);
    ((Dcap) cl.getCommand()).stderrTerminal = stderrTerminal;
    int code = cl.execute(args);
    out.flush();
    err.flush();
    return code;
  }

  /** The whole command tree with its error handlers, writing to {@code out} and {@code err}. */
  static CommandLine commandLine(PrintWriter out, PrintWriter err) {
    return commandLine(out, err, name -> true);
  }

  /** The tree with the commands {@code build} accepts built, the others stand-ins for the usage. */
  private static CommandLine commandLine(PrintWriter out, PrintWriter err, Predicate<String> build) {
    Dcap root = new Dcap();
    CommandLine cl = new CommandLine(root);
    for (Class<?> c : COMMANDS) {
      Command a = c.getAnnotation(Command.class);
      if (build.test(a.name())) {
        cl.addSubcommand(a.name(), c);
      } else {
        CommandLine.Model.CommandSpec standIn = CommandLine.Model.CommandSpec.create().name(a.name());
        standIn.usageMessage().description(a.description());
        cl.addSubcommand(a.name(), standIn);
      }
    }
    cl.setOut(out);
    cl.setErr(err);
    cl.setParameterExceptionHandler((ex, a) -> {
      err.println("dcap: " + ex.getMessage());
      return EXIT_BAD_INPUT;
    });
    cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
      int code = EXIT_BAD_INPUT;
      String message;
      if (ex instanceof CliException c) {
        code = c.exitCode();
        message = c.getMessage();
      } else if (ex instanceof DcapException d) {
        message = d.code() + ": " + d.getMessage();
      } else {
        message = "internal error: " + ex;
      }
      err.println("dcap: " + message);
      if (root.debug) {
        ex.printStackTrace(err);
      }
      err.flush();
      return code;
    });
    return cl;
  }

  /** The version from the jar manifest, or "dev" when run from classes. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Dcap.class.getPackage().getImplementationVersion();
      return new String[] {"dcap " + (v == null ? "dev" : v)};
    }
  }
}
