package dev.dcapd.cli;

import dev.dcapd.testkit.CaseFiles;
import dev.dcapd.testkit.Corruption;
import dev.dcapd.testkit.Forge;
import dev.dcapd.testkit.ForgeSpec;
import dev.dcapd.testkit.ForgedCase;
import dev.dcapd.verifier.quote.BodyType;
import dev.dcapd.verifier.quote.TeeType;
import dev.dcapd.verifier.collateral.TcbStatus;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code dcap forge}: writes a testkit quote with its collateral, trusted root and expected
 * outcome into a directory, or {@code --count N} distinct quotes of one platform.
 */
@Command(name = "forge", description = {
    "Forge a quote and matching collateral under a throwaway Intel-shaped PKI.",
    "Writes quote.bin (quote-0000.bin… with --count), collateral.json, root.pem, root.der and expected.json."})
final class ForgeCommand implements Callable<Integer> {
  private static final int MAX_COUNT = 1_000_000;

  @Option(names = "--out", paramLabel = "DIR", description = "Directory to write into (created if missing).")
  Path out;

  @Option(names = "--tee", paramLabel = "sgx|tdx", defaultValue = "sgx", description = "TEE type (default: sgx).")
  String tee;

  @Option(names = "--quote-version", paramLabel = "3|4|5",
      description = "Quote version (default: 3 for SGX, 4 for TDX).")
  Integer quoteVersion;

  @Option(names = "--td-report", paramLabel = "1.0|1.5",
      description = "TD report of a TDX v5 quote (default: 1.5).")
  String tdReport;

  @Option(names = "--seed", paramLabel = "N", defaultValue = "1",
      description = "Seed: the same seed gives the same bytes (default: 1).")
  long seed;

  @Option(names = "--tcb-status", paramLabel = "S", defaultValue = "UpToDate",
      description = "TCB status to reach, Intel's name, e.g. OutOfDate or TDRelaunchAdvised (default: UpToDate).")
  String tcbStatus;

  @Option(names = "--qe-tcb-status", paramLabel = "S", defaultValue = "UpToDate",
      description = "QE identity status for the QE's ISVSVN: UpToDate or OutOfDate (default: UpToDate).")
  String qeTcbStatus;

  @Option(names = "--corrupt", paramLabel = "NAME", description = "Get one thing wrong; see --list-corruptions.")
  String corrupt;

  @Option(names = "--count", paramLabel = "N",
      description = "Write N distinct quotes of one platform under one collateral set.")
  Integer count;

  @Option(names = "--debug",
      description = "A debug TD (TD_ATTRIBUTES.DEBUG) or enclave (ATTRIBUTES.DEBUG), correctly signed: it "
          + "verifies, and the default policy of dcap verify and dcapd refuses it (DEBUG_NOT_ALLOWED).")
  boolean debug;

  @Option(names = "--list-corruptions", description = "Print the corruption names and the failure code each gives.")
  boolean listCorruptions;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws CliException {
    PrintWriter stdout = spec.commandLine().getOut();
    if (listCorruptions) {
      for (Corruption c : Corruption.values()) {
        stdout.println(c.cliName() + "\t" + c.expectedFailure());
      }
      return 0;
    }
    if (out == null) {
      throw bad("--out DIR is required");
    }
    ForgeSpec forgeSpec = forgeSpec();
    try {
      if (count == null) {
        ForgedCase c = Forge.forge(forgeSpec);
        CaseFiles.write(c, out);
      } else {
        CaseFiles.write(Forge.batch(forgeSpec), count, out);
      }
    } catch (IOException e) {
      throw bad("cannot write " + out + ": " + e.getMessage());
    }
    stdout.println(out.resolve(CaseFiles.EXPECTED));
    return 0;
  }

  private static TcbStatus status(String option, String name) throws CliException {
    return TcbStatus.fromIntelName(name).orElseThrow(() -> bad(option + ": '" + name + "' is not one of Intel's TCB statuses"));
  }

  private ForgeSpec forgeSpec() throws CliException {
    TeeType teeType = switch (tee.toLowerCase(Locale.ROOT)) {
      case "sgx" -> TeeType.SGX;
      case "tdx" -> TeeType.TDX;
      default -> throw bad("--tee must be sgx or tdx, not '" + tee + "'");
    };
    if (count != null && (count < 1 || count > MAX_COUNT)) {
      throw bad("--count must be 1.." + MAX_COUNT);
    }
    try {
      ForgeSpec.Builder b = ForgeSpec.builder().tee(teeType).seed(seed)
          .tcbStatus(status("--tcb-status", tcbStatus))
          .qeTcbStatus(status("--qe-tcb-status", qeTcbStatus));
      if (quoteVersion != null) {
        b.quoteVersion(quoteVersion);
      }
      if (tdReport != null) {
        b.bodyType(switch (tdReport) {
          case "1.0" -> BodyType.TD_REPORT_10;
          case "1.5" -> BodyType.TD_REPORT_15;
          default -> throw bad("--td-report must be 1.0 or 1.5, not '" + tdReport + "'");
        });
      }
      if (corrupt != null) {
        b.corruption(Corruption.fromCliName(corrupt));
      }
      b.debug(debug);
      return b.build();
    } catch (IllegalArgumentException e) {
      throw bad(e.getMessage());
    }
  }

  private static CliException bad(String message) {
    return new CliException(Dcap.EXIT_BAD_INPUT, "forge: " + message);
  }
}
