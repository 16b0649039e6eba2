package dev.dcapd.collateral;

import dev.dcapd.verifier.Bytes;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A TCB signing chain that looks like Intel's (same names) under a root nobody trusts, to show
 * that a source cannot get collateral accepted by signing it with its own keys.
 */
final class ForgedChain {
  final KeyPair rootKey;
  final X509Certificate root;
  final KeyPair signerKey;
  final X509Certificate signer;

  ForgedChain() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    rootKey = g.generateKeyPair();
    signerKey = g.generateKeyPair();
    X500Name rootName = new X500Name("CN=Intel SGX Root CA, O=Intel Corporation, L=Santa Clara, ST=CA, C=US");
    X500Name signerName = new X500Name("CN=Intel SGX TCB Signing, O=Intel Corporation, L=Santa Clara, ST=CA, C=US");
    Instant from = Instant.parse("2018-01-01T00:00:00Z");
    Instant to = from.plus(40 * 365, ChronoUnit.DAYS);
    root = certificate(rootName, rootName, rootKey, rootKey, from, to, true, 1);
    signer = certificate(rootName, signerName, rootKey, signerKey, from, to, false, 2);
  }

  private static X509Certificate certificate(X500Name issuer, X500Name subject, KeyPair issuerKey, KeyPair subjectKey,
      Instant from, Instant to, boolean ca, long serial) throws Exception {
    JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(serial),
        Date.from(from), Date.from(to), subject, subjectKey.getPublic());
    b.addExtension(Extension.basicConstraints, true, ca ? new BasicConstraints(1) : new BasicConstraints(false));
    return new JcaX509CertificateConverter().getCertificate(
        b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey.getPrivate())));
  }

  /** Signer then root, PEM, as PCS sends chains. */
  String pem() throws Exception {
    StringWriter w = new StringWriter();
    try (JcaPEMWriter p = new JcaPEMWriter(w)) {
      p.writeObject(signer);
      p.writeObject(root);
    }
    return w.toString();
  }

  /** A raw r||s signature by the forged signer over {@code text}. */
  Bytes sign(String text) throws GeneralSecurityException {
    Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
    s.initSign(signerKey.getPrivate());
    s.update(text.getBytes(StandardCharsets.UTF_8));
    return Bytes.of(s.sign());
  }
}
