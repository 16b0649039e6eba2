package dev.dcapd.verifier.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dcapd.verifier.Vectors;
import dev.dcapd.verifier.quote.QuoteParser;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.Test;

class TrustAnchorTest {
  @Test
  void intelRootIsPinned() {
    TrustAnchor intel = TrustAnchor.intel();
    assertEquals(TrustAnchor.INTEL_ROOT_SHA256, intel.fingerprint().hex());
    assertFalse(intel.insecure());
    assertEquals(new javax.security.auth.x500.X500Principal("C=US, ST=CA, L=Santa Clara, O=Intel Corporation, CN=Intel SGX Root CA"),
        intel.certificate().getSubjectX500Principal());
  }

  @Test
  void anyOtherRootIsInsecure() {
    TrustAnchor sample = TrustAnchor.insecureCustomRoot(Vectors.bytes("intel/qvl-sample-sgx/trustedRootCaCert.pem"));
    assertTrue(sample.insecure());
    // Intel's own root given through the insecure door is just Intel's root.
    assertSame(TrustAnchor.intel(), TrustAnchor.insecureCustomRoot(Vectors.bytes("go-tdx-guest/trusted_root.pem")));
  }

  @Test
  void aRootMustBeSelfSignedP256() throws Exception {
    X509Certificate leaf = QuoteParser.parse(Vectors.bytes("dcap-qvl/tdx_quote")).certificationData().pckCertChain().leaf();
    assertThrows(IllegalArgumentException.class, () -> TrustAnchor.insecureCustomRoot(leaf));
    assertThrows(IllegalArgumentException.class, () -> TrustAnchor.insecureCustomRoot("not a certificate".getBytes()));
  }
}
