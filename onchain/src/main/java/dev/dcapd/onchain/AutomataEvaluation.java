package dev.dcapd.onchain;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.pck.PckExtension;
import dev.dcapd.verifier.quote.EnclaveReport;
import dev.dcapd.verifier.quote.Quote;
import dev.dcapd.verifier.quote.TdReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Automata's TCB evaluation of a quote (V3/V4/V5 quote verifiers at
 * {@code automata-dcap-attestation} 2df31aa), computed off chain from the same TCB info and QE
 * identity JSON the on-chain PCCS holds. It answers what the contract's status byte and advisory
 * list will be, which is not always what Intel's rule (our verdict) says:
 *
 * <ol>
 *   <li><b>Status merge.</b> A component (QE or TDX module) changes the platform's status only when
 *       its status is exactly {@code OutOfDate}: UpToDate/SWHardeningNeeded become OutOfDate,
 *       ConfigurationNeeded/ConfigurationAndSWHardeningNeeded become OutOfDateConfigurationNeeded.
 *       Intel treats every component status other than UpToDate as out of date; a QE level
 *       "ConfigurationNeeded" therefore changes Intel's status and not Automata's.
 *   <li><b>TDX level match.</b> All 16 {@code tee_tcb_svn} components are compared with the level's
 *       TDX components; Intel skips components 0 and 1 when the module major version is not 0
 *       (the module identity judges them). Levels are walked in JSON order from the first SGX
 *       match; a Revoked level met on the way rejects the quote.
 *   <li><b>TD 1.5 relaunch.</b> Never reported: the V5 verifier overwrites it with the merged status.
 *   <li><b>Advisories.</b> Only the selected platform level's advisory ids (none for v3 quotes);
 *       Intel adds the module's and the QE's.
 *   <li><b>Module identity id.</b> Looked up as {@code "TDX_"} + lower-case hex of the major
 *       version, compared exactly with the JSON id (Intel's ids are upper case: from 0x0A on they
 *       differ and the quote is rejected).
 *   <li><b>Unknown status strings.</b> A platform or module level status Automata does not know
 *       is code 7 (Unrecognized); a QE level other than UpToDate/OutOfDate/Revoked is "not
 *       supported" and leaves the status unchanged.
 * </ol>
 */
public final class AutomataEvaluation {
  /** Automata's reason when a QE identity check fails or the QE is revoked. */
  public static final String QE_IDENTITY_FAILED = "QEIDVE";
  /** Automata's reason when no TCB level matches or the matched one is revoked. */
  public static final String TCB_LEVEL_FAILED = "TCBR";
  /** Automata's reason when MRSIGNERSEAM or the SEAM attributes do not match. */
  public static final String TDX_MODULE_FAILED = "TDMF";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int COMPONENTS = 16;
  private static final int TEE_TCB_SVN_MODULE_SVN = 0;
  private static final int TEE_TCB_SVN_MODULE_MAJOR = 1;
  private static final String QE_UP_TO_DATE = "UpToDate";
  private static final String QE_OUT_OF_DATE = "OutOfDate";
  private static final String QE_REVOKED = "Revoked";

  private AutomataEvaluation() {}

  /** Automata's answer: a status and advisories, or the short reason it rejects with. */
  public record Result(AutomataStatus status, List<String> advisoryIds, String rejection) {
    public Result {
      advisoryIds = List.copyOf(advisoryIds);
      if ((status == null) == (rejection == null)) {
        throw new IllegalArgumentException("a result has a status or a rejection");
      }
    }

    static Result verified(AutomataStatus status, List<String> advisoryIds) {
      return new Result(status, advisoryIds, null);
    }

    static Result rejected(String reason) {
      return new Result(null, List.of(), reason);
    }

    public boolean verified() {
      return status != null;
    }
  }

