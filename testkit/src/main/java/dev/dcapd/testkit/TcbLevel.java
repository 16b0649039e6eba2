package dev.dcapd.testkit;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcapd.verifier.collateral.TcbStatus;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A platform TCB level of TCB info v3: 16 SGX component SVNs, PCESVN, and for TDX 16 TDX
 * component SVNs (empty for SGX).
 */
public record TcbLevel(
    List<Integer> sgxComponents,
    int pceSvn,
    List<Integer> tdxComponents,
    Instant tcbDate,
    TcbStatus status,
    List<String> advisoryIds) {

  public TcbLevel {
    sgxComponents = List.copyOf(sgxComponents);
    tdxComponents = List.copyOf(tdxComponents);
    if (sgxComponents.size() != 16 || !(tdxComponents.isEmpty() || tdxComponents.size() == 16)) {
      throw new IllegalArgumentException("a TCB level has 16 SGX (and 0 or 16 TDX) components");
    }
    Objects.requireNonNull(tcbDate, "tcbDate");
    Objects.requireNonNull(status, "status");
    advisoryIds = List.copyOf(advisoryIds);
  }

  public TcbLevel withStatus(TcbStatus s) {
    return new TcbLevel(sgxComponents, pceSvn, tdxComponents, tcbDate, s, advisoryIds);
  }

  ObjectNode toJson() {
    ObjectNode n = Json.MAPPER.createObjectNode();
    ObjectNode tcb = n.putObject("tcb");
    tcb.set("sgxtcbcomponents", components(sgxComponents));
    tcb.put("pcesvn", pceSvn);
    if (!tdxComponents.isEmpty()) {
      tcb.set("tdxtcbcomponents", components(tdxComponents));
    }
    n.put("tcbDate", Json.date(tcbDate));
    n.put("tcbStatus", status.intelName());
    if (!advisoryIds.isEmpty()) {
      n.set("advisoryIDs", Json.strings(advisoryIds));
    }
    return n;
  }

  private static ArrayNode components(List<Integer> svns) {
    ArrayNode a = Json.MAPPER.createArrayNode();
    for (int svn : svns) {
      a.addObject().put("svn", svn);
    }
    return a;
  }
}
