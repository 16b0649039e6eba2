package dev.dcapd.testkit;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcapd.verifier.Bytes;
import java.time.Instant;
import java.util.List;

/**
 * Enclave identity v2 of a quoting enclave (id {@code QE} or {@code TD_QE}); {@link #toJson()}
 * gives the compact text in Intel's key order, which is exactly the text that gets signed.
 */
public record QeIdentityDocument(
    String id,
    int version,
    Instant issueDate,
    Instant nextUpdate,
    int tcbEvaluationDataNumber,
    Bytes miscselect,
    Bytes miscselectMask,
    Bytes attributes,
    Bytes attributesMask,
    Bytes mrSigner,
    int isvProdId,
    List<EnclaveTcbLevel> tcbLevels) {

  public QeIdentityDocument {
    tcbLevels = List.copyOf(tcbLevels);
  }

  public QeIdentityDocument withDates(Instant issue, Instant next) {
    return new QeIdentityDocument(id, version, issue, next, tcbEvaluationDataNumber, miscselect, miscselectMask,
        attributes, attributesMask, mrSigner, isvProdId, tcbLevels);
  }

  public QeIdentityDocument withMrSigner(Bytes s) {
    return new QeIdentityDocument(id, version, issueDate, nextUpdate, tcbEvaluationDataNumber, miscselect,
        miscselectMask, attributes, attributesMask, s, isvProdId, tcbLevels);
  }

  public QeIdentityDocument withIsvProdId(int p) {
    return new QeIdentityDocument(id, version, issueDate, nextUpdate, tcbEvaluationDataNumber, miscselect,
        miscselectMask, attributes, attributesMask, mrSigner, p, tcbLevels);
  }

  public QeIdentityDocument withAttributes(Bytes a) {
    return new QeIdentityDocument(id, version, issueDate, nextUpdate, tcbEvaluationDataNumber, miscselect,
        miscselectMask, a, attributesMask, mrSigner, isvProdId, tcbLevels);
  }

  public QeIdentityDocument withLevels(List<EnclaveTcbLevel> levels) {
    return new QeIdentityDocument(id, version, issueDate, nextUpdate, tcbEvaluationDataNumber, miscselect,
        miscselectMask, attributes, attributesMask, mrSigner, isvProdId, levels);
  }

  /** Compact JSON text, keys in Intel's order. */
  public String toJson() {
    ObjectNode n = Json.MAPPER.createObjectNode();
    n.put("id", id);
    n.put("version", version);
    n.put("issueDate", Json.date(issueDate));
    n.put("nextUpdate", Json.date(nextUpdate));
    n.put("tcbEvaluationDataNumber", tcbEvaluationDataNumber);
    n.put("miscselect", miscselect.hex().toUpperCase());
    n.put("miscselectMask", miscselectMask.hex().toUpperCase());
    n.put("attributes", attributes.hex().toUpperCase());
    n.put("attributesMask", attributesMask.hex().toUpperCase());
    n.put("mrsigner", mrSigner.hex().toUpperCase());
    n.put("isvprodid", isvProdId);
    ArrayNode levels = n.putArray("tcbLevels");
    tcbLevels.forEach(l -> levels.add(l.toJson()));
    return Json.compact(n);
  }
}
