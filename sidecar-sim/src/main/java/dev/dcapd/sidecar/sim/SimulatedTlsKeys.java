package dev.dcapd.sidecar.sim;

import dev.dcapd.sidecar.key.AppKey;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.binding.KeyType;
import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.crypto.params.ECNamedDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.util.PrivateKeyInfoFactory;
import org.bouncycastle.crypto.util.SubjectPublicKeyInfoFactory;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;
import org.bouncycastle.operator.DefaultDigestAlgorithmIdentifierFinder;
import org.bouncycastle.operator.DefaultSignatureAlgorithmIdentifierFinder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.bc.BcECContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;

/**
 * The simulator's {@code Tappd.DeriveKey}: a P-256 key derived from the app key for a path (the
 * same HKDF as GetKey), as PEM PKCS#8, with a two-certificate chain — a leaf for the requested
 * subject issued by a simulated app CA, and the CA's self-signed certificate.
 */
final class SimulatedTlsKeys {
  private static final Instant NOT_BEFORE = Instant.parse("2025-01-01T00:00:00Z");

  private final ECPrivateKeyParameters caKey;
  private final X509CertificateHolder caCert;

  SimulatedTlsKeys(Bytes appKey) {
    this.caKey = p256(KeyDerivation.derive(appKey, "dcapd-simulator/app-ca"));
    this.caCert = issue("CN=dcapd simulator app CA", caKey, "CN=dcapd simulator app CA", true);
  }

  /** {@code key} (PEM PKCS#8) and {@code certificate_chain} (leaf, CA) for {@code path} and {@code subject}. */
  Derived derive(Bytes appKey, String path, String subject) {
    ECPrivateKeyParameters key = p256(KeyDerivation.derive(appKey, path));
    X509CertificateHolder leaf = issue("CN=" + (subject.isEmpty() ? "dstack" : subject.replace(",", "\\,")), key,
        "CN=dcapd simulator app CA", false);
    try {
      return new Derived(pem("PRIVATE KEY", PrivateKeyInfoFactory.createPrivateKeyInfo(key).getEncoded()),
          List.of(pem("CERTIFICATE", leaf.getEncoded()), pem("CERTIFICATE", caCert.getEncoded())));
    } catch (IOException e) {
      throw new IllegalStateException("keys and certificates always encode", e);
    }
  }

  record Derived(String keyPem, List<String> chain) {}

  private static ECPrivateKeyParameters p256(Bytes secret) {
    // The same refusal as AppKey: a scalar outside [1, n) is not reduced.
    AppKey.fromSecret(KeyType.P256, secret);
    return new ECPrivateKeyParameters(new BigInteger(1, secret.toByteArray()), AppKey.domain(KeyType.P256));
  }

  private X509CertificateHolder issue(String subject, ECPrivateKeyParameters subjectKey, String issuer, boolean ca) {
    ECNamedDomainParameters d = AppKey.domain(KeyType.P256);
    ECPublicKeyParameters pub = new ECPublicKeyParameters(
        new FixedPointCombMultiplier().multiply(d.getG(), subjectKey.getD()).normalize(), d);
    try {
      SubjectPublicKeyInfo spki = SubjectPublicKeyInfoFactory.createSubjectPublicKeyInfo(pub);
      X509v3CertificateBuilder b = new X509v3CertificateBuilder(new X500Name(issuer),
          new BigInteger(1, KeyDerivation.keccak256(spki.getEncoded())).shiftRight(1), Date.from(NOT_BEFORE),
          Date.from(NOT_BEFORE.plus(3650, ChronoUnit.DAYS)), new X500Name(subject), spki);
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
      AlgorithmIdentifier sig = new DefaultSignatureAlgorithmIdentifierFinder().find("SHA256withECDSA");
      AlgorithmIdentifier digest = new DefaultDigestAlgorithmIdentifierFinder().find(sig);
      return b.build(new BcECContentSignerBuilder(sig, digest).build(ca ? subjectKey : caKey));
    } catch (IOException | OperatorCreationException e) {
      throw new IllegalStateException("a simulated certificate always builds", e);
    }
  }

  private static String pem(String type, byte[] der) throws IOException {
    StringWriter out = new StringWriter();
    try (PemWriter w = new PemWriter(out)) {
      w.writeObject(new PemObject(type, der));
    }
    return out.toString();
  }
}
