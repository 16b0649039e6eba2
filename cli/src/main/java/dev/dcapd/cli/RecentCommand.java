package dev.dcapd.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.dcapd.client.DcapClient;
import dev.dcapd.client.DcapClientException;
import dev.dcapd.proto.json.AnswerJson;
import dev.dcapd.proto.v1.RecentItem;
import dev.dcapd.proto.v1.RecentRequest;
import dev.dcapd.proto.v1.RecentResponse;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code dcap --server S recent [--skip N --limit N | --page-token T]}: stored quotes, newest first.
 * With {@code --json} the list is the HTTP API's {@code recent} array; the next page's token, which
 * the HTTP API sends as a header, goes to stderr so that stdout stays that array.
 */
@Command(name = "recent", description = "List stored quotes, newest first (needs --server).")
final class RecentCommand implements Callable<Integer> {
  private static final String ROW = "%-20s  %-64s  %-3s  %-8s  %s%n";
  /** Followed by the next page's token: on stdout under the table, on stderr with {@code --json}. */
  static final String MORE = "more: --page-token ";

  @Option(names = "--skip", paramLabel = "N", description = "Skip this many of the newest records.")
  Integer skip;

  @Option(names = "--limit", paramLabel = "N", description = "How many records (server default 20, at most 100).")
  Integer limit;

  @Option(names = "--page-token", paramLabel = "T", description = "Continue after a previous page (instead of --skip).")
  String pageToken;

  @Option(names = "--quotes", description = "Include each parsed quote (with --json).")
  boolean quotes;

  @Option(names = "--json", description = "Print the list as the HTTP API's recent answers it (Phala's JSON array); the next page's token on stderr.")
  boolean json;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws CliException {
    if (pageToken != null && skip != null) {
      throw new CliException(Dcap.EXIT_BAD_INPUT, "recent takes --skip or --page-token, not both");
    }
    if (skip != null && skip < 0 || limit != null && limit < 0) {
      throw new CliException(Dcap.EXIT_BAD_INPUT, "--skip and --limit are not negative");
    }
    RecentRequest.Builder req = RecentRequest.newBuilder().setIncludeQuote(quotes);
    if (skip != null) {
      req.setSkip(skip);
    }
    if (limit != null) {
      req.setLimit(limit);
    }
    if (pageToken != null) {
      req.setPageToken(pageToken);
    }
    ServerOptions remote = ServerOptions.of(spec);
    PrintWriter out = spec.commandLine().getOut();
    try (DcapClient client = remote.connect("recent")) {
      RecentResponse r = client.recent(req.build());
      if (json) {
        ArrayNode items = JsonNodeFactory.instance.arrayNode();
        r.getItemsList().forEach(i -> items.add(AnswerJson.recentItem(i)));
        CliIo.printJson(out, items);
        if (!r.getNextPageToken().isEmpty()) {
          spec.commandLine().getErr().println(MORE + r.getNextPageToken());
        }
        return 0;
      }
      out.printf(ROW, "CREATED", "CHECKSUM", "TEE", "VERIFIED", "TCB STATUS");
      for (RecentItem i : r.getItemsList()) {
        out.printf(ROW, Remote.instantSeconds(i.getCreatedAt()), i.getChecksum(), i.getTeeType(),
            i.getVerified() ? "yes" : "no", i.getTcbStatus().isEmpty() ? "-" : i.getTcbStatus());
      }
      if (!r.getNextPageToken().isEmpty()) {
        out.println(MORE + r.getNextPageToken());
      }
      return 0;
    } catch (DcapClientException e) {
      throw Remote.failure(remote.server(), e);
    }
  }
}
