package dev.dcapd.verifier.collateral;

import static dev.dcapd.verifier.collateral.CollateralJson.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Intel enclave identity version 2 of a quoting enclave ({@code QE}, {@code TD_QE}) or the
 * quote verification enclave ({@code QVE}): what its report must contain and the status of each
 * ISVSVN. Parsed from the exact signed JSON text of the {@code enclaveIdentity} object; levels
 * keep their JSON order, which is the order Intel's verifier walks them in.
 */
public record QeIdentity(
    Id id,
    int version,
    Instant issueDate,
    Instant nextUpdate,
    long tcbEvaluationDataNumber,
    Bytes miscselect,
    Bytes miscselectMask,
    Bytes attributes,
    Bytes attributesMask,
    Bytes mrSigner,
    int isvProdId,
    List<EnclaveTcbLevel> tcbLevels) {

  /** The enclaves an identity can describe. */
  public enum Id {
    QE,
    TD_QE,
    QVE
  }

  public static final int MISCSELECT_SIZE = 4;
  public static final int ATTRIBUTES_SIZE = 16;
  public static final int MR_SIGNER_SIZE = 32;
  private static final String WHAT = "QE identity";
  private static final Set<TcbStatus> QE_STATUSES =
      EnumSet.of(
          TcbStatus.UP_TO_DATE,
          TcbStatus.OUT_OF_DATE,
          TcbStatus.REVOKED,
          TcbStatus.CONFIGURATION_NEEDED,
          TcbStatus.OUT_OF_DATE_CONFIGURATION_NEEDED);

  public QeIdentity {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(issueDate, "issueDate");
    Objects.requireNonNull(nextUpdate, "nextUpdate");
    tcbLevels = List.copyOf(tcbLevels);
  }

  /**
   * This identity as Intel's compact JSON text (the inverse of {@link #parse}, for documents in
   * Intel's canonical form: see {@code CollateralJsonWriter}). The text is what a signer signs.
   */
  public String toJson() {
    return CollateralJsonWriter.qeIdentity(this);
  }

  /**
   * Parses the text of an {@code enclaveIdentity} object.
   *
   * @throws DcapException {@code COLLATERAL_MALFORMED} for a wrong shape or a text other than its
   *     compact canonical form (see {@code CollateralJson.readSigned}); {@code
   *     QE_IDENTITY_MISMATCH} for a version other than 2 or an unknown id
   */
  public static QeIdentity parse(String json) throws DcapException {
    JsonNode n = readSigned(json, WHAT);
    int version = (int) integer(n, "version", Integer.MAX_VALUE, WHAT);
    if (version != 2) {
      throw new DcapException(FailureCode.QE_IDENTITY_MISMATCH, "QE identity version " + version + " is not 2");
    }
    String idText = text(n, "id", WHAT);
    Id id;
    try {
      id = Id.valueOf(idText);
    } catch (IllegalArgumentException e) {
      throw new DcapException(FailureCode.QE_IDENTITY_MISMATCH, "QE identity id '" + idText + "' is not QE, TD_QE or QVE");
    }
    List<JsonNode> levels = array(n, "tcbLevels", WHAT);
    if (levels.isEmpty()) {
      throw malformed("QE identity has no tcbLevels");
    }
    List<EnclaveTcbLevel> parsed = new ArrayList<>(levels.size());
    for (int i = 0; i < levels.size(); i++) {
      parsed.add(EnclaveTcbLevel.parse(levels.get(i), QE_STATUSES, WHAT + " tcbLevels[" + i + "]"));
    }
    return new QeIdentity(
        id,
        version,
        instant(n, "issueDate", WHAT),
        instant(n, "nextUpdate", WHAT),
        integer(n, "tcbEvaluationDataNumber", MAX_U32, WHAT),
        hex(n, "miscselect", MISCSELECT_SIZE, WHAT),
        hex(n, "miscselectMask", MISCSELECT_SIZE, WHAT),
        hex(n, "attributes", ATTRIBUTES_SIZE, WHAT),
        hex(n, "attributesMask", ATTRIBUTES_SIZE, WHAT),
        hex(n, "mrsigner", MR_SIGNER_SIZE, WHAT),
        (int) integer(n, "isvprodid", 0xffff, WHAT),
        parsed);
  }
}
