package dev.dcapd.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.pck.CaType;
import dev.dcapd.verifier.pck.PckCertChain;
import dev.dcapd.verifier.pck.PckExtension;
import dev.dcapd.verifier.quote.TeeType;
import dev.dcapd.verifier.verify.CollateralVerifier;
import dev.dcapd.verifier.verify.QuoteVerifier;
import dev.dcapd.verifier.verify.TrustAnchor;
import dev.dcapd.verifier.verify.Verdict;
import java.security.cert.X509Certificate;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Platforms of one seed share the PKI and the collateral byte for byte and differ as machines do. */
class PlatformTest {
  private static final int PLATFORMS = 4;

  private static final List<ForgeSpec> SHAPES = List.of(
      ForgeSpec.builder().tee(TeeType.SGX).seed(7).build(),
      ForgeSpec.builder().tee(TeeType.SGX).seed(7).caType(CaType.PROCESSOR).build(),
      ForgeSpec.builder().tee(TeeType.TDX).quoteVersion(4).seed(7).build(),
      ForgeSpec.builder().tee(TeeType.TDX).quoteVersion(5).seed(7).build());

  @Test
  void platformsShareCollateralAndRootButNotTheMachine() throws Exception {
    for (ForgeSpec shape : SHAPES) {
      ForgedCase first = Forge.forge(shape);
      Set<Bytes> leaves = new HashSet<>();
      Set<Bytes> leafKeys = new HashSet<>();
      Set<java.math.BigInteger> serials = new HashSet<>();
      Set<Bytes> attestationKeys = new HashSet<>();
      Set<Bytes> ppids = new HashSet<>();
      Set<Bytes> instanceIds = new HashSet<>();
      Set<Bytes> qeIds = new HashSet<>();
      for (int p = 0; p < PLATFORMS; p++) {
        ForgedCase c = Forge.forge(shape.toBuilder().platform(p).build());
        String who = shape + " platform " + p;
        assertEquals(first.collateral(), c.collateral(), who);
        assertEquals(first.collateral().toJson(), c.collateral().toJson(), who);
        assertArrayEquals(first.rootDer(), c.rootDer(), who);
        List<X509Certificate> chain = c.quote().certificationData().pckCertChain().certificates();
        List<X509Certificate> firstChain = first.quote().certificationData().pckCertChain().certificates();
        assertEquals(firstChain.get(1), chain.get(1), who + ": same PCK CA");
        assertEquals(firstChain.get(2), chain.get(2), who + ": same root in the chain");
        assertEquals(c.pckLeaf(), chain.get(0), who);

        leaves.add(Bytes.of(c.pckLeaf().getEncoded()));
        leafKeys.add(Bytes.of(c.pckLeaf().getPublicKey().getEncoded()));
        serials.add(c.pckLeaf().getSerialNumber());
        attestationKeys.add(c.quote().signatureData().attestationKey());
        PckExtension ext = c.quote().certificationData().pckCertChain().pckExtension();
        ppids.add(ext.ppid());
        ext.platformInstanceId().ifPresent(instanceIds::add);
        qeIds.add(c.quote().header().userData());
        // What a platform shares with the others: the TCB it reports, so the collateral fits it.
        PckExtension firstExt = first.quote().certificationData().pckCertChain().pckExtension();
        assertEquals(firstExt.fmspc(), ext.fmspc(), who);
        assertEquals(firstExt.tcbComponents(), ext.tcbComponents(), who);
        assertEquals(firstExt.cpuSvn(), ext.cpuSvn(), who);
      }
      for (Set<?> distinct : List.of(leaves, leafKeys, serials, attestationKeys, ppids, qeIds)) {
        assertEquals(PLATFORMS, distinct.size(), shape + ": one value per platform");
      }
      assertEquals(shape.caType() == CaType.PLATFORM ? PLATFORMS : 0, instanceIds.size(),
          shape + ": platform instance ids (Platform CA only)");
    }
  }

  @Test
  void everyPlatformVerifiesWithOneVerifier() {
    for (ForgeSpec shape : SHAPES) {
      ForgedCase first = Forge.forge(shape);
      QuoteVerifier verifier = QuoteVerifier.create(TrustAnchor.insecureCustomRoot(first.root()),
          new CollateralVerifier(), QuoteVerifier.DEFAULT_PLATFORM_CAPACITY);
      for (int p = 0; p < PLATFORMS; p++) {
        ForgedCase c = Forge.forge(shape.toBuilder().platform(p).build());
        // The first platform's collateral object judges every platform, as a collateral cache would.
        Verdict v = verifier.verify(c.quote(), first.collateral(), c.at());
        assertTrue(v.success(), shape + " platform " + p + ": " + v.failureCode());
        assertEquals(c.expected().tcbStatus().orElseThrow(), v.tcbStatus().orElseThrow().toString());
        Verdict fresh = QuoteVerifier.withTrustAnchor(TrustAnchor.insecureCustomRoot(c.root()))
            .verify(c.quote(), c.collateral(), c.at());
        assertTrue(fresh.success(), shape + " platform " + p + ": " + fresh.failureCode());
      }
    }
  }

  @Test
  void platformZeroIsTheSpecWithoutAPlatform() {
    for (ForgeSpec shape : SHAPES) {
      ForgedCase unset = Forge.forge(shape);
      ForgedCase zero = Forge.forge(shape.toBuilder().platform(0).build());
      assertEquals(0, shape.platform());
      assertEquals(unset.quote().raw(), zero.quote().raw(), shape.toString());
      assertEquals(unset.collateral().toJson(), zero.collateral().toJson(), shape.toString());
      assertEquals(shape.toString(), shape.toBuilder().platform(0).build().toString());
    }
  }

  @Test
  void corruptionsApplyToTheirPlatform() {
    ForgeSpec base = ForgeSpec.builder().tee(TeeType.TDX).seed(7).platform(5).build();
    for (Corruption corruption : List.of(Corruption.REVOKED_PCK, Corruption.ATTESTATION_KEY,
        Corruption.QE_REPORT_SIGNATURE, Corruption.UNTRUSTED_ROOT)) {
      ForgedCase c = Forge.forge(base.toBuilder().corruption(corruption).build());
      Verdict v = QuoteVerifier.withTrustAnchor(TrustAnchor.insecureCustomRoot(c.root()))
          .verify(c.quote(), c.collateral(), c.at());
      assertFalse(c.expected().success(), corruption.cliName());
      assertEquals(c.expected().failureCode(), v.failureCode().orElse(null), corruption.cliName());
    }
  }

  @Test
  void batchesOfOtherPlatformsVerify() {
    ForgeSpec spec = ForgeSpec.builder().tee(TeeType.TDX).seed(7).platform(9).build();
    QuoteBatch batch = Forge.batch(spec);
    QuoteVerifier verifier = QuoteVerifier.withTrustAnchor(TrustAnchor.insecureCustomRoot(batch.template().root()));
    for (int i = 0; i < 3; i++) {
      Verdict v = verifier.verify(batch.quote(i), batch.collateral(), spec.at());
      assertTrue(v.success(), "quote " + i + ": " + v.failureCode());
    }
    assertEquals(Forge.forge(spec).pckLeaf(), batch.template().pckLeaf());
  }

  @Test
  void platformIsKeptAndShown() {
    ForgeSpec spec = ForgeSpec.builder().platform(12).build();
    assertEquals(12, spec.platform());
    assertEquals(12, spec.toBuilder().build().platform());
    assertTrue(spec.toString().contains("platform=12"), spec.toString());
    assertThrows(IllegalArgumentException.class, () -> ForgeSpec.builder().platform(-1).build());
  }
}
