package dev.dcapd.cli;

import dev.dcapd.verifier.json.QuoteJson;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code dcap inspect QUOTE}: parses a quote and prints it as JSON. */
@Command(name = "inspect", description = "Parse a quote (binary or hex text) and print it as JSON.")
final class InspectCommand implements Callable<Integer> {
  @Parameters(paramLabel = "QUOTE", description = "Quote file: binary, or hex text with or without 0x.")
  Path quote;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws CliException {
    CliIo.printJson(spec.commandLine().getOut(), QuoteJson.render(CliIo.readQuote(quote)));
    return 0;
  }
}