  /**
   * Evaluates {@code quote}, whose PCK extension is {@code pck}, against TCB info and QE identity
   * JSON text (the signed objects). The caller has verified everything else (signatures, chain).
   *
   * @throws IllegalArgumentException if the JSON does not have the shape of Intel's v3 TCB info
   *     and v2 identity
   */
  public static Result evaluate(Quote quote, PckExtension pck, String tcbInfoJson, String qeIdentityJson) {
    Objects.requireNonNull(quote, "quote");
    JsonNode tcbInfo = read(tcbInfoJson);
    JsonNode qeIdentity = read(qeIdentityJson);
    int qeIsvSvn = quote.qeReportCertificationData().qeReport().isvSvn();
    String qeStatus = null;
    for (JsonNode level : array(qeIdentity, "tcbLevels")) {
      if (integer(level.path("tcb"), "isvsvn") <= qeIsvSvn) {
        qeStatus = level.path("tcbStatus").asText("");
        break;
      }
    }
    if (qeStatus == null || qeStatus.equals(QE_REVOKED)) {
      return Result.rejected(QE_IDENTITY_FAILED);
    }
    boolean qeOutOfDate = qeStatus.equals(QE_OUT_OF_DATE);
    List<JsonNode> levels = array(tcbInfo, "tcbLevels");
    if (quote.body() instanceof EnclaveReport) {
      return sgx(quote.version(), pck, levels, qeOutOfDate);
    }
    return tdx((TdReport) quote.body(), pck, tcbInfo, levels, qeOutOfDate);
  }

  private static Result sgx(int version, PckExtension pck, List<JsonNode> levels, boolean qeOutOfDate) {
    for (JsonNode level : levels) {
      if (sgxMatches(level, pck)) {
        AutomataStatus status = AutomataStatus.ofTcbLevelText(level.path("tcbStatus").asText(""));
        if (status == AutomataStatus.TCB_REVOKED) {
          return Result.rejected(TCB_LEVEL_FAILED);
        }
        // The V3 verifier always answers with an empty advisory list.
        List<String> advisories = version == 3 ? List.of() : strings(level, "advisoryIDs");
        return Result.verified(converge(status, qeOutOfDate), advisories);
      }
    }
    return Result.rejected(TCB_LEVEL_FAILED);
  }

  private static Result tdx(TdReport td, PckExtension pck, JsonNode tcbInfo, List<JsonNode> levels, boolean qeOutOfDate) {
    Bytes teeTcbSvn = td.teeTcbSvn();
    JsonNode selected = null;
    boolean sgxFound = false;
    for (JsonNode level : levels) {
      if (!sgxFound && sgxMatches(level, pck)) {
        sgxFound = true;
      }
      if (!sgxFound) {
        continue;
      }
      // Once the SGX level is found, each later level's own status counts as "the SGX status".
      if (AutomataStatus.ofTcbLevelText(level.path("tcbStatus").asText("")) == AutomataStatus.TCB_REVOKED) {
        return Result.rejected(TCB_LEVEL_FAILED);
      }
      if (teeTcbSvn.isAllZero()) {
        break;
      }
      if (tdxMatches(level, teeTcbSvn)) {
        selected = level;
        break;
      }
    }
    if (selected == null) {
      return Result.rejected(TCB_LEVEL_FAILED);
    }
    AutomataStatus status = AutomataStatus.ofTcbLevelText(selected.path("tcbStatus").asText(""));

    int major = teeTcbSvn.unsigned(TEE_TCB_SVN_MODULE_MAJOR);
    AutomataStatus moduleStatus = AutomataStatus.OK;
    JsonNode expected = tcbInfo.path("tdxModule");
    if (major != 0) {
      String id = "TDX_" + String.format(Locale.ROOT, "%02x", major);
      JsonNode identity = null;
      for (JsonNode m : array(tcbInfo, "tdxModuleIdentities")) {
        if (m.path("id").asText("").equals(id)) {
          identity = m;
          break;
        }
      }
      JsonNode moduleLevel = null;
      if (identity != null) {
        int svn = teeTcbSvn.unsigned(TEE_TCB_SVN_MODULE_SVN);
        for (JsonNode l : array(identity, "tcbLevels")) {
          if (svn >= integer(l.path("tcb"), "isvsvn")) {
            moduleLevel = l;
            break;
          }
        }
      }
      if (moduleLevel == null) {
        return Result.rejected(TCB_LEVEL_FAILED);
      }
      moduleStatus = AutomataStatus.ofTcbLevelText(moduleLevel.path("tcbStatus").asText(""));
      if (moduleStatus == AutomataStatus.TCB_REVOKED) {
        return Result.rejected(TCB_LEVEL_FAILED);
      }
      expected = identity;
    }
    if (!td.mrSignerSeam().equals(hex(expected, "mrsigner")) || !td.seamAttributes().equals(hex(expected, "attributes"))) {
      return Result.rejected(TDX_MODULE_FAILED);
    }
    if (moduleStatus == AutomataStatus.TCB_OUT_OF_DATE) {
      status = converge(status, true);
    }
    return Result.verified(converge(status, qeOutOfDate), strings(selected, "advisoryIDs"));
  }

