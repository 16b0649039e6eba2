package dev.dcapd.collateral;

import static dev.dcapd.collateral.TestVectors.SGX_AT;
import static dev.dcapd.collateral.TestVectors.SGX_KEY;
import static dev.dcapd.collateral.TestVectors.TDX_AT;
import static dev.dcapd.collateral.TestVectors.TDX_KEY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import dev.dcapd.verifier.Vectors;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.pck.CaType;
import dev.dcapd.verifier.quote.TeeType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The fetch-path check on the real vectors, and one change at a time that it must refuse. */
class CollateralCheckCasesTest {
  private final CollateralCheck check = VerifierCollateralCheck.intelRoot();
  private final QuoteCollateral tdx = TestVectors.tdxCollateral();

  @Test
  void realTdxCollateralPassesAtItsInstantWithItsWindow() throws Exception {
    CheckedCollateral c = check.check(tdx, TDX_KEY, TDX_AT);
    assertEquals(tdx, c.collateral());
    // dcap-qvl README: the window opens at the QE identity issueDate, and the PCK CRL runs out first.
    assertEquals(Instant.parse("2025-06-19T10:32:27Z"), c.validFrom());
    assertEquals(Instant.parse("2025-07-19T10:00:35Z"), c.earliestExpiry());
    assertTrue(c.validAt(c.earliestExpiry()), "expired only after nextUpdate");
    assertTrue(!c.validAt(c.earliestExpiry().plusSeconds(1)));
  }

  @Test
  void realSgxCollateralPassesAtItsInstant() throws Exception {
    CheckedCollateral c = check.check(TestVectors.sgxCollateral(), SGX_KEY, SGX_AT);
    assertEquals(Instant.parse("2025-06-19T10:56:11Z"), c.validFrom());
    assertEquals(Instant.parse("2025-07-19T10:01:18Z"), c.earliestExpiry());
  }

  @Test
  void eachSingleChangeIsRefusedWithItsCode() throws Exception {
    ForgedChain forged = new ForgedChain();
    String tdxText = tdx.tcbInfo();
    List<String> failures = new ArrayList<>();
    expect(failures, "TCB info signature flipped", FailureCode.TCB_INFO_INVALID_SIGNATURE,
        edit(c -> with(c, Field.TCB_SIGNATURE, flip(c.tcbInfoSignature()))), TDX_KEY, TDX_AT);
    expect(failures, "TCB info signature short", FailureCode.TCB_INFO_INVALID_SIGNATURE,
        edit(c -> with(c, Field.TCB_SIGNATURE, c.tcbInfoSignature().slice(0, 63))), TDX_KEY, TDX_AT);
    expect(failures, "TCB info text one digit changed", FailureCode.TCB_INFO_INVALID_SIGNATURE,
        edit(c -> with(c, Field.TCB_TEXT, tdxText.replace("\"tcbEvaluationDataNumber\":17", "\"tcbEvaluationDataNumber\":18"))),
        TDX_KEY, TDX_AT);
    // Read before its signature here (for its FMSPC): not the compact form Intel signs and checks.
    expect(failures, "TCB info text one space added", FailureCode.COLLATERAL_MALFORMED,
        edit(c -> with(c, Field.TCB_TEXT, tdxText.replaceFirst(",", ", "))), TDX_KEY, TDX_AT);
    expect(failures, "QE identity signature flipped", FailureCode.QE_IDENTITY_INVALID_SIGNATURE,
        edit(c -> with(c, Field.QE_SIGNATURE, flip(c.qeIdentitySignature()))), TDX_KEY, TDX_AT);
    expect(failures, "asked for another FMSPC", FailureCode.TCB_INFO_MISMATCH, tdx,
        new CollateralKey(TeeType.TDX, Bytes.fromHex("90C06F000000"), CaType.PLATFORM), TDX_AT);
    expect(failures, "asked for SGX", FailureCode.TCB_INFO_MISMATCH, tdx,
        new CollateralKey(TeeType.SGX, TDX_KEY.fmspc(), CaType.PLATFORM), TDX_AT);
    expect(failures, "SGX QE identity for TDX", FailureCode.QE_IDENTITY_MISMATCH,
        edit(c -> {
          QuoteCollateral s = TestVectors.sgxCollateral();
          return new QuoteCollateral(c.pckCrlIssuerChain(), c.rootCaCrl(), c.pckCrl(), c.tcbInfoIssuerChain(),
              c.tcbInfo(), c.tcbInfoSignature(), s.qeIdentityIssuerChain(), s.qeIdentity(), s.qeIdentitySignature(),
              Optional.empty());
        }), TDX_KEY, TDX_AT);
    expect(failures, "asked for the processor CA", FailureCode.CRL_INVALID, tdx,
        new CollateralKey(TeeType.TDX, TDX_KEY.fmspc(), CaType.PROCESSOR), TDX_AT);
    expect(failures, "one second after the PCK CRL's nextUpdate", FailureCode.COLLATERAL_EXPIRED, tdx, TDX_KEY,
        Instant.parse("2025-07-19T10:00:36Z"));
    expect(failures, "one second before the QE identity issueDate", FailureCode.COLLATERAL_NOT_YET_VALID, tdx, TDX_KEY,
        Instant.parse("2025-06-19T10:32:26Z"));
    expect(failures, "an older real root CA CRL (nextUpdate 2024-04-02)", FailureCode.COLLATERAL_EXPIRED,
        edit(c -> with(c, Field.ROOT_CRL, Bytes.of(Vectors.bytes("go-tdx-guest/rootcrl.der")))), TDX_KEY, TDX_AT);
    expect(failures, "an older real PCK CRL (nextUpdate 2023-07-08)", FailureCode.COLLATERAL_EXPIRED,
        edit(c -> with(with(c, Field.PCK_CRL, Bytes.of(Vectors.bytes("go-tdx-guest/pckcrl"))),
            Field.PCK_CRL_CHAIN, Vectors.text("go-tdx-guest/pckcrl_issuer_chain.pem"))), TDX_KEY, TDX_AT);
    expect(failures, "PCK CRL as the root CA CRL", FailureCode.CRL_INVALID,
        edit(c -> with(c, Field.ROOT_CRL, c.pckCrl())), TDX_KEY, TDX_AT);
    expect(failures, "PCK CRL signature flipped", FailureCode.CRL_INVALID,
        edit(c -> with(c, Field.PCK_CRL, flipLast(c.pckCrl()))), TDX_KEY, TDX_AT);
    expect(failures, "PCK CA chain as the TCB info chain", FailureCode.TCB_SIGNING_CHAIN_UNTRUSTED,
        edit(c -> with(c, Field.TCB_CHAIN, c.pckCrlIssuerChain())), TDX_KEY, TDX_AT);
    expect(failures, "TCB info chain without its root", FailureCode.TCB_SIGNING_CHAIN_UNTRUSTED,
        edit(c -> with(c, Field.TCB_CHAIN, firstPem(c.tcbInfoIssuerChain()))), TDX_KEY, TDX_AT);
    expect(failures, "TCB info signed by a forged chain", FailureCode.TCB_SIGNING_CHAIN_UNTRUSTED,
        edit(c -> with(with(c, Field.TCB_CHAIN, forged.pem()), Field.TCB_SIGNATURE, forged.sign(c.tcbInfo()))),
        TDX_KEY, TDX_AT);
    expect(failures, "QE identity chain not PEM", FailureCode.COLLATERAL_MALFORMED,
        edit(c -> with(c, Field.QE_CHAIN, "junk")), TDX_KEY, TDX_AT);
    expect(failures, "TCB info not JSON", FailureCode.COLLATERAL_MALFORMED,
        edit(c -> with(c, Field.TCB_TEXT, tdxText.substring(0, 100))), TDX_KEY, TDX_AT);
    assertEquals(List.of(), failures);
  }

