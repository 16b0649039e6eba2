package dev.dcapd.cli;

import dev.dcapd.verifier.DcapException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code dcap} command line. Exit codes: 0 success, 1 verified and rejected, 2 bad input,
 * usage or an unreachable server. Errors are one line on stderr; {@code --trace} adds the stack trace.
 */
@Command(
    name = "dcap",
    mixinStandardHelpOptions = true,
    versionProvider = Dcap.Version.class,
    description = "Inspect and verify Intel SGX/TDX DCAP quotes.",
    subcommands = {InspectCommand.class, VerifyCommand.class, CollateralCommand.class, ForgeCommand.class,
        GetCommand.class, RawCommand.class, RecentCommand.class, OnchainCommand.class, EventlogCommand.class})
public final class Dcap implements Runnable {
  /** Exit code: the input was verified and rejected. */
  public static final int EXIT_REJECTED = 1;
  /** Exit code: bad input, usage, or an unreachable server. */
  public static final int EXIT_BAD_INPUT = 2;

  @Option(names = "--trace", description = "Print stack traces with errors, and each collateral source tried.",
      scope = CommandLine.ScopeType.INHERIT)
  boolean debug;

  /** {@code --server}, {@code --tls-ca}, {@code --tls}, {@code --timeout}: where the remote commands go. */
  @CommandLine.Mixin ServerOptions remote;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
  }

  /** Whether {@code --trace} was given to the root command of {@code spec}. */
  static boolean debug(CommandLine.Model.CommandSpec spec) {
    return spec.root().userObject() instanceof Dcap d && d.debug;
  }

  public static void main(String[] args) {
    // The verifier's own BouncyCastle engine: a command checks a handful of signatures, and loading
    // AWS-LC (about 0.4 s) would cost more than it saves, so the CLI does not carry it.
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs the CLI with the given streams and returns the exit code (used by tests too). */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    Dcap root = new Dcap();
    CommandLine cl = new CommandLine(root);
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
    int code = cl.execute(args);
    out.flush();
    err.flush();
    return code;
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