  /** Automata's merge: only an out-of-date component changes the status. */
  static AutomataStatus converge(AutomataStatus status, boolean componentOutOfDate) {
    if (!componentOutOfDate) {
      return status;
    }
    switch (status) {
      case OK:
      case TCB_SW_HARDENING_NEEDED:
        return AutomataStatus.TCB_OUT_OF_DATE;
      case TCB_CONFIGURATION_NEEDED:
      case TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED:
        return AutomataStatus.TCB_OUT_OF_DATE_CONFIGURATION_NEEDED;
      default:
        return status;
    }
  }

  private static boolean sgxMatches(JsonNode level, PckExtension pck) {
    JsonNode tcb = level.path("tcb");
    List<Integer> required = components(tcb, "sgxtcbcomponents", "sgxtcbcomp%02dsvn");
    if (required.size() != COMPONENTS) {
      return false;
    }
    for (int i = 0; i < COMPONENTS; i++) {
      if (pck.tcbComponent(i) < required.get(i)) {
        return false;
      }
    }
    return pck.pceSvn() >= integer(tcb, "pcesvn");
  }

  private static boolean tdxMatches(JsonNode level, Bytes teeTcbSvn) {
    List<Integer> required = components(level.path("tcb"), "tdxtcbcomponents", null);
    if (required.size() != COMPONENTS) {
      return false;
    }
    for (int i = 0; i < COMPONENTS; i++) {
      if (teeTcbSvn.unsigned(i) < required.get(i)) {
        return false;
      }
    }
    return true;
  }

  /** TCB info v3 lists components as {@code [{"svn": n}, ...]}; v2 names them one by one. */
  private static List<Integer> components(JsonNode tcb, String v3Name, String v2Pattern) {
    List<Integer> out = new ArrayList<>();
    JsonNode list = tcb.get(v3Name);
    if (list != null && list.isArray()) {
      for (JsonNode c : list) {
        out.add((int) integer(c, "svn"));
      }
      return out;
    }
    if (v2Pattern != null) {
      for (int i = 1; i <= COMPONENTS; i++) {
        JsonNode c = tcb.get(String.format(Locale.ROOT, v2Pattern, i));
        if (c == null) {
          return List.of();
        }
        out.add(c.asInt());
      }
    }
    return out;
  }

  private static JsonNode read(String json) {
    try {
      JsonNode n = JSON.readTree(json);
      if (n == null || !n.isObject()) {
        throw new IllegalArgumentException("collateral JSON is not an object");
      }
      return n;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("collateral JSON is unreadable: " + e.getOriginalMessage(), e);
    }
  }

  private static List<JsonNode> array(JsonNode n, String name) {
    JsonNode a = n.get(name);
    if (a == null || !a.isArray()) {
      throw new IllegalArgumentException("'" + name + "' is not an array");
    }
    List<JsonNode> out = new ArrayList<>();
    a.forEach(out::add);
    return out;
  }

  private static List<String> strings(JsonNode n, String name) {
    JsonNode a = n.get(name);
    if (a == null || !a.isArray()) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    a.forEach(s -> out.add(s.asText()));
    return out;
  }

  private static long integer(JsonNode n, String name) {
    JsonNode v = n.get(name);
    if (v == null || !v.canConvertToLong()) {
      throw new IllegalArgumentException("'" + name + "' is not an integer");
    }
    return v.asLong();
  }

  private static Bytes hex(JsonNode n, String name) {
    JsonNode v = n.get(name);
    if (v == null || !v.isTextual()) {
      throw new IllegalArgumentException("'" + name + "' is not hex text");
    }
    return Bytes.fromHex(v.asText());
  }
}
