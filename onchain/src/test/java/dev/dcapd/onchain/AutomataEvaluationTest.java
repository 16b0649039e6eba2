package dev.dcapd.onchain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcapd.verifier.collateral.TcbStatus;
import dev.dcapd.verifier.pck.PckExtension;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Where Automata's TCB evaluation departs from Intel's, shown on the real TDX vector with its TCB
 * info or QE identity changed (signatures are not checked here: the chain checks them at upsert).
 */
class AutomataEvaluationTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void qeConfigurationNeededChangesIntelsStatusButNotAutomatas() throws Exception {
    RealVectors.Case c = RealVectors.tdx();
    ObjectNode qe = (ObjectNode) JSON.readTree(c.collateral().qeIdentity());
    ((ObjectNode) qe.withArray("tcbLevels").get(0)).put("tcbStatus", "ConfigurationNeeded");

    AutomataEvaluation.Result r = AutomataEvaluation.evaluate(c.quote(), pck(c), c.collateral().tcbInfo(), qe.toString());

    assertEquals(AutomataStatus.OK, r.status());
    // Intel: any QE status other than UpToDate counts as out of date.
    assertEquals(TcbStatus.OUT_OF_DATE, TcbStatus.UP_TO_DATE.convergeWith(TcbStatus.CONFIGURATION_NEEDED));
  }

  @Test
  void qeOutOfDateMergesAsIntelDoes() throws Exception {
    RealVectors.Case c = RealVectors.tdx();
    ObjectNode qe = (ObjectNode) JSON.readTree(c.collateral().qeIdentity());
    ((ObjectNode) qe.withArray("tcbLevels").get(0)).put("tcbStatus", "OutOfDate");
    AutomataEvaluation.Result r = AutomataEvaluation.evaluate(c.quote(), pck(c), c.collateral().tcbInfo(), qe.toString());
    assertEquals(AutomataStatus.TCB_OUT_OF_DATE, r.status());
    assertEquals(AutomataStatus.TCB_OUT_OF_DATE_CONFIGURATION_NEEDED,
        AutomataEvaluation.converge(AutomataStatus.TCB_CONFIGURATION_NEEDED, true));
  }

  @Test
  void tdxLevelMatchComparesModuleComponentsThatIntelSkips() throws Exception {
    RealVectors.Case c = RealVectors.tdx();
    // The quote's tee_tcb_svn is 06 01 03...: module SVN 6, major 1. Ask the first level for 7.
    ObjectNode tcbInfo = (ObjectNode) JSON.readTree(c.collateral().tcbInfo());
    ArrayNode comps = (ArrayNode) tcbInfo.withArray("tcbLevels").get(0).path("tcb").path("tdxtcbcomponents");
    ((ObjectNode) comps.get(0)).put("svn", 7);

    AutomataEvaluation.Result r = AutomataEvaluation.evaluate(c.quote(), pck(c), tcbInfo.toString(), c.collateral().qeIdentity());

    // Automata falls to the second level (OutOfDate, 14 advisories); Intel, skipping component 0
    // because the module major version is 1, keeps the first (UpToDate).
    assertEquals(AutomataStatus.TCB_OUT_OF_DATE, r.status());
    assertEquals(14, r.advisoryIds().size());
    assertEquals(TcbStatus.UP_TO_DATE, c.verdict().tcbStatus().orElseThrow());
  }

  @Test
  void moduleIdentityIdIsLowerCaseHex() throws Exception {
    RealVectors.Case c = RealVectors.tdx();
    ObjectNode tcbInfo = (ObjectNode) JSON.readTree(c.collateral().tcbInfo());
    for (var m : tcbInfo.withArray("tdxModuleIdentities")) {
      if (m.path("id").asText().equals("TDX_01")) {
        ((ObjectNode) m).put("id", "TDX_1");
      }
    }
    AutomataEvaluation.Result r = AutomataEvaluation.evaluate(c.quote(), pck(c), tcbInfo.toString(), c.collateral().qeIdentity());
    assertFalse(r.verified());
    assertEquals(AutomataEvaluation.TCB_LEVEL_FAILED, r.rejection());
  }

  @Test
  void aRevokedLevelMetBeforeTheTdxMatchRejects() throws Exception {
    RealVectors.Case c = RealVectors.tdx();
    ObjectNode tcbInfo = (ObjectNode) JSON.readTree(c.collateral().tcbInfo());
    ArrayNode levels = tcbInfo.withArray("tcbLevels");
    ((ObjectNode) levels.get(0).path("tcb").path("tdxtcbcomponents").get(2)).put("svn", 9);
    ((ObjectNode) levels.get(0)).put("tcbStatus", "Revoked");
    AutomataEvaluation.Result r = AutomataEvaluation.evaluate(c.quote(), pck(c), tcbInfo.toString(), c.collateral().qeIdentity());
    assertEquals(AutomataEvaluation.TCB_LEVEL_FAILED, r.rejection());
  }

  @Test
  void revokedQeRejectsWithQeidve() throws Exception {
    RealVectors.Case c = RealVectors.tdx();
    ObjectNode qe = (ObjectNode) JSON.readTree(c.collateral().qeIdentity());
    ((ObjectNode) qe.withArray("tcbLevels").get(0)).put("tcbStatus", "Revoked");
    AutomataEvaluation.Result r = AutomataEvaluation.evaluate(c.quote(), pck(c), c.collateral().tcbInfo(), qe.toString());
    assertEquals(AutomataEvaluation.QE_IDENTITY_FAILED, r.rejection());
  }

  @Test
  void sgxV3QuoteNeverCarriesAdvisories() throws Exception {
    RealVectors.Case c = RealVectors.sgx();
    AutomataEvaluation.Result r =
        AutomataEvaluation.evaluate(c.quote(), pck(c), c.collateral().tcbInfo(), c.collateral().qeIdentity());
    assertTrue(r.verified());
    assertEquals(List.of(), r.advisoryIds(), "a v3 quote never carries advisories on chain");
  }

  private static PckExtension pck(RealVectors.Case c) throws Exception {
    return c.quote().certificationData().pckCertChain().pckExtension();
  }
}
