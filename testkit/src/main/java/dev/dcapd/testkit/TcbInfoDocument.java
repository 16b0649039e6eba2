package dev.dcapd.testkit;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcapd.verifier.Bytes;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * TCB info v3 (id {@code SGX} or {@code TDX}) as the testkit signs it; {@link #toJson()} gives the
 * compact text in Intel's key order, which is exactly the text that gets signed.
 */
public record TcbInfoDocument(
    String id,
    int version,
    Instant issueDate,
    Instant nextUpdate,
    Bytes fmspc,
    Bytes pceId,
    int tcbType,
    int tcbEvaluationDataNumber,
    Optional<TdxModuleIdentity> tdxModule,
    List<TdxModuleIdentity> tdxModuleIdentities,
    List<TcbLevel> tcbLevels) {

  public TcbInfoDocument {
    tdxModuleIdentities = List.copyOf(tdxModuleIdentities);
    tcbLevels = List.copyOf(tcbLevels);
  }

  public TcbInfoDocument withDates(Instant issue, Instant next) {
    return new TcbInfoDocument(id, version, issue, next, fmspc, pceId, tcbType, tcbEvaluationDataNumber,
        tdxModule, tdxModuleIdentities, tcbLevels);
  }

  public TcbInfoDocument withFmspc(Bytes f) {
    return new TcbInfoDocument(id, version, issueDate, nextUpdate, f, pceId, tcbType, tcbEvaluationDataNumber,
        tdxModule, tdxModuleIdentities, tcbLevels);
  }

  public TcbInfoDocument withPceId(Bytes p) {
    return new TcbInfoDocument(id, version, issueDate, nextUpdate, fmspc, p, tcbType, tcbEvaluationDataNumber,
        tdxModule, tdxModuleIdentities, tcbLevels);
  }

  public TcbInfoDocument withTdxModule(Optional<TdxModuleIdentity> module, List<TdxModuleIdentity> identities) {
    return new TcbInfoDocument(id, version, issueDate, nextUpdate, fmspc, pceId, tcbType, tcbEvaluationDataNumber,
        module, identities, tcbLevels);
  }

  public TcbInfoDocument withLevels(List<TcbLevel> levels) {
    return new TcbInfoDocument(id, version, issueDate, nextUpdate, fmspc, pceId, tcbType, tcbEvaluationDataNumber,
        tdxModule, tdxModuleIdentities, levels);
  }

  /** Compact JSON text, keys in Intel's order. */
  public String toJson() {
    ObjectNode n = Json.MAPPER.createObjectNode();
    n.put("id", id);
    n.put("version", version);
    n.put("issueDate", Json.date(issueDate));
    n.put("nextUpdate", Json.date(nextUpdate));
    n.put("fmspc", fmspc.hex().toUpperCase());
    n.put("pceId", pceId.hex().toUpperCase());
    n.put("tcbType", tcbType);
    n.put("tcbEvaluationDataNumber", tcbEvaluationDataNumber);
    tdxModule.ifPresent(m -> n.set("tdxModule", m.toJson()));
    if (!tdxModuleIdentities.isEmpty()) {
      ArrayNode a = n.putArray("tdxModuleIdentities");
      tdxModuleIdentities.forEach(m -> a.add(m.toJson()));
    }
    ArrayNode levels = n.putArray("tcbLevels");
    tcbLevels.forEach(l -> levels.add(l.toJson()));
    return Json.compact(n);
  }
}
