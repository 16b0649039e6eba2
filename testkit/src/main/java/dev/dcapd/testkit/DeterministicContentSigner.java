package dev.dcapd.testkit;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.operator.ContentSigner;

/** Signs certificates and CRLs with ECDSA-SHA256 and RFC 6979 nonces, as Intel's CAs sign. */
final class DeterministicContentSigner implements ContentSigner {
  private static final AlgorithmIdentifier ECDSA_WITH_SHA256 =
      new AlgorithmIdentifier(X9ObjectIdentifiers.ecdsa_with_SHA256);

  private final EcKey key;
  private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();

  DeterministicContentSigner(EcKey key) {
    this.key = key;
  }

  @Override
  public AlgorithmIdentifier getAlgorithmIdentifier() {
    return ECDSA_WITH_SHA256;
  }

  @Override
  public OutputStream getOutputStream() {
    return buffer;
  }

  @Override
  public byte[] getSignature() {
    return key.signDer(buffer.toByteArray());
  }
}
