package dev.dcapd.verifier.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import dev.dcapd.verifier.Vectors;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.quote.Quote;
import dev.dcapd.verifier.quote.QuoteInput;
import dev.dcapd.verifier.quote.QuoteParser;
import dev.dcapd.verifier.quote.TeeType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Memoisation never changes a verdict: a corpus verified cold, warm, interleaved with corrupted cases, and on two threads. */
class MemoisationTest {
  record Case(String name, Quote quote, QuoteCollateral collateral, Instant at) {}

  static List<Case> corpus() throws Exception {
    QuoteCollateral sgx = QuoteCollateral.fromJson(Vectors.text("dcap-qvl/sgx_quote_collateral.json"));
    QuoteCollateral tdx = QuoteCollateral.fromJson(Vectors.text("dcap-qvl/tdx_quote_collateral.json"));
    QuoteCollateral outdated = QuoteCollateral.fromJson(Vectors.text("dcap-qvl/tdx_quote_outdated_collateral.json"));
    Instant sgxAt = Instant.ofEpochSecond(1752919277L);
    Instant tdxAt = Instant.ofEpochSecond(1752919234L);
    byte[] sgxRaw = Vectors.bytes("dcap-qvl/sgx_quote");
    byte[] tdxRaw = Vectors.bytes("dcap-qvl/tdx_quote");
    QuoteRegions sgxR = QuoteRegions.of(QuoteParser.parse(sgxRaw));
    QuoteRegions tdxR = QuoteRegions.of(QuoteParser.parse(tdxRaw));
    QuoteCollateral tdxBadTcb = new NegativeVectorsTest.Builder(tdx)
        .tcbInfo(tdx.tcbInfo().replace("\"tcbEvaluationDataNumber\":17", "\"tcbEvaluationDataNumber\":18")).build();
    List<Case> cases = new ArrayList<>();
    cases.add(new Case("sgx", QuoteParser.parse(sgxRaw), sgx, sgxAt));
    cases.add(new Case("tdx", QuoteParser.parse(tdxRaw), tdx, tdxAt));
    cases.add(new Case("tdx bad quote signature", QuoteParser.parse(QuoteRegions.flip(tdxRaw, tdxR.signatureStart() + 1, 1)), tdx, tdxAt));
    cases.add(new Case("tdx bad QE report", QuoteParser.parse(QuoteRegions.flip(tdxRaw, tdxR.qeReportStart() + 100, 1)), tdx, tdxAt));
    cases.add(new Case("tdx bad QE signature", QuoteParser.parse(QuoteRegions.flip(tdxRaw, tdxR.qeReportSignatureStart() + 9, 3)), tdx, tdxAt));
    cases.add(new Case("tdx bad attestation key", QuoteParser.parse(QuoteRegions.flip(tdxRaw, tdxR.attestationKeyStart() + 9, 3)), tdx, tdxAt));
    cases.add(new Case("tdx bad auth data", QuoteParser.parse(QuoteRegions.flip(tdxRaw, tdxR.qeAuthDataStart() + 3, 5)), tdx, tdxAt));
    cases.add(new Case("tdx bad root", QuoteParser.parse(NegativeVectorsTest.changeInCertificate(tdxRaw, 2)), tdx, tdxAt));
    cases.add(new Case("tdx bad tcb info", QuoteParser.parse(tdxRaw), tdxBadTcb, tdxAt));
    cases.add(new Case("tdx expired", QuoteParser.parse(tdxRaw), tdx, Instant.parse("2030-01-01T00:00:00Z")));
    cases.add(new Case("tdx not yet valid", QuoteParser.parse(tdxRaw), tdx, Instant.parse("2025-01-01T00:00:00Z")));
    cases.add(new Case("sgx bad QE report", QuoteParser.parse(QuoteRegions.flip(sgxRaw, sgxR.qeReportStart() + 7, 0)), sgx, sgxAt));
    cases.add(new Case("outdated", QuoteInput.parse(Vectors.bytes("dcap-qvl/tdx_quote_outdated")), outdated, Instant.ofEpochSecond(1774003274L)));
    cases.add(new Case("tdx-quote.hex", QuoteInput.parse(Vectors.bytes("dcap-qvl/tdx-quote.hex")), tdx, tdxAt));
    cases.add(new Case("tappd", QuoteInput.parse(Vectors.bytes("dcap-qvl/quote-from-tappd.hex")), tdx, tdxAt));
    cases.add(new Case("v5", QuoteInput.parse(Vectors.bytes("go-tdx-guest/quote_v5_sample.dat")),
        GoTdxGuestVectorsTest.collateral("sample_tcbinfo_response_v5"), GoTdxGuestVectorsTest.V5_INSTANT));
    return cases;
  }

  static List<Verdict> cold(List<Case> cases) {
    List<Verdict> out = new ArrayList<>();
    for (Case c : cases) {
      out.add(QuoteVerifier.intel().verify(c.quote(), c.collateral(), c.at()));
    }
    return out;
  }

