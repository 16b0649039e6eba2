package dev.dcapd.cli;

import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.quote.Quote;
import dev.dcapd.verifier.verify.TrustAnchor;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code dcap collateral fetch QUOTE}: gets, checks and prints the collateral for a quote. */
@Command(name = "collateral", description = "Get collateral for quotes.", subcommands = CollateralCommand.Fetch.class)
final class CollateralCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin CollateralRemoteCommand.Args remote;

  @Override
  public Integer call() throws CliException {
    if (remote.checksum != null) {
      return CollateralRemoteCommand.run(spec, remote);
    }
    throw new picocli.CommandLine.ParameterException(spec.commandLine(),
        "a collateral command is required (fetch), or dcap --server S collateral CHECKSUM");
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

    @Mixin CollateralSources sources;

    @Option(names = "--out", paramLabel = "FILE", description = "Write the JSON to FILE instead of standard output.")
    Path out;

    @Option(names = "--at", paramLabel = "TIME",
        description = "Check the collateral at TIME (Unix seconds or ISO-8601) instead of now.")
    String at;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws CliException {
      Quote q = CliIo.readQuote(quote);
      Instant instant = at == null ? Instant.now() : CliIo.parseTime(at);
      QuoteCollateral collateral = sources.fetch(q, instant, TrustAnchor.intel(), Dcap.debug(spec),
          spec.commandLine().getErr());
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
  }
}