  @Test
  void theInsecureRootOptionTrustsOnlyTheGivenRoot() throws Exception {
    ForgedChain forged = new ForgedChain();
    QuoteCollateral c = with(with(tdx, Field.TCB_CHAIN, forged.pem()), Field.TCB_SIGNATURE, forged.sign(tdx.tcbInfo()));
    // With the forged root trusted, Intel's root CA CRL (checked first, as Intel's verifier does) is
    // not from that root, so nothing of Intel's is accepted under it.
    DcapException e = assertThrows(DcapException.class,
        () -> VerifierCollateralCheck.insecureTrustRoot(forged.root).check(c, TDX_KEY, TDX_AT));
    assertEquals(FailureCode.CRL_INVALID, e.code());
  }

  private void expect(List<String> failures, String name, FailureCode code, QuoteCollateral c, CollateralKey key,
      Instant at) {
    try {
      check.check(c, key, at);
      failures.add(name + ": accepted");
    } catch (DcapException e) {
      if (e.code() != code) {
        failures.add(name + ": " + e.code() + " (" + e.getMessage() + "), expected " + code);
      }
    }
  }

  private interface Edit {
    QuoteCollateral apply(QuoteCollateral c) throws Exception;
  }

  private QuoteCollateral edit(Edit e) throws Exception {
    return e.apply(tdx);
  }

  enum Field { TCB_TEXT, TCB_SIGNATURE, TCB_CHAIN, QE_SIGNATURE, QE_CHAIN, ROOT_CRL, PCK_CRL, PCK_CRL_CHAIN }

  static QuoteCollateral with(QuoteCollateral c, Field f, Object v) {
    return new QuoteCollateral(
        f == Field.PCK_CRL_CHAIN ? (String) v : c.pckCrlIssuerChain(),
        f == Field.ROOT_CRL ? (Bytes) v : c.rootCaCrl(),
        f == Field.PCK_CRL ? (Bytes) v : c.pckCrl(),
        f == Field.TCB_CHAIN ? (String) v : c.tcbInfoIssuerChain(),
        f == Field.TCB_TEXT ? (String) v : c.tcbInfo(),
        f == Field.TCB_SIGNATURE ? (Bytes) v : c.tcbInfoSignature(),
        f == Field.QE_CHAIN ? (String) v : c.qeIdentityIssuerChain(),
        c.qeIdentity(),
        f == Field.QE_SIGNATURE ? (Bytes) v : c.qeIdentitySignature(),
        c.pckCertificateChain());
  }

  static Bytes flip(Bytes b) {
    byte[] a = b.toByteArray();
    a[a.length / 2] ^= 1;
    return Bytes.of(a);
  }

  static Bytes flipLast(Bytes b) {
    byte[] a = b.toByteArray();
    a[a.length - 1] ^= 1;
    return Bytes.of(a);
  }

  static String firstPem(String pem) {
    String end = "-----END CERTIFICATE-----";
    return pem.substring(0, pem.indexOf(end) + end.length()) + "\n";
  }
}
