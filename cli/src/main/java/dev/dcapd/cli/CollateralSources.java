package dev.dcapd.cli;

import dev.dcapd.collateral.CollateralFetcher;
import dev.dcapd.collateral.CollateralService;
import dev.dcapd.collateral.CollateralSource;
import dev.dcapd.collateral.CollateralUnavailableException;
import dev.dcapd.collateral.HttpGetter;
import dev.dcapd.collateral.InMemoryCollateralCache;
import dev.dcapd.collateral.OfflineDirectorySource;
import dev.dcapd.collateral.PcsClient;
import dev.dcapd.collateral.RetryPolicy;
import dev.dcapd.collateral.SourceAttempt;
import dev.dcapd.collateral.UpdateType;
import dev.dcapd.collateral.VerifierCollateralCheck;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.quote.Quote;
import dev.dcapd.verifier.verify.CollateralVerifier;
import dev.dcapd.verifier.verify.TrustAnchor;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The collateral-source options shared by {@code collateral fetch} and {@code verify --pccs}, and
 * the fetch they configure: sources in order (an offline folder first, then PCS/PCCS servers;
 * default Intel PCS, then Phala's PCCS), each answer checked at the instant before it is used.
 */
final class CollateralSources {
  /** Held so that the level set on it is not lost with a collected logger. */
  private static final java.util.logging.Logger COLLATERAL_LOG = java.util.logging.Logger.getLogger("dev.dcapd.collateral");

  @Option(names = "--pccs", paramLabel = "URL",
      description = "A PCS or PCCS base URL; repeat for fallbacks, tried in order. "
          + "Default: " + PcsClient.INTEL_PCS_URL + ", then " + PcsClient.PHALA_PCCS_URL + ".")
  List<String> pccs = new ArrayList<>();

  @Option(names = "--collateral-dir", paramLabel = "DIR",
      description = "A folder of QuoteCollateralV3 JSON files, asked before the servers.")
  Path collateralDir;

  @Option(names = "--update", paramLabel = "standard|early", defaultValue = "standard",
      description = "TCB recovery stream of TCB info and QE identity (default: ${DEFAULT-VALUE}).")
  String update;

  @Option(names = "--tcb-evaluation-data-number", paramLabel = "N",
      description = "Ask for the collateral of this TCB evaluation data number instead of --update.")
  Integer tcbEvaluationDataNumber;

  @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "30",
      description = "Time limit per request (default: ${DEFAULT-VALUE}).")
  int timeoutSeconds;

  @Option(names = "--retries", paramLabel = "N", defaultValue = "2",
      description = "Retries per request after 429, 5xx, time-outs and connection errors (default: ${DEFAULT-VALUE}).")
  int retries;

  /** Whether any source option was given (they do not mix with a collateral file). */
  boolean given() {
    return !pccs.isEmpty() || collateralDir != null;
  }

  /**
   * The quote's collateral, checked at {@code at} against {@code anchor}. When every source fails,
   * prints one line per source to {@code err} and throws a one-line error with exit code 2.
   */
  QuoteCollateral fetch(Quote quote, Instant at, TrustAnchor anchor, boolean debug, PrintWriter err)
      throws CliException {
    return fetch(service(anchor, at, debug), quote, at, err);
  }

  /**
   * The fetch these options configure, checking against {@code anchor} for quotes judged at
   * {@code at}. Its cache keeps what it fetched, so several quotes of one platform cost one fetch.
   */
  CollateralService service(TrustAnchor anchor, Instant at, boolean debug) throws CliException {
    // The command reports every source itself, one line each; the library's log lines would
    // repeat them in another format.
    if (!debug) {
      COLLATERAL_LOG.setLevel(java.util.logging.Level.OFF);
    }
    // A run of the CLI judges everything at one instant, so that instant is its cache's "now": with
    // a past --at, collateral current then is held for the next quote instead of fetched again.
    // Nor does a run refresh in the background, as the daemon does near an expiry: it ends first.
    Clock runClock = Clock.fixed(at, ZoneOffset.UTC);
    return new CollateralService(InMemoryCollateralCache.builder(new CollateralFetcher(
            sources(), new VerifierCollateralCheck(new CollateralVerifier(), anchor), runClock))
        .refreshExecutor(refresh -> { })
        .build());
  }

  /** As {@link #fetch(Quote, Instant, TrustAnchor, boolean, PrintWriter)}, through {@code service}. */
  static QuoteCollateral fetch(CollateralService service, Quote quote, Instant at, PrintWriter err) throws CliException {
    try {
      return service.forQuote(quote, at);
    } catch (CollateralUnavailableException e) {
      for (SourceAttempt a : e.attempts()) {
        err.println("dcap: " + a);
      }
      throw new CliException(Dcap.EXIT_BAD_INPUT, e.getMessage());
    } catch (DcapException e) {
      throw new CliException(Dcap.EXIT_BAD_INPUT, e.code() + ": " + e.getMessage());
    }
  }

  private List<CollateralSource> sources() throws CliException {
    if (timeoutSeconds < 1) {
      throw new CliException(Dcap.EXIT_BAD_INPUT, "--timeout must be at least 1 second");
    }
    if (retries < 0) {
      throw new CliException(Dcap.EXIT_BAD_INPUT, "--retries cannot be negative");
    }
    UpdateType updateType;
    try {
      updateType = UpdateType.parse(update);
    } catch (IllegalArgumentException e) {
      throw new CliException(Dcap.EXIT_BAD_INPUT, "--update: " + e.getMessage());
    }
    HttpGetter http = HttpGetter.create(RetryPolicy.DEFAULT
        .withMaxAttempts(retries + 1)
        .withRequestTimeout(Duration.ofSeconds(timeoutSeconds)));
    List<CollateralSource> sources = new ArrayList<>();
    if (collateralDir != null) {
      sources.add(new OfflineDirectorySource(collateralDir));
    }
    List<String> urls = pccs.isEmpty() && collateralDir == null
        ? List.of(PcsClient.INTEL_PCS_URL, PcsClient.PHALA_PCCS_URL) : pccs;
    for (String url : urls) {
      try {
        PcsClient.Builder b = PcsClient.builder(url, http).update(updateType);
        if (tcbEvaluationDataNumber != null) {
          b.tcbEvaluationDataNumber(tcbEvaluationDataNumber);
        }
        sources.add(b.build());
      } catch (IllegalArgumentException e) {
        throw new CliException(Dcap.EXIT_BAD_INPUT, "--pccs: " + e.getMessage());
      }
    }
    return sources;
  }
}
