package dev.dcapd.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dcapd.verifier.collateral.EnclaveTcbLevel;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.collateral.TcbStatus;
import dev.dcapd.verifier.quote.TeeType;
import dev.dcapd.verifier.verify.QuoteVerifier;
import dev.dcapd.verifier.verify.TrustAnchor;
import dev.dcapd.verifier.verify.Verdict;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Divergences found by running Intel's QVL beside dcapd, each named by forged cases: fixed ones
 * pin Intel's behaviour, deliberate ones pin dcapd's choice.
 */
class DivergenceTest {
  private static final List<ForgeSpec> SHAPES = List.of(
      ForgeSpec.builder().tee(TeeType.SGX).seed(31).build(),
      ForgeSpec.builder().tee(TeeType.TDX).quoteVersion(4).seed(31).build(),
      ForgeSpec.builder().tee(TeeType.TDX).quoteVersion(5).seed(31).build());

  /**
   * Intel's QvE verifies the PCK chain the quote carries (type 5, inside type 6 for v4/v5). A chain
   * in the collateral beside it, another platform's of the same PKI or not a chain at all, changes
   * nothing; once it replaced the quote's and failed the QE report signature or the parse.
   */
  @Test
  void aCollateralPckChainBesideTheQuotesOwnChangesNothing() throws Exception {
    for (ForgeSpec spec : SHAPES) {
      ForgedCase c = Forge.forge(spec);
      Verdict plain = verify(c, c.collateral());
      assertTrue(plain.success(), spec + ": " + plain.failureCode());
      String otherPlatform = Forge.forge(spec.toBuilder().platform(1).build())
          .quote().certificationData().pckCertChain().pem();
      for (String chain : List.of(otherPlatform, "not a PEM chain")) {
        Verdict v = verify(c, withPckChain(c.collateral(), chain));
        assertEquals(withoutCollateralId(plain), withoutCollateralId(v), spec.toString());
      }
    }
  }

  /**
   * A quote whose own chain leads to another root is not rescued by a trusted chain in the
   * collateral, even one whose leaf has the very key that signed the QE report: it fails as it
   * does without it, {@code PCK_CHAIN_UNTRUSTED}, as Intel's QvE fails it.
   */
  @Test
  void aTrustedCollateralPckChainDoesNotRescueAnUntrustedOwnChain() throws Exception {
    for (ForgeSpec spec : SHAPES) {
      ForgedCase trusted = Forge.forge(spec);
      ForgedCase untrusted = Forge.forge(spec.toBuilder().corruption(Corruption.UNTRUSTED_ROOT).build());
      // Only the chain differs: the same PCK key signed the QE report, so the trusted chain fits.
      assertEquals(trusted.pckLeaf().getPublicKey(), untrusted.pckLeaf().getPublicKey(), spec.toString());
      String trustedChain = trusted.quote().certificationData().pckCertChain().pem();

      Verdict without = verify(untrusted, untrusted.collateral());
      assertEquals(Optional.of("PCK_CHAIN_UNTRUSTED"), without.failureCode(), spec.toString());
      Verdict with = verify(untrusted, withPckChain(untrusted.collateral(), trustedChain));
      assertEquals(without.failureCode(), with.failureCode(), spec.toString());
    }
  }

  /**
   * Choice: advisory IDs are the TCB info level's, then the QE identity level's new ones (QvE's sa_list: the former).
   * Why: dcap-qvl and DESIGN agree; they explain a status including the QE's; allow-lists must see them (fail-closed).
   */
  @Test
  void advisoryIdsListTheTcbLevelsThenTheQeLevels() throws Exception {
    for (ForgeSpec shape : SHAPES) {
      // Platform level SWHardeningNeeded (INTEL-SA-00615); QE level UpToDate, with a new advisory and a repeated one.
      ForgeSpec spec = shape.toBuilder().tcbStatus(TcbStatus.SW_HARDENING_NEEDED)
          .qeAdvisoryIds(List.of("INTEL-SA-00999", "INTEL-SA-00615")).build();
      ForgedCase c = Forge.forge(spec);
      String what = spec.toString();
      int qeSvn = c.quote().qeReportCertificationData().qeReport().isvSvn();
      EnclaveTcbLevel qeLevel =
          c.qeIdentity().tcbLevels().stream().filter(l -> l.isvSvn() == qeSvn).findFirst().orElseThrow();
      assertEquals(List.of("INTEL-SA-00999", "INTEL-SA-00615"), qeLevel.advisoryIds(), what);
      assertTrue(c.tcbInfo().tcbLevels().stream().noneMatch(l -> l.advisoryIds().contains("INTEL-SA-00999")), what);

      Verdict v = verify(c, c.collateral());
      assertEquals(Optional.empty(), v.failureCode(), what);
      assertEquals(Optional.of(TcbStatus.SW_HARDENING_NEEDED), v.tcbStatus(), what);
      assertEquals(Optional.of(TcbStatus.UP_TO_DATE), v.qeIdentityStatus(), what);
      assertEquals(List.of("INTEL-SA-00615", "INTEL-SA-00999"), v.advisoryIds(), what);
      assertEquals(v.advisoryIds(), c.expected().advisoryIds(), what);
    }
  }

  private static Verdict verify(ForgedCase c, QuoteCollateral collateral) {
    return QuoteVerifier.withTrustAnchor(TrustAnchor.insecureCustomRoot(c.root()))
        .verify(c.quote(), collateral, c.at());
  }

  private static QuoteCollateral withPckChain(QuoteCollateral c, String chain) {
    return new QuoteCollateral(c.pckCrlIssuerChain(), c.rootCaCrl(), c.pckCrl(), c.tcbInfoIssuerChain(), c.tcbInfo(),
        c.tcbInfoSignature(), c.qeIdentityIssuerChain(), c.qeIdentity(), c.qeIdentitySignature(), Optional.of(chain));
  }

  /** {@code v} with the collateral id blanked, to compare verdicts judged by collateral that differs. */
  private static Verdict withoutCollateralId(Verdict v) {
    return v.toBuilder().collateralId("").build();
  }
}
