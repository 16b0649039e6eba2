package dev.dcapd.cli;

import dev.dcapd.cli.VerifyBatch.Outcome;
import dev.dcapd.cli.VerifyBatch.Row;
import dev.dcapd.collateral.CollateralService;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.collateral.TcbStatus;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.json.VerdictJson;
import dev.dcapd.verifier.policy.Appraisal;
import dev.dcapd.verifier.policy.Policy;
import dev.dcapd.verifier.policy.PolicyCheck;
import dev.dcapd.verifier.quote.Quote;
import dev.dcapd.verifier.verify.QuoteVerifier;
import dev.dcapd.verifier.verify.TrustAnchor;
import dev.dcapd.verifier.verify.Verdict;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code dcap verify QUOTE... (--collateral FILE | [--pccs URL]... [--collateral-dir DIR]) [--at TIME]
 * [--insecure-root PEM] [--policy FILE] [--insecure-allow-debug]}: verifies quotes against given or
 * fetched collateral, judges them by the policy (default: out-of-date platforms and debug refused)
 * and prints the verdict as JSON. Exit 0 verified, 1 rejected, 2 bad input.
 *
 * <p>Several QUOTEs offline are judged at one instant, each against the one {@code --collateral} file
 * (the quotes of one platform, as {@code dcap forge --count} writes them) or against what the named
 * sources give for its platform (fetched once per platform); the output is a table, or with
 * {@code --json} each verdict, as with {@code dcap --server}. A source must then be named: without
 * one, several QUOTEs stay the usage error they were, rather than a burst of calls to Intel's PCS.
 */
@Command(name = "verify", description = "Verify quotes against collateral and print the verdict as JSON "
    + "(several quotes: a table, or --json).")
final class VerifyCommand implements Callable<Integer> {
  @Parameters(paramLabel = "QUOTE", arity = "1..*",
      description = "Quote file: binary, or hex text with or without 0x. Several need dcap --server, "
          + "--collateral, --collateral-dir or --pccs; progress then shows on a terminal's stderr.")
  List<Path> quotes;

  @Option(names = "--json", description = "With several QUOTEs or dcap --server: print each verdict, or each answer as the HTTP API's verify gives it, as JSON.")
  boolean json;

  @Option(names = "--collateral", paramLabel = "FILE",
      description = "QuoteCollateralV3 JSON (for every QUOTE). Without it, collateral is fetched (see --pccs, --collateral-dir).")
  Path collateral;

  @Mixin CollateralSources sources;

  @Option(names = "--at", paramLabel = "TIME", description = "Verification instant: Unix seconds or ISO-8601 (default: now).")
  String at;

  @Option(
      names = "--insecure-root",
      paramLabel = "PEM",
      description = "Trust this root certificate instead of the Intel SGX Root CA (test PKIs only; reported in the verdict).")
  Path insecureRoot;

  @Mixin PolicyOptions policy;

  @Option(names = "--token", description = "With dcap --server and one QUOTE: ask for a signed result (an EAR token, "
      + "see dcap token verify) and print it instead of the summary, or add it to the --json answer as \"token\".")
  boolean token;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws CliException {
    if (ServerOptions.of(spec).isSet()) {
      return RemoteVerify.run(spec, quotes, json, policy.given() ? Optional.of(policy.policy(false)) : Optional.empty(),
          token);
    }
    if (token) {
      throw new CliException(Dcap.EXIT_BAD_INPUT, "--token needs dcap --server HOST:PORT: the daemon signs the result");
    }
    if (quotes.size() != 1 && collateral == null && !sources.given()) {
      throw new CliException(Dcap.EXIT_BAD_INPUT,
          "several QUOTEs need a collateral source (--collateral FILE, --collateral-dir DIR or --pccs URL) or dcap --server");
    }
    if (collateral != null && sources.given()) {
      throw new CliException(Dcap.EXIT_BAD_INPUT, "--collateral does not mix with --pccs or --collateral-dir");
    }
    if (quotes.size() == 1) {
      return single(quotes.get(0));
    }
    return many();
  }

