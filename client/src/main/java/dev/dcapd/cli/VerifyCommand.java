package dev.dcapd.cli;

import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.json.VerdictJson;
import dev.dcapd.verifier.quote.Quote;
import dev.dcapd.verifier.verify.QuoteVerifier;
import dev.dcapd.verifier.verify.TrustAnchor;
import dev.dcapd.verifier.verify.Verdict;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code dcap verify QUOTE --collateral FILE [--at TIME] [--insecure-root PEM]}: verifies a quote
 * offline and prints the verdict as JSON. Exit 0 verified, 1 rejected, 2 bad input.
 */
@Command(name = "verify", description = "Verify a quote against collateral and print the verdict as JSON.")
final class VerifyCommand implements Callable<Integer> {
  @Parameters(paramLabel = "QUOTE", description = "Quote file: binary, or hex text with or without 0x.")
  Path quote;

  @Option(names = "--collateral", required = true, paramLabel = "FILE", description = "QuoteCollateralV3 JSON.")
  Path collateral;

  @Option(names = "--at", paramLabel = "TIME", description = "Verification instant: Unix seconds or ISO-8601 (default: now).")
  String at;

  @Option(
      names = "--insecure-root",
      paramLabel = "PEM",
      description = "Trust this root certificate instead of the Intel SGX Root CA (test PKIs only; reported in the verdict).")
  Path insecureRoot;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws CliException {
    Quote q = CliIo.readQuote(quote);
    QuoteCollateral c;
    try {
      c = QuoteCollateral.fromJson(new String(CliIo.read(collateral), StandardCharsets.UTF_8));
    } catch (DcapException e) {
      throw new CliException(Dcap.EXIT_BAD_INPUT, collateral + ": not collateral: " + e.code() + ": " + e.getMessage());
    }
    Instant instant = at == null ? Instant.now() : parseTime(at);
    TrustAnchor anchor = TrustAnchor.intel();
    if (insecureRoot != null) {
      try {
        anchor = TrustAnchor.insecureCustomRoot(CliIo.read(insecureRoot));
      } catch (IllegalArgumentException e) {
        throw new CliException(Dcap.EXIT_BAD_INPUT, insecureRoot + ": not a usable root certificate: " + e.getMessage());
      }
    }
    Verdict v = QuoteVerifier.withTrustAnchor(anchor).verify(q, c, instant);
    CliIo.printJson(spec.commandLine().getOut(), VerdictJson.render(v));
    return v.success() ? 0 : Dcap.EXIT_REJECTED;
  }

  /** Unix seconds, or an ISO-8601 instant with an offset ({@code 2025-07-19T10:00:34Z}). */
  static Instant parseTime(String text) throws CliException {
    String s = text.strip();
    if (s.matches("-?\\d+")) {
      try {
        return Instant.ofEpochSecond(Long.parseLong(s));
      } catch (NumberFormatException | java.time.DateTimeException e) {
        throw new CliException(Dcap.EXIT_BAD_INPUT, "--at: " + text + " is out of range");
      }
    }
    try {
      return OffsetDateTime.parse(s).toInstant();
    } catch (DateTimeParseException e) {
      throw new CliException(Dcap.EXIT_BAD_INPUT, "--at: " + text + " is neither Unix seconds nor ISO-8601 with an offset");
    }
  }
}
