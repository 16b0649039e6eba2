package dev.dcapd.cli;

import dev.dcapd.collateral.VerifierCollateralCheck;
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
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.quote.Quote;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code dcap collateral fetch QUOTE}: gets, checks and prints the collateral for a quote. */
@Command(name = "collateral", description = "Get collateral for quotes.", subcommands = CollateralCommand.Fetch.class)
final class CollateralCommand implements Runnable {
  /** Held so that the level set on it is not lost with a collected logger. */
  private static final java.util.logging.Logger COLLATERAL_LOG = java.util.logging.Logger.getLogger("dev.dcapd.collateral");

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a collateral command is required (fetch)");
  }

  /**
   * Fetches from the sources in order (default Intel PCS, then Phala's PCCS), checks what each
   * serves at the instant, and prints the first that passes as {@code QuoteCollateralV3} JSON with
   * the quote's PCK chain. When none passes, prints one line per source and exits 2.
   */
  @Command(name = "fetch", description = "Fetch and check the collateral for QUOTE; print it as QuoteCollateralV3 JSON.")
  static final class Fetch implements Callable<Integer> {
    @Parameters(paramLabel = "QUOTE", description = "Quote file: binary, or hex text with or without 0x.")
    Path quote;

    @Option(names = "--pccs", paramLabel = "URL",
        description = "A PCS or PCCS base URL; repeat for fallbacks, tried in order. "
            + "Default: " + PcsClient.INTEL_PCS_URL + ", then " + PcsClient.PHALA_PCCS_URL + ".")
    List<String> pccs = new ArrayList<>();

    @Option(names = "--collateral-dir", paramLabel = "DIR",
        description = "A folder of QuoteCollateralV3 JSON files, asked before the servers.")
    Path collateralDir;

    @Option(names = "--out", paramLabel = "FILE", description = "Write the JSON to FILE instead of standard output.")
    Path out;

    @Option(names = "--update", paramLabel = "standard|early", defaultValue = "standard",
        description = "TCB recovery stream of TCB info and QE identity (default: ${DEFAULT-VALUE}).")
    String update;

    @Option(names = "--tcb-evaluation-data-number", paramLabel = "N",
        description = "Ask for the collateral of this TCB evaluation data number instead of --update.")
    Integer tcbEvaluationDataNumber;

    @Option(names = "--at", paramLabel = "TIME",
        description = "Check the collateral at TIME (Unix seconds or ISO-8601) instead of now.")
    String at;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "30",
        description = "Time limit per request (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Option(names = "--retries", paramLabel = "N", defaultValue = "2",
        description = "Retries per request after 429, 5xx, time-outs and connection errors (default: ${DEFAULT-VALUE}).")
    int retries;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws CliException {
      // The command reports every source itself, one line each; the library's log lines would
      // repeat them in another format.
      if (!rootDebug()) {
        COLLATERAL_LOG.setLevel(java.util.logging.Level.OFF);
      }
      Quote q = CliIo.readQuote(quote);
      Instant instant = at == null ? Instant.now() : parseTime(at);
      CollateralService service = new CollateralService(
          InMemoryCollateralCache.builder(new CollateralFetcher(sources(), VerifierCollateralCheck.intelRoot(),
              Clock.systemUTC())).build());
      QuoteCollateral collateral;
      try {
        collateral = service.forQuote(q, instant);
      } catch (CollateralUnavailableException e) {
        PrintWriter err = spec.commandLine().getErr();
        for (SourceAttempt a : e.attempts()) {
          err.println("dcap: " + a);
        }
        throw new CliException(Dcap.EXIT_BAD_INPUT, e.getMessage());
      } catch (DcapException e) {
        throw new CliException(Dcap.EXIT_BAD_INPUT, quote + ": " + e.code() + ": " + e.getMessage());
      }
      if (out == null) {
        CliIo.printJson(spec.commandLine().getOut(), collateral.toJsonNode());
      } else {
        StringWriter text = new StringWriter();
        try (PrintWriter w = new PrintWriter(text)) {
          CliIo.printJson(w, collateral.toJsonNode());
        }
        try {
          Files.writeString(out, text.toString(), StandardCharsets.UTF_8);
        } catch (IOException e) {
          throw new CliException(Dcap.EXIT_BAD_INPUT, out + ": cannot be written (" + e.getMessage() + ")");
        }
      }
      return 0;
    }

    private boolean rootDebug() {
      Object root = spec.root().userObject();
      return root instanceof Dcap d && d.debug;
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
      List<String> urls = pccs.isEmpty() ? List.of(PcsClient.INTEL_PCS_URL, PcsClient.PHALA_PCCS_URL) : pccs;
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

  /** Unix seconds or ISO-8601 (with an offset or Z). */
  static Instant parseTime(String text) throws CliException {
    String s = text.strip();
    try {
      return Instant.ofEpochSecond(Long.parseLong(s));
    } catch (NumberFormatException notSeconds) {
      try {
        return OffsetDateTime.parse(s).toInstant();
      } catch (DateTimeParseException e) {
        throw new CliException(Dcap.EXIT_BAD_INPUT, "--at: '" + text + "' is neither Unix seconds nor ISO-8601");
      }
    }
  }
}
