package dev.dcapd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcapd.client.Collaterals;
import dev.dcapd.client.DcapClient;
import dev.dcapd.client.DcapClientException;
import dev.dcapd.proto.json.AnswerJson;
import dev.dcapd.proto.v1.GetCollateralResponse;
import dev.dcapd.proto.v1.QuoteCollateral;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code dcap --server S collateral CHECKSUM}: the collateral a stored quote was judged against, as
 * a summary, the HTTP API's {@code QuoteCollateralV3} JSON, or ({@code -o FILE}) the
 * {@code QuoteCollateralV3} file that offline verification reads.
 */
@Command(name = "collateral", description = "Show the collateral a stored quote was judged against (needs --server).")
public final class CollateralRemoteCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Mixin Args args;

  @Spec CommandSpec spec;

  /** The command's arguments, usable as a mixin by a {@code collateral} command with subcommands. */
  public static final class Args {
    @Parameters(paramLabel = "CHECKSUM", arity = "0..1", description = "SHA-256 of a stored quote, 64 hex digits.")
    public String checksum;

    @Option(names = "--json", description = "Print the collateral as the HTTP API's collateral answers it (QuoteCollateralV3 JSON).")
    public boolean json;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Also write the collateral as QuoteCollateralV3 JSON.")
    public Path output;
  }

  @Override
  public Integer call() throws CliException {
    return run(spec, args);
  }

  /**
   * Runs with the root command's {@code --server} and {@code spec}'s output; failures are thrown
   * for {@link Dcap}'s handler to print.
   */
  public static int run(CommandSpec spec, Args args) throws CliException {
    return execute(ServerOptions.of(spec), args, spec.commandLine().getOut());
  }

  /** Runs against {@code remote}; a failure is one line on {@code err}. Returns the exit code. */
  public static int run(ServerOptions remote, Args args, PrintWriter out, PrintWriter err) {
    try {
      return execute(remote, args, out);
    } catch (CliException e) {
      err.println("dcap: " + e.getMessage());
      return e.exitCode();
    } finally {
      out.flush();
      err.flush();
    }
  }

  private static int execute(ServerOptions remote, Args args, PrintWriter out) throws CliException {
    if (args.checksum == null) {
      throw new CliException(Dcap.EXIT_BAD_INPUT, "collateral needs a CHECKSUM");
    }
    try (DcapClient client = remote.connect("collateral")) {
      GetCollateralResponse r = client.getCollateral(args.checksum);
      if (args.output != null) {
        write(args.output, Collaterals.fromProto(r.getQuoteCollateral()).toJson());
      }
      if (args.json) {
        CliIo.printJson(out, AnswerJson.collateral(r.getQuoteCollateral()));
      } else {
        summary(out, r);
        if (args.output != null) {
          Remote.line(out, "written", args.output.toString());
        }
      }
      return 0;
    } catch (DcapClientException e) {
      throw Remote.failure(remote.server(), e);
    }
  }

  private static void summary(PrintWriter out, GetCollateralResponse r) {
    QuoteCollateral c = r.getQuoteCollateral();
    Remote.line(out, "checksum", r.getChecksum());
    Remote.line(out, "collateral", r.getCollateralId());
    JsonNode tcb = parse(c.getTcbInfo());
    Remote.line(out, "tcb info", tcb.path("id").asText("SGX") + " v" + tcb.path("version").asText("?")
        + ", fmspc " + tcb.path("fmspc").asText("?") + ", evaluation " + tcb.path("tcbEvaluationDataNumber").asText("?"));
    Remote.line(out, "", "issued " + tcb.path("issueDate").asText("?") + ", next update " + tcb.path("nextUpdate").asText("?"));
    JsonNode qe = parse(c.getQeIdentity());
    Remote.line(out, "qe identity", qe.path("id").asText("?") + " v" + qe.path("version").asText("?")
        + ", evaluation " + qe.path("tcbEvaluationDataNumber").asText("?"));
    Remote.line(out, "", "issued " + qe.path("issueDate").asText("?") + ", next update " + qe.path("nextUpdate").asText("?"));
    Remote.line(out, "root ca crl", c.getRootCaCrl().size() + " bytes");
    Remote.line(out, "pck crl", c.getPckCrl().size() + " bytes");
  }

  private static JsonNode parse(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      return JSON.createObjectNode();
    }
  }

  private static void write(Path file, String text) throws CliException {
    try {
      Files.writeString(file, text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new CliException(Dcap.EXIT_BAD_INPUT, file + ": cannot be written (" + e.getMessage() + ")");
    }
  }
}
