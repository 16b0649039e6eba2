package dev.dcapd.verifier.pck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import dev.dcapd.verifier.Vectors;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Each PCK CA's leaves: the shape it issues fits, every other shape is refused by code. */
class PckCertFormatTest {
  private static final Optional<Bytes> INSTANCE_ID = Optional.of(Bytes.zeros(16));
  private static final Optional<PlatformConfiguration> CONFIGURATION =
      Optional.of(new PlatformConfiguration(true, false, true));

  private static PckExtension extension(SgxType type, Optional<Bytes> instanceId,
      Optional<PlatformConfiguration> configuration) {
    return new PckExtension(Bytes.zeros(16), Collections.nCopies(16, 1), 13, Bytes.zeros(16),
        Bytes.zeros(2), Bytes.zeros(6), type, instanceId, configuration);
  }

  /** 5 entries: no platform instance id, no configuration. */
  private static PckExtension fiveEntries(SgxType type) {
    return extension(type, Optional.empty(), Optional.empty());
  }

  private static PckExtension sevenEntries(SgxType type) {
    return extension(type, INSTANCE_ID, CONFIGURATION);
  }

  private static FailureCode refusal(CaType ca, PckExtension e) {
    return assertThrows(DcapException.class, () -> PckCertFormat.requireFits(ca, e)).code();
  }

  @Test
  void whatEachCaIssuesFits() throws Exception {
    PckExtension processor = fiveEntries(SgxType.STANDARD);
    assertSame(processor, PckCertFormat.requireFits(CaType.PROCESSOR, processor));
    for (SgxType t : List.of(SgxType.SCALABLE, SgxType.SCALABLE_WITH_INTEGRITY)) {
      PckExtension platform = sevenEntries(t);
      assertSame(platform, PckCertFormat.requireFits(CaType.PLATFORM, platform));
    }
  }

  @Test
  void processorCaLeafOfAScalableTypeIsRefused() {
    for (SgxType t : List.of(SgxType.SCALABLE, SgxType.SCALABLE_WITH_INTEGRITY)) {
      assertEquals(FailureCode.PCK_CERT_UNSUPPORTED_FORMAT, refusal(CaType.PROCESSOR, fiveEntries(t)), t.name());
    }
  }

  @Test
  void processorCaLeafWithPlatformEntriesIsRefused() {
    assertEquals(FailureCode.PCK_CERT_UNSUPPORTED_FORMAT,
        refusal(CaType.PROCESSOR, sevenEntries(SgxType.STANDARD)));
    // Not a shape the parser produces, but the record can be built by hand.
    assertEquals(FailureCode.PCK_CERT_UNSUPPORTED_FORMAT,
        refusal(CaType.PROCESSOR, extension(SgxType.STANDARD, INSTANCE_ID, Optional.empty())));
  }

  @Test
  void platformCaLeafOfTypeStandardIsRefused() {
    assertEquals(FailureCode.PCK_CERT_UNSUPPORTED_FORMAT, refusal(CaType.PLATFORM, sevenEntries(SgxType.STANDARD)));
  }

  @Test
  void platformCaLeafWithoutInstanceIdOrConfigurationIsRefused() {
    assertEquals(FailureCode.PCK_CERT_UNSUPPORTED_FORMAT, refusal(CaType.PLATFORM, fiveEntries(SgxType.SCALABLE)));
    assertEquals(FailureCode.PCK_CERT_UNSUPPORTED_FORMAT,
        refusal(CaType.PLATFORM, extension(SgxType.SCALABLE, INSTANCE_ID, Optional.empty())));
    assertEquals(FailureCode.PCK_CERT_UNSUPPORTED_FORMAT,
        refusal(CaType.PLATFORM, extension(SgxType.SCALABLE, Optional.empty(), CONFIGURATION)));
  }

  @Test
  void intelSampleLeavesFitTheirIssuer() throws Exception {
    for (String path : List.of("intel/qvl-sample-sgx/pckCert.pem", "intel/qvl-sample-tdx/pckCert.pem")) {
      X509Certificate leaf = PckCertChain.readCertificates(Vectors.text(path)).get(0);
      CaType ca = CaType.fromCommonName(PckCertChain.commonName(leaf.getIssuerX500Principal()));
      PckExtension e = PckExtension.parse(leaf);
      assertSame(e, PckCertFormat.requireFits(ca, e), path);
    }
  }
}
