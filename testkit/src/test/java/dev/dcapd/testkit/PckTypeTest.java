package dev.dcapd.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dcapd.verifier.pck.CaType;
import dev.dcapd.verifier.pck.PckExtension;
import dev.dcapd.verifier.pck.SgxType;
import dev.dcapd.verifier.verify.QuoteVerifier;
import dev.dcapd.verifier.verify.TrustAnchor;
import dev.dcapd.verifier.verify.Verdict;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A PCK leaf must fit the CA that issued it, as Intel's QvE requires: Standard with 5 entries
 * under the Processor CA, Scalable or ScalableWithIntegrity with 7 under the Platform CA. Each
 * negative case is a valid forged quote with one change, a correctly signed leaf of the wrong
 * shape, and must fail with {@code PCK_CERT_UNSUPPORTED_FORMAT} on every quote shape.
 */
class PckTypeTest {
  private static final String UNSUPPORTED = "PCK_CERT_UNSUPPORTED_FORMAT";

  private static Verdict verify(ForgedCase c) {
    return QuoteVerifier.withTrustAnchor(TrustAnchor.insecureCustomRoot(c.root()))
        .verify(c.quote(), c.collateral(), c.at());
  }

  private static PckExtension extension(ForgedCase c) throws Exception {
    return c.quote().certificationData().pckCertChain().pckExtension();
  }

  @Test
  void forgedLeavesAreWhatIntelIssues() throws Exception {
    PckExtension processor = extension(Forge.forge(ForgeSpec.builder().caType(CaType.PROCESSOR).build()));
    assertEquals(SgxType.STANDARD, processor.sgxType());
    assertTrue(processor.platformInstanceId().isEmpty() && processor.configuration().isEmpty(), "5 entries");

    PckExtension platform = extension(Forge.forge(ForgeSpec.builder().caType(CaType.PLATFORM).build()));
    assertEquals(SgxType.SCALABLE, platform.sgxType());
    assertEquals(16, platform.platformInstanceId().orElseThrow().length());
    assertTrue(platform.configuration().isPresent(), "7 entries");
  }

  @Test
  void everyTypeACaIssuesVerifies() {
    List<String> failures = new ArrayList<>();
    for (CaseCatalog.Shape shape : CaseCatalog.Shape.values()) {
      for (ForgeSpec spec : List.of(
          shape.builder().caType(CaType.PROCESSOR).sgxType(SgxType.STANDARD).build(),
          shape.builder().caType(CaType.PLATFORM).sgxType(SgxType.SCALABLE).build(),
          shape.builder().caType(CaType.PLATFORM).sgxType(SgxType.SCALABLE_WITH_INTEGRITY).build())) {
        Verdict v = verify(Forge.forge(spec));
        if (!v.success()) {
          failures.add(spec + " " + spec.caType() + " " + spec.sgxType() + ": " + v.failureCode().orElseThrow());
        }
      }
    }
    assertEquals(List.of(), failures);
  }

  @Test
  void processorCaLeafTypedScalable() throws Exception {
    refusedOnEveryShape(CaType.PROCESSOR, Corruption.PCK_SGX_TYPE_MISMATCH, SgxType.SCALABLE, false);
  }

  @Test
  void processorCaLeafWithSevenEntries() throws Exception {
    refusedOnEveryShape(CaType.PROCESSOR, Corruption.PCK_ENTRIES_MISMATCH, SgxType.STANDARD, true);
  }

  @Test
  void platformCaLeafTypedStandard() throws Exception {
    refusedOnEveryShape(CaType.PLATFORM, Corruption.PCK_SGX_TYPE_MISMATCH, SgxType.STANDARD, true);
  }

  @Test
  void platformCaLeafWithoutInstanceIdOrConfiguration() throws Exception {
    refusedOnEveryShape(CaType.PLATFORM, Corruption.PCK_ENTRIES_MISMATCH, SgxType.SCALABLE, false);
  }

  /**
   * The valid case of each shape under {@code ca} verifies; with {@code corruption} its leaf has
   * {@code type} and (or not) the platform entries, is signed by the CA, and is refused by code.
   */
  private static void refusedOnEveryShape(CaType ca, Corruption corruption, SgxType type, boolean platformEntries)
      throws Exception {
    List<String> failures = new ArrayList<>();
    for (CaseCatalog.Shape shape : CaseCatalog.Shape.values()) {
      ForgeSpec valid = shape.builder().caType(ca).build();
      ForgeSpec bad = valid.toBuilder().corruption(corruption).build();
      assertTrue(verify(Forge.forge(valid)).success(), valid + " verifies");

      ForgedCase c = Forge.forge(bad);
      PckExtension e = extension(c);
      assertEquals(type, e.sgxType(), bad.toString());
      assertEquals(platformEntries, e.platformInstanceId().isPresent(), bad.toString());
      assertEquals(platformEntries, e.configuration().isPresent(), bad.toString());
      List<X509Certificate> chain = c.quote().certificationData().pckCertChain().certificates();
      chain.get(0).verify(chain.get(1).getPublicKey());
      assertEquals(c.pki().ca(ca), chain.get(1), bad + ": issued by the " + ca.commonName());

      assertEquals(UNSUPPORTED, c.expected().failureCode(), bad.toString());
      Optional<String> got = verify(c).failureCode();
      if (!got.equals(Optional.of(UNSUPPORTED))) {
        failures.add(bad + " under the " + ca.commonName() + ": " + got.orElse("accepted"));
      }
    }
    assertEquals(List.of(), failures);
  }

  @Test
  void aSpecCannotAskForATypeItsCaDoesNotIssue() {
    assertThrows(IllegalArgumentException.class,
        () -> ForgeSpec.builder().caType(CaType.PROCESSOR).sgxType(SgxType.SCALABLE).build());
    assertThrows(IllegalArgumentException.class,
        () -> ForgeSpec.builder().caType(CaType.PROCESSOR).sgxType(SgxType.SCALABLE_WITH_INTEGRITY).build());
    assertThrows(IllegalArgumentException.class,
        () -> ForgeSpec.builder().caType(CaType.PLATFORM).sgxType(SgxType.STANDARD).build());
  }
}
