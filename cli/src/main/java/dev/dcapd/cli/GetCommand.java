package dev.dcapd.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcapd.client.DcapClient;
import dev.dcapd.client.DcapClientException;
import dev.dcapd.proto.json.AnswerJson;
import dev.dcapd.proto.v1.GetResponse;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code dcap --server S get CHECKSUM}: a stored quote's record. Exit 1 if its verdict failed. */
@Command(name = "get", description = "Show the stored record of a quote (needs --server). Exit 1 if it did not verify.")
final class GetCommand implements Callable<Integer> {
  @Parameters(paramLabel = "CHECKSUM", description = "SHA-256 of the quote, 64 hex digits.")
  String checksum;

  @Option(names = "--json", description = "Print the record as the HTTP API's view answers it (Phala's JSON).")
  boolean json;

  @Option(names = "--token", description = "Ask for a signed result (an EAR token, see dcap token verify) about the verdict "
      + "judged for this answer, and print it instead of the summary, or add it to the --json answer as \"token\".")
  boolean token;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws CliException {
    ServerOptions remote = ServerOptions.of(spec);
    PrintWriter out = spec.commandLine().getOut();
    try (DcapClient client = remote.connect("get")) {
      GetResponse r = token ? client.getWithToken(checksum, Optional.empty()) : client.get(checksum);
      if (json) {
        ObjectNode answer = AnswerJson.stored(r);
        if (token) {
          answer.put("token", r.getToken());
        }
        CliIo.printJson(out, answer);
      } else if (token) {
        out.println(r.getToken());
      } else {
        Remote.printSummary(out, r.getChecksum(), r.getVerdict(), r.getQuote(), r.getUploadedAt());
        Remote.line(out, "size", r.getSize() + " bytes");
      }
      return r.getVerified() ? 0 : Dcap.EXIT_REJECTED;
    } catch (DcapClientException e) {
      throw Remote.failure(remote.server(), e);
    }
  }
}
