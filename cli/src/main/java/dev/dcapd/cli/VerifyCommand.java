package dev.dcapd.cli;

import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.json.VerdictJson;
import dev.dcapd.verifier.policy.Appraisal;
import dev.dcapd.verifier.policy.PolicyCheck;
import dev.dcapd.verifier.quote.Quote;
import dev.dcapd.verifier.verify.QuoteVerifier;
import dev.dcapd.verifier.verify.TrustAnchor;
import dev.dcapd.verifier.verify.Verdict;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code dcap verify QUOTE (--collateral FILE | [--pccs URL]... [--collateral-dir DIR]) [--at TIME]
 * [--insecure-root PEM] [--policy FILE] [--insecure-allow-debug]}: verifies a quote against given or
 * fetched collateral, judges it by the policy (default: debug refused) and prints the verdict as
 * JSON. Exit 0 verified, 1 rejected, 2 bad input.
 */
@Command(name = "verify", description = "Verify a quote against collateral and print the verdict as JSON.")
final class VerifyCommand implements Callable<Integer> {
  @Parameters(paramLabel = "QUOTE", arity = "1..*",
      description = "Quote file: binary, or hex text with or without 0x. Several only with dcap --server.")
  List<Path> quotes;

  @Option(names = "--json", description = "With dcap --server: print each RPC answer as JSON.")
  boolean json;

  @Option(names = "--collateral", paramLabel = "FILE",
      description = "QuoteCollateralV3 JSON. Without it, collateral is fetched (see --pccs, --collateral-dir).")
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

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws CliException {
    if (ServerOptions.of(spec).isSet()) {
      return RemoteVerify.run(spec, quotes, json, policy.given() ? Optional.of(policy.policy(false)) : Optional.empty());
    }
    if (quotes.size() != 1) {
      throw new CliException(Dcap.EXIT_BAD_INPUT, "offline verify takes one QUOTE; several need dcap --server");
    }
    Path quote = quotes.get(0);
    if (collateral != null && sources.given()) {
      throw new CliException(Dcap.EXIT_BAD_INPUT, "--collateral does not mix with --pccs or --collateral-dir");
    }
    Quote q = CliIo.readQuote(quote);
    Instant instant = at == null ? Instant.now() : CliIo.parseTime(at);
    TrustAnchor anchor = TrustAnchor.intel();
    if (insecureRoot != null) {
      try {
        anchor = TrustAnchor.insecureCustomRoot(CliIo.read(insecureRoot));
      } catch (IllegalArgumentException e) {
        throw new CliException(Dcap.EXIT_BAD_INPUT, insecureRoot + ": not a usable root certificate: " + e.getMessage());
      }
    }
    QuoteCollateral c;
    if (collateral != null) {
      try {
        c = QuoteCollateral.fromJson(new String(CliIo.read(collateral), StandardCharsets.UTF_8));
      } catch (DcapException e) {
        throw new CliException(Dcap.EXIT_BAD_INPUT, collateral + ": not collateral: " + e.code() + ": " + e.getMessage());
      }
    } else {
      c = sources.fetch(q, instant, anchor, Dcap.debug(spec), spec.commandLine().getErr());
    }
    Verdict v = QuoteVerifier.withTrustAnchor(anchor).verify(q, c, instant);
    Appraisal a = PolicyCheck.appraise(policy.policy(anchor.insecure()), v, q, Optional.of(c), instant);
    CliIo.printJson(spec.commandLine().getOut(), VerdictJson.render(a));
    return a.success() ? 0 : Dcap.EXIT_REJECTED;
  }
}
