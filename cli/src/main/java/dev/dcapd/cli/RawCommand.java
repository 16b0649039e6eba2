package dev.dcapd.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcapd.client.DcapClient;
import dev.dcapd.client.DcapClientException;
import dev.dcapd.proto.v1.StatRawResponse;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code dcap --server S raw CHECKSUM -o FILE} downloads a stored quote's bytes (checked against the
 * checksum); {@code raw --head CHECKSUM} says whether it is stored and its size (exit 2 if not).
 */
@Command(name = "raw", description = "Download a stored quote's original bytes, or with --head only say whether it is stored (needs --server).")
final class RawCommand implements Callable<Integer> {
  @Parameters(paramLabel = "CHECKSUM", description = "SHA-256 of the quote, 64 hex digits.")
  String checksum;

  @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Where to write the bytes.")
  Path output;

  @Option(names = "--head", description = "Only say whether the quote is stored, and its size.")
  boolean head;

  @Option(names = "--json", description = "With --head: print the RPC's answer as JSON.")
  boolean json;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws CliException {
    if (head == (output != null)) {
      throw new CliException(Dcap.EXIT_BAD_INPUT, "raw needs exactly one of -o FILE or --head");
    }
    ServerOptions remote = ServerOptions.of(spec);
    PrintWriter out = spec.commandLine().getOut();
    try (DcapClient client = remote.connect("raw")) {
      if (head) {
        StatRawResponse r = client.statRaw(checksum);
        if (json) {
          // The HTTP API answers HEAD raw with headers only; this is what they say.
          ObjectNode stat = JsonNodeFactory.instance.objectNode();
          stat.put("exists", r.getExists());
          stat.put("size", r.getSize());
          CliIo.printJson(out, stat);
        } else {
          out.println(r.getExists() ? "stored, " + r.getSize() + " bytes" : "not stored");
        }
        return r.getExists() ? 0 : Dcap.EXIT_BAD_INPUT;
      }
      byte[] data = client.getRaw(checksum);
      try {
        Files.write(output, data);
      } catch (IOException e) {
        throw new CliException(Dcap.EXIT_BAD_INPUT, output + ": cannot be written (" + e.getMessage() + ")");
      }
      out.println(output + ": " + data.length + " bytes");
      return 0;
    } catch (DcapClientException e) {
      throw Remote.failure(remote.server(), e);
    }
  }
}