  /**
   * The chain check callers make before fetching collateral fails exactly where {@code verify}
   * fails on the chain, with the same code, and, sharing its memo, changes no verdict after it.
   */
  @Test
  void theChainCheckAloneAnswersWhatVerifyAnswersForTheChain() throws Exception {
    List<Case> cases = corpus();
    List<Verdict> cold = cold(cases);
    QuoteVerifier shared = QuoteVerifier.intel();
    int untrusted = 0;
    for (int i = 0; i < cases.size(); i++) {
      Case c = cases.get(i);
      Optional<FailureCode> chainFailure = Optional.empty();
      try {
        shared.checkPckChain(c.quote());
      } catch (DcapException e) {
        chainFailure = Optional.of(e.code());
        untrusted++;
      }
      Optional<FailureCode> verdictFailure = cold.get(i).failure().map(Failure::code)
          .filter(code -> code == FailureCode.PCK_CHAIN_UNTRUSTED || code == FailureCode.PCK_CERTIFICATE_MALFORMED
              || code == FailureCode.PCK_CERT_UNSUPPORTED_FORMAT);
      assertEquals(verdictFailure, chainFailure, c.name());
      assertEquals(cold.get(i), shared.verify(c.quote(), c.collateral(), c.at()), c.name());
    }
    assertEquals(1, untrusted, "the corpus has one quote with a bad chain");
    DcapException e = assertThrows(DcapException.class, () -> QuoteVerifier.intel().checkPckChain(
        QuoteParser.parse(NegativeVectorsTest.changeInCertificate(Vectors.bytes("dcap-qvl/tdx_quote"), 0))));
    assertEquals(FailureCode.PCK_CHAIN_UNTRUSTED, e.code());
  }

  @Test
  void warmAndInterleavedVerdictsEqualCold() throws Exception {
    List<Case> cases = corpus();
    List<Verdict> cold = cold(cases);
    assertTrue(cold.get(0).success());
    assertTrue(cold.get(1).success());
    assertFalse(cold.get(2).success());

    QuoteVerifier shared = QuoteVerifier.intel();
    for (int round = 0; round < 3; round++) {
      for (int i = 0; i < cases.size(); i++) {
        Case c = cases.get(i);
        assertEquals(cold.get(i), shared.verify(c.quote(), c.collateral(), c.at()), "round " + round + " " + c.name());
      }
    }
    // Interleaved: every valid case right after each corrupted one, and the reverse order.
    for (int i = cases.size() - 1; i >= 0; i--) {
      for (int j : new int[] {i, 0, 1, i}) {
        Case c = cases.get(j);
        assertEquals(cold.get(j), shared.verify(c.quote(), c.collateral(), c.at()), c.name());
      }
    }
  }

  @Test
  void twoThreadsAgreeWithCold() throws Exception {
    List<Case> cases = corpus();
    List<Verdict> cold = cold(cases);
    QuoteVerifier shared = QuoteVerifier.intel();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<List<String>>> futures = new ArrayList<>();
      for (int t = 0; t < 2; t++) {
        int offset = t;
        futures.add(pool.submit(() -> {
          List<String> problems = new ArrayList<>();
          for (int n = 0; n < 10 * cases.size(); n++) {
            int i = (n * 7 + offset) % cases.size();
            Case c = cases.get(i);
            if (!cold.get(i).equals(shared.verify(c.quote(), c.collateral(), c.at()))) {
              problems.add(c.name());
            }
          }
          return problems;
        }));
      }
      for (Future<List<String>> f : futures) {
        assertEquals(List.of(), f.get());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void memoisedCollateralIsJudgedAtEachInstant() throws Exception {
    QuoteCollateral tdx = QuoteCollateral.fromJson(Vectors.text("dcap-qvl/tdx_quote_collateral.json"));
    CollateralVerifier verifier = new CollateralVerifier();
    TrustAnchor intel = TrustAnchor.intel();
    VerifiedCollateral first = verifier.verify(tdx, TeeType.TDX, Instant.ofEpochSecond(1752919234L), intel);
    // The same object again, and an equal copy: both memoised, both still judged by time.
    DcapException late = assertThrows(DcapException.class, () -> verifier.verify(tdx, TeeType.TDX, Instant.parse("2026-01-01T00:00:00Z"), intel));
    assertEquals(FailureCode.COLLATERAL_EXPIRED, late.code());
    QuoteCollateral copy = QuoteCollateral.fromJson(tdx.toJson());
    assertTrue(first == verifier.verify(copy, TeeType.TDX, Instant.ofEpochSecond(1752919234L), intel));
    DcapException early = assertThrows(DcapException.class, () -> verifier.verify(copy, TeeType.TDX, Instant.parse("2025-01-01T00:00:00Z"), intel));
    assertEquals(FailureCode.COLLATERAL_NOT_YET_VALID, early.code());
    // The TEE type is judged at each call too.
    DcapException sgx = assertThrows(DcapException.class, () -> verifier.verify(tdx, TeeType.SGX, Instant.ofEpochSecond(1752919234L), intel));
    assertEquals(FailureCode.TCB_INFO_MISMATCH, sgx.code());
    assertEquals(Optional.empty(), first.checkTime(Instant.ofEpochSecond(1752919234L)));
  }

  @Test
  void memoIsPerTrustAnchor() throws Exception {
    QuoteCollateral tdx = QuoteCollateral.fromJson(Vectors.text("dcap-qvl/tdx_quote_collateral.json"));
    CollateralVerifier verifier = new CollateralVerifier();
    verifier.verify(tdx, TeeType.TDX, Instant.ofEpochSecond(1752919234L), TrustAnchor.intel());
    TrustAnchor other = TrustAnchor.insecureCustomRoot(Vectors.bytes("intel/qvl-sample-sgx/trustedRootCaCert.pem"));
    DcapException e = assertThrows(DcapException.class, () -> verifier.verify(tdx, TeeType.TDX, Instant.ofEpochSecond(1752919234L), other));
    assertEquals(FailureCode.CRL_INVALID, e.code());
  }
}
