package dev.dcapd.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.collateral.TcbStatus;
import dev.dcapd.verifier.quote.TeeType;
import dev.dcapd.verifier.verify.QuoteVerifier;
import dev.dcapd.verifier.verify.TrustAnchor;
import dev.dcapd.verifier.verify.Verdict;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Intel's format rules on TCB info and QE identity that the trusted TCB signing key signed: each
 * document here is rewritten and signed again with the testkit's TCB signing key, so its signature
 * over the text received is valid, and each answer is the one chosen to match Intel's QVL (which
 * verifies the signature over its own compact re-serialisation of the parsed object).
 */
class SignedCollateralFormatTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MALFORMED = "COLLATERAL_MALFORMED";

  /** A TDX platform whose own TCB level is SWHardeningNeeded, between an UpToDate and an OutOfDate level. */
  private static final ForgedCase TDX = Forge.forge(ForgeSpec.builder().tee(TeeType.TDX).quoteVersion(4).seed(28)
      .tcbStatus(TcbStatus.SW_HARDENING_NEEDED).build());
  private static final ForgedCase SGX = Forge.forge(ForgeSpec.builder().tee(TeeType.SGX).quoteVersion(3).seed(28).build());

  private static Verdict verify(ForgedCase c, QuoteCollateral collateral) {
    return QuoteVerifier.withTrustAnchor(TrustAnchor.insecureCustomRoot(c.root())).verify(c.quote(), collateral, c.at());
  }

  /** {@code c}'s collateral with its TCB info text replaced and signed again by the TCB signing key. */
  private static QuoteCollateral withTcbInfo(ForgedCase c, String text) {
    return c.collateralWith(Optional.of(text), Optional.empty());
  }

  private static QuoteCollateral withQeIdentity(ForgedCase c, String text) {
    return c.collateralWith(Optional.empty(), Optional.of(text));
  }

  /** The forged TCB info edited as a tree and written compactly, so that only the edit differs. */
  private static String editedTcbInfo(ForgedCase c, UnaryOperator<ObjectNode> edit) throws Exception {
    return JSON.writeValueAsString(edit.apply((ObjectNode) JSON.readTree(c.collateral().tcbInfo())));
  }

  /** The TCB level of TDX's forged TCB info that the platform is at. */
  private static ObjectNode platformLevel(ObjectNode tcbInfo) {
    for (JsonNode l : tcbInfo.get("tcbLevels")) {
      if (l.get("tcbStatus").textValue().equals("SWHardeningNeeded")) {
        return (ObjectNode) l;
      }
    }
    throw new AssertionError("the forged TCB info has no SWHardeningNeeded level");
  }

  private static void assertMalformed(ForgedCase c, QuoteCollateral collateral) {
    Verdict v = verify(c, collateral);
    assertEquals(Optional.of(MALFORMED), v.failureCode(),
        () -> v.failure().map(f -> f.message()).orElse("success, " + v.tcbStatus().orElseThrow()));
  }

  @Test
  void forgedCollateralVerifies() {
    for (ForgedCase c : List.of(TDX, SGX)) {
      Verdict v = verify(c, c.collateral());
      assertEquals(Optional.empty(), v.failure());
    }
    assertEquals(Optional.of(TcbStatus.SW_HARDENING_NEEDED), verify(TDX, TDX.collateral()).tcbStatus());
  }

  /** Whitespace between tokens: Intel's compact re-serialisation drops it, so its signature check fails. */
  @Test
  void prettyPrintedTcbInfoAndQeIdentityAreMalformed() throws Exception {
    for (ForgedCase c : List.of(TDX, SGX)) {
      String tcb = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(JSON.readTree(c.collateral().tcbInfo()));
      assertMalformed(c, withTcbInfo(c, tcb));
      String qe = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(JSON.readTree(c.collateral().qeIdentity()));
      assertMalformed(c, withQeIdentity(c, qe));
      // One space, and one trailing newline, are enough.
      assertMalformed(c, withTcbInfo(c, c.collateral().tcbInfo().replaceFirst(":", ": ")));
      assertMalformed(c, withQeIdentity(c, c.collateral().qeIdentity() + "\n"));
    }
  }

  /** An escape where none is needed: Intel writes the character itself, so the texts differ. */
  @Test
  void escapedCharactersAreMalformed() {
    String u = "\\" + "u";
    String tcb = TDX.collateral().tcbInfo();
    assertTrue(tcb.contains("\"tcbStatus\":\"SWHardeningNeeded\""));
    assertMalformed(TDX, withTcbInfo(TDX, tcb.replace("\"tcbStatus\":\"SWHardeningNeeded\"",
        "\"tcbStatus\":\"" + u + "0053WHardeningNeeded\"")));
    assertMalformed(TDX, withTcbInfo(TDX, tcb.replace("\"id\":\"TDX\"", "\"id\":\"" + u + "0054DX\"")));
    assertMalformed(TDX, withTcbInfo(TDX, tcb.replace("\"tcbLevels\"", "\"tcb" + u + "004Cevels\"")));
    String qe = TDX.collateral().qeIdentity();
    assertMalformed(TDX, withQeIdentity(TDX, qe.replace("\"id\":\"TD_QE\"", "\"id\":\"TD" + u + "005FQE\"")));
  }

  /**
   * Member order is not a format error: Intel re-serialises members in the order received, so a
   * document signed in another order verifies for Intel too, and is judged the same.
   */
  @Test
  void anotherMemberOrderIsJudgedTheSame() throws Exception {
    String reversed = editedTcbInfo(TDX, t -> {
      ObjectNode r = JSON.createObjectNode();
      List<Map.Entry<String, JsonNode>> fields = new ArrayList<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = t.fields(); it.hasNext(); ) {
        fields.add(it.next());
      }
      for (int i = fields.size() - 1; i >= 0; i--) {
        r.set(fields.get(i).getKey(), fields.get(i).getValue());
      }
      return r;
    });
    assertNotEquals(TDX.collateral().tcbInfo(), reversed);
    Verdict base = verify(TDX, TDX.collateral());
    Verdict v = verify(TDX, withTcbInfo(TDX, reversed));
    assertEquals(Optional.empty(), v.failure());
    assertEquals(base.tcbStatus(), v.tcbStatus());
    assertEquals(base.advisoryIds(), v.advisoryIds());
    assertEquals(base.tcbDate(), v.tcbDate());
  }

  @Test
  void datesOtherThanIntelsFormAreMalformed() throws Exception {
    for (String bad : List.of("2025-01-01T00:00:00.000Z", "2025-01-01T00:00:00+00:00", "2025-01-01T00:00:00z",
        "2025-01-01t00:00:00Z", "2025-01-01T00:00Z", "+2025-01-01T00:00:00Z", "2025-02-30T00:00:00Z")) {
      assertMalformed(TDX, withTcbInfo(TDX, editedTcbInfo(TDX, t -> t.put("issueDate", bad))));
      assertMalformed(TDX, withTcbInfo(TDX, editedTcbInfo(TDX, t -> {
        platformLevel(t).put("tcbDate", bad);
        return t;
      })));
      ObjectNode qe = (ObjectNode) JSON.readTree(TDX.collateral().qeIdentity());
      qe.put("issueDate", bad);
      assertMalformed(TDX, withQeIdentity(TDX, JSON.writeValueAsString(qe)));
    }
  }

  @Test
  void tcbEvaluationDataNumberIsAnUnsigned32BitInteger() throws Exception {
    for (String bad : List.of("-1", "4294967296", "17.0", "1.7E1", "\"17\"")) {
      String text = TDX.collateral().tcbInfo().replaceFirst("\"tcbEvaluationDataNumber\":[0-9]+",
          "\"tcbEvaluationDataNumber\":" + bad);
      assertNotEquals(TDX.collateral().tcbInfo(), text);
      assertMalformed(TDX, withTcbInfo(TDX, text));
    }
    String max = TDX.collateral().tcbInfo().replaceFirst("\"tcbEvaluationDataNumber\":[0-9]+",
        "\"tcbEvaluationDataNumber\":4294967295");
    assertEquals(Optional.empty(), verify(TDX, withTcbInfo(TDX, max)).failure());
  }

  /**
   * A TDX TCB component SVN is a byte. Left alone, 256 on the platform's level would only make
   * that level unreachable (the platform would be judged by the OutOfDate level below it); Intel's
   * QVL would keep its low byte, 0. dcapd refuses the document instead.
   */
  @Test
  void tdxComponentOf256IsMalformedNotOutOfDate() throws Exception {
    String text = editedTcbInfo(TDX, t -> {
      ((ObjectNode) platformLevel(t).get("tcb").get("tdxtcbcomponents").get(3)).put("svn", 256);
      return t;
    });
    assertMalformed(TDX, withTcbInfo(TDX, text));
    String sgx = editedTcbInfo(TDX, t -> {
      ((ObjectNode) platformLevel(t).get("tcb").get("sgxtcbcomponents").get(3)).put("svn", 256);
      return t;
    });
    assertMalformed(TDX, withTcbInfo(TDX, sgx));
  }

  /**
   * Two levels with the same SVNs: Intel's QVL keeps levels in a set and refuses the document.
   * Without that rule, an UpToDate copy signed before the platform's own level would be the one
   * the platform is judged by.
   */
  @Test
  void twoLevelsWithTheSameSvnsAreMalformed() throws Exception {
    String text = editedTcbInfo(TDX, t -> {
      ObjectNode copy = platformLevel(t).deepCopy();
      copy.put("tcbStatus", "UpToDate");
      copy.remove("advisoryIDs");
      ArrayNode levels = (ArrayNode) t.get("tcbLevels");
      for (int i = 0; i < levels.size(); i++) {
        if (levels.get(i).equals(platformLevel(t))) {
          levels.insert(i, copy);
          break;
        }
      }
      return t;
    });
    assertMalformed(TDX, withTcbInfo(TDX, text));
  }

  /**
   * More than 20 advisory IDs on the platform's level (or one longer than 20 characters): Intel's
   * QvE cannot fit them in its supplemental data and fails with SGX_QL_ERROR_UNEXPECTED. dcapd
   * keeps its answer, the level's status with every ID, which is what the signed document says.
   */
  @Test
  void moreThanTwentyAdvisoryIdsKeepDcapdsAnswer() throws Exception {
    List<String> ids = new ArrayList<>();
    for (int i = 1; i <= 21; i++) {
      ids.add(String.format("INTEL-SA-%05d", 1000 + i));
    }
    ids.add("INTEL-SA-00001-LONGER-THAN-TWENTY");
    String text = editedTcbInfo(TDX, t -> {
      ArrayNode a = platformLevel(t).putArray("advisoryIDs");
      ids.forEach(a::add);
      return t;
    });
    Verdict v = verify(TDX, withTcbInfo(TDX, text));
    assertEquals(Optional.empty(), v.failure());
    assertEquals(Optional.of(TcbStatus.SW_HARDENING_NEEDED), v.tcbStatus());
    assertTrue(v.advisoryIds().containsAll(ids), v.advisoryIds().toString());
  }
}