  private int single(Path quote) throws CliException {
    Quote q = CliIo.readQuote(quote);
    Instant instant = instant();
    TrustAnchor anchor = anchor();
    QuoteCollateral c = collateral != null
        ? readCollateral()
        : sources.fetch(q, instant, anchor, Dcap.debug(spec), spec.commandLine().getErr());
    Appraisal a = appraise(QuoteVerifier.withTrustAnchor(anchor), policy.policy(anchor.insecure()), q, c, instant);
    CliIo.printJson(spec.commandLine().getOut(), VerdictJson.render(a));
    return a.success() ? 0 : Dcap.EXIT_REJECTED;
  }

  /** Each file in turn under one instant, one verifier (its memo of proven collateral) and one fetch cache. */
  private int many() throws CliException {
    Instant instant = instant();
    TrustAnchor anchor = anchor();
    Policy p = policy.policy(anchor.insecure());
    QuoteVerifier verifier = QuoteVerifier.withTrustAnchor(anchor);
    Optional<QuoteCollateral> given = collateral != null ? Optional.of(readCollateral()) : Optional.empty();
    CollateralService service = given.isEmpty() ? sources.service(anchor, instant, Dcap.debug(spec)) : null;
    // Each source's failure is folded into the file's row; its per-source lines only with --trace.
    PrintWriter attempts = Dcap.debug(spec) ? spec.commandLine().getErr() : new PrintWriter(Writer.nullWriter());
    VerifyProgress progress = VerifyProgress.of(spec.commandLine().getErr(), Dcap.stderrIsTerminal(spec), quotes.size());
    List<Row> rows = new ArrayList<>(quotes.size());
    for (Path file : quotes) {
      Row row;
      try {
        Quote q = CliIo.readQuote(file);
        QuoteCollateral c = given.isPresent() ? given.get() : CollateralSources.fetch(service, q, instant, attempts);
        row = row(file, appraise(verifier, p, q, c, instant));
      } catch (CliException e) {
        row = Row.error(file, e.getMessage());
      }
      progress.done(row.outcome());
      rows.add(row);
    }
    progress.finish();
    return VerifyBatch.report(rows, json, spec.commandLine().getOut(), spec.commandLine().getErr());
  }

  private static Row row(Path file, Appraisal a) {
    Consumer<PrintWriter> printJson = out -> CliIo.printJson(out, VerdictJson.render(a));
    String checksum = a.verdict().checksum();
    if (a.success()) {
      String status = a.verdict().tcbStatus().map(TcbStatus::intelName).orElse("-");
      return new Row(file, checksum, Outcome.VERIFIED,
          Remote.verifiedDetail(status, a.verdict().advisoryIds()).orElse(status), printJson);
    }
    return new Row(file, checksum, Outcome.REJECTED, a.failureCode().map(Enum::name).orElse("-"), printJson);
  }

  private static Appraisal appraise(QuoteVerifier verifier, Policy p, Quote q, QuoteCollateral c, Instant instant) {
    Verdict v = verifier.verify(q, c, instant);
    return PolicyCheck.appraise(p, v, q, Optional.of(c), instant);
  }

  private Instant instant() throws CliException {
    return at == null ? Instant.now() : CliIo.parseTime(at);
  }

  private TrustAnchor anchor() throws CliException {
    if (insecureRoot == null) {
      return TrustAnchor.intel();
    }
    try {
      return TrustAnchor.insecureCustomRoot(CliIo.read(insecureRoot));
    } catch (IllegalArgumentException e) {
      throw new CliException(Dcap.EXIT_BAD_INPUT, insecureRoot + ": not a usable root certificate: " + e.getMessage());
    }
  }

  private QuoteCollateral readCollateral() throws CliException {
    try {
      return QuoteCollateral.fromJson(new String(CliIo.read(collateral), StandardCharsets.UTF_8));
    } catch (DcapException e) {
      throw new CliException(Dcap.EXIT_BAD_INPUT, collateral + ": not collateral: " + e.code() + ": " + e.getMessage());
    }
  }
}
