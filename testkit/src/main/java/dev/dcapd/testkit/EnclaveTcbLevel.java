package dev.dcapd.testkit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcapd.verifier.collateral.TcbStatus;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A TCB level keyed by one ISVSVN: a level of the QE identity or of a TDX module identity.
 * An empty advisory list is left out of the JSON, as Intel does.
 */
public record EnclaveTcbLevel(int isvSvn, Instant tcbDate, TcbStatus status, List<String> advisoryIds) {
  public EnclaveTcbLevel {
    Objects.requireNonNull(tcbDate, "tcbDate");
    Objects.requireNonNull(status, "status");
    advisoryIds = List.copyOf(advisoryIds);
  }

  public EnclaveTcbLevel withStatus(TcbStatus s) {
    return new EnclaveTcbLevel(isvSvn, tcbDate, s, advisoryIds);
  }

  ObjectNode toJson() {
    ObjectNode n = Json.MAPPER.createObjectNode();
    n.putObject("tcb").put("isvsvn", isvSvn);
    n.put("tcbDate", Json.date(tcbDate));
    n.put("tcbStatus", status.intelName());
    if (!advisoryIds.isEmpty()) {
      n.set("advisoryIDs", Json.strings(advisoryIds));
    }
    return n;
  }
}
