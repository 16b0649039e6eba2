package dev.dcapd.onchain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dcapd.testkit.Forge;
import dev.dcapd.testkit.ForgeSpec;
import dev.dcapd.testkit.ForgedCase;
import dev.dcapd.verifier.FailureCode;
import dev.dcapd.verifier.collateral.TcbStatus;
import dev.dcapd.verifier.quote.BodyType;
import dev.dcapd.verifier.quote.TeeType;
import dev.dcapd.verifier.verify.QuoteVerifier;
import dev.dcapd.verifier.verify.TrustAnchor;
import dev.dcapd.verifier.verify.Verdict;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The export of testkit quotes with signed collateral: every platform status and QE status on
 * SGX v3/v4 and TDX v4/v5, and the two testkit cases built for Automata's departures from Intel.
 */
class ForgedExportTest {
  private static final List<TcbStatus> PLATFORM = List.of(
      TcbStatus.UP_TO_DATE, TcbStatus.SW_HARDENING_NEEDED,
      TcbStatus.CONFIGURATION_NEEDED, TcbStatus.CONFIGURATION_AND_SW_HARDENING_NEEDED,
      TcbStatus.OUT_OF_DATE, TcbStatus.OUT_OF_DATE_CONFIGURATION_NEEDED);

  record Shape(TeeType tee, int version, BodyType body) {}

  private static final List<Shape> SHAPES = List.of(
      new Shape(TeeType.SGX, 3, BodyType.SGX_ENCLAVE_REPORT), new Shape(TeeType.SGX, 4, BodyType.SGX_ENCLAVE_REPORT),
      new Shape(TeeType.TDX, 4, BodyType.TD_REPORT_10), new Shape(TeeType.TDX, 5, BodyType.TD_REPORT_15));

  @Test
  void everyStatusAndShapeExportsTheStatusBothRulesAgreeOn() throws Exception {
    List<String> problems = new ArrayList<>();
    for (Shape shape : SHAPES) {
      for (TcbStatus platform : PLATFORM) {
        for (TcbStatus qe : List.of(TcbStatus.UP_TO_DATE, TcbStatus.OUT_OF_DATE)) {
          ForgeSpec spec = ForgeSpec.builder().tee(shape.tee()).quoteVersion(shape.version()).bodyType(shape.body())
              .tcbStatus(platform).qeTcbStatus(qe).build();
          String name = shape + " " + platform + " QE " + qe;
          ForgedCase c = Forge.forge(spec);
          Verdict v = verify(c);
          if (!v.success()) {
            problems.add(name + ": verdict " + v.failureCode());
            continue;
          }
          OnchainExport e = OnchainExport.forQuote(c.quote(), c.collateral(), v);
          if (!e.expectedToVerify()) {
            problems.add(name + ": not expected to verify: " + e.notes());
            continue;
          }
          VerifiedOutput out = VerifiedOutput.decode(e.expectedOutput().orElseThrow());
          AutomataStatus want = AutomataEvaluation.converge(
              AutomataStatus.of(TcbStatus.fromIntelName(platform.intelName()).orElseThrow()), qe == TcbStatus.OUT_OF_DATE);
          check(problems, name + " status", want, out.tcbStatus());
          check(problems, name + " status vs verdict", AutomataStatus.of(v.tcbStatus().orElseThrow()), out.tcbStatus());
          check(problems, name + " version", shape.version(), out.quoteVersion());
          check(problems, name + " body type", shape.body().code(), out.quoteBodyType());
          check(problems, name + " fmspc", v.fmspc().orElseThrow(), out.fmspc());
          check(problems, name + " body", c.quote().raw().slice(c.quote().bodyOffset(), shape.body().size()), out.quoteBody());
          if (shape.version() == 3) {
            check(problems, name + " v3 advisories", List.of(), out.advisoryIds());
          }
        }
      }
    }
    assertTrue(problems.isEmpty(), String.join("\n", problems));
  }

  @Test
  void levelsDemandingANewerModuleSvnPassIntelAndFailAutomata() throws Exception {
    ForgedCase c = Forge.forge(ForgeSpec.builder().tee(TeeType.TDX).quoteVersion(4).levelsDemandNewerModuleSvn(true).build());
    Verdict v = verify(c);
    assertTrue(v.success(), v.toString());
    OnchainExport e = OnchainExport.forQuote(c.quote(), c.collateral(), v);
    assertFalse(e.expectedToVerify());
    assertEquals(FailureCode.TCB_NOT_SUPPORTED, e.expectedFailure().orElseThrow());
    assertEquals(AutomataEvaluation.TCB_LEVEL_FAILED, e.expectedReason().orElseThrow());
  }

  @Test
  void tdRelaunchAdvisedIsNeverReportedOnChain() throws Exception {
    ForgedCase c = Forge.forge(ForgeSpec.builder().tee(TeeType.TDX).quoteVersion(5).bodyType(BodyType.TD_REPORT_15)
        .tcbStatus(TcbStatus.TD_RELAUNCH_ADVISED).build());
    Verdict v = verify(c);
    assertEquals(TcbStatus.TD_RELAUNCH_ADVISED, v.tcbStatus().orElseThrow(), v.toString());
    OnchainExport e = OnchainExport.forQuote(c.quote(), c.collateral(), v);
    assertTrue(e.expectedToVerify(), e.notes().toString());
    assertEquals(AutomataStatus.TCB_OUT_OF_DATE, e.expectedStatus().orElseThrow());
    assertTrue(e.notes().stream().anyMatch(n -> n.startsWith("status:")), e.notes().toString());
  }

  private static Verdict verify(ForgedCase c) {
    return QuoteVerifier.withTrustAnchor(TrustAnchor.insecureCustomRoot(c.root())).verify(c.quote(), c.collateral(), c.at());
  }

  private static void check(List<String> problems, String what, Object want, Object got) {
    if (!want.equals(got)) {
      problems.add(what + ": want " + want + ", got " + got);
    }
  }
}
