package dev.dcapd.verifier.collateral;

import static dev.dcapd.verifier.collateral.CollateralJson.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import dev.dcapd.verifier.quote.TeeType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Intel TCB info (versions 2 and 3, SGX and TDX): which TCB levels a platform family (FMSPC) can
 * be at, and what each level's status is. Parsed from the exact signed JSON text of the
 * {@code tcbInfo} object; levels are held in Intel's order ({@link TcbLevel#INTEL_ORDER}).
 */
public record TcbInfo(
    TeeType id,
    int version,
    Instant issueDate,
    Instant nextUpdate,
    Bytes fmspc,
    Bytes pceId,
    int tcbType,
    long tcbEvaluationDataNumber,
    Optional<TdxModule> tdxModule,
    List<TdxModuleIdentity> tdxModuleIdentities,
    List<TcbLevel> tcbLevels) {

  public static final int FMSPC_SIZE = 6;
  public static final int PCE_ID_SIZE = 2;
  private static final String WHAT = "TCB info";

  public TcbInfo {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(issueDate, "issueDate");
    Objects.requireNonNull(nextUpdate, "nextUpdate");
    Objects.requireNonNull(fmspc, "fmspc");
    Objects.requireNonNull(pceId, "pceId");
    Objects.requireNonNull(tdxModule, "tdxModule");
    tdxModuleIdentities = List.copyOf(tdxModuleIdentities);
    tcbLevels = List.copyOf(tcbLevels);
  }

  /** The module identity {@code TDX_%02X} of a module major version, if the TCB info has it. */
  public Optional<TdxModuleIdentity> tdxModuleIdentity(int majorVersion) {
    String want = TdxModuleIdentity.idFor(majorVersion);
    for (TdxModuleIdentity m : tdxModuleIdentities) {
      if (m.id().equals(want)) {
        return Optional.of(m);
      }
    }
    return Optional.empty();
  }

  /**
   * This TCB info as Intel's compact JSON text (the inverse of {@link #parse}, for documents in
   * Intel's canonical form: see {@code CollateralJsonWriter}). Levels are written in the order held,
   * so a parsed TCB info writes them in Intel's order. The text is what a signer signs.
   */
  public String toJson() {
    return CollateralJsonWriter.tcbInfo(this);
  }

  /**
   * Parses the text of a {@code tcbInfo} object.
   *
   * @throws DcapException {@code COLLATERAL_MALFORMED} for a wrong shape or a text other than its
   *     compact canonical form (see {@code CollateralJson.readSigned}); {@code TCB_INFO_MISMATCH}
   *     for a version other than 2 or 3, an unknown id, or a TCB type other than 0 (well-formed
   *     TCB info this verifier cannot apply)
   */
  public static TcbInfo parse(String json) throws DcapException {
    JsonNode n = readSigned(json, WHAT);
    int version = (int) integer(n, "version", Integer.MAX_VALUE, WHAT);
    if (version != 2 && version != 3) {
      throw new DcapException(FailureCode.TCB_INFO_MISMATCH, "TCB info version " + version + " is not 2 or 3");
    }
    TeeType id = TeeType.SGX;
    if (version == 3) {
      String idText = text(n, "id", WHAT);
      if (idText.equals("TDX")) {
        id = TeeType.TDX;
      } else if (!idText.equals("SGX")) {
        throw new DcapException(FailureCode.TCB_INFO_MISMATCH, "TCB info id '" + idText + "' is neither SGX nor TDX");
      }
    }
    int tcbType = (int) integer(n, "tcbType", Integer.MAX_VALUE, WHAT);
    if (tcbType != 0) {
      throw new DcapException(FailureCode.TCB_INFO_MISMATCH, "TCB info tcbType " + tcbType + " is not 0");
    }
    boolean tdx = id == TeeType.TDX;
    Optional<TdxModule> module = Optional.empty();
    List<TdxModuleIdentity> identities = new ArrayList<>();
    if (tdx) {
      module = Optional.of(TdxModule.parse(field(n, "tdxModule", WHAT), WHAT + " tdxModule"));
      if (n.has("tdxModuleIdentities")) {
        List<JsonNode> ids = array(n, "tdxModuleIdentities", WHAT);
        if (ids.isEmpty()) {
          throw malformed("TCB info tdxModuleIdentities is empty");
        }
        for (int i = 0; i < ids.size(); i++) {
          identities.add(TdxModuleIdentity.parse(ids.get(i), WHAT + " tdxModuleIdentities[" + i + "]"));
        }
      }
    } else if (n.has("tdxModule") || n.has("tdxModuleIdentities")) {
      throw malformed("SGX TCB info carries TDX module fields");
    }
    List<JsonNode> levels = array(n, "tcbLevels", WHAT);
    if (levels.isEmpty()) {
      throw malformed("TCB info has no tcbLevels");
    }
    List<TcbLevel> parsed = new ArrayList<>(levels.size());
    for (int i = 0; i < levels.size(); i++) {
      String what = WHAT + " tcbLevels[" + i + "]";
      parsed.add(version == 2 ? TcbLevel.parseV2(levels.get(i), what) : TcbLevel.parseV3(levels.get(i), tdx, what));
    }
    parsed.sort(TcbLevel.INTEL_ORDER);
    // Intel's QVL keeps levels in a set ordered so and refuses a level equal to one it holds.
    for (int i = 1; i < parsed.size(); i++) {
      if (TcbLevel.INTEL_ORDER.compare(parsed.get(i - 1), parsed.get(i)) == 0) {
        throw malformed("TCB info has two tcbLevels with the same SVNs");
      }
    }
    return new TcbInfo(
        id,
        version,
        instant(n, "issueDate", WHAT),
        instant(n, "nextUpdate", WHAT),
        hex(n, "fmspc", FMSPC_SIZE, WHAT),
        hex(n, "pceId", PCE_ID_SIZE, WHAT),
        tcbType,
        integer(n, "tcbEvaluationDataNumber", MAX_U32, WHAT),
        module,
        identities,
        parsed);
  }
}
