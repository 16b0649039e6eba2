package dev.dcapd.daemon.testing;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Certificates for 127.0.0.1 and localhost, written as PEM files for TLS tests: a self-signed P-256
 * one, or a throwaway CA and a server certificate it issued, with the key in the format asked for.
 */
public final class TestCertificates {
  private static final ASN1ObjectIdentifier P256 = new ASN1ObjectIdentifier("1.2.840.10045.3.1.7");
  private TestCertificates() {}

  public record Pair(Path certificate, Path privateKey) {}

  public static Pair selfSigned(Path dir) throws Exception {
    Files.createDirectories(dir);
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair key = g.generateKeyPair();
    X500Name name = new X500Name("CN=dcapd test");
    Instant now = Instant.now();
    JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(now.toEpochMilli()),
        Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))), name, key.getPublic());
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
    b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
        new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost")}));
    X509Certificate cert = new JcaX509CertificateConverter()
        .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())));
    Path certFile = dir.resolve("cert.pem");
    Path keyFile = dir.resolve("key.pem");
    Files.writeString(certFile, pem("CERTIFICATE", cert.getEncoded()), StandardCharsets.US_ASCII);
    Files.writeString(keyFile, pem("PRIVATE KEY", key.getPrivate().getEncoded()), StandardCharsets.US_ASCII);
    return new Pair(certFile, keyFile);
  }

  /** How a server key is written. */
  public enum KeyFormat {
    /** {@code PRIVATE KEY}, P-256. */
    EC_PKCS8,
    /** {@code EC PARAMETERS} then {@code EC PRIVATE KEY}, P-256, as {@code openssl ecparam -genkey} writes it. */
    EC_SEC1,
    /** {@code RSA PRIVATE KEY}, 2048 bits. */
    RSA_PKCS1,
    /** {@code PRIVATE KEY}, RSA 2048 bits. */
    RSA_PKCS8
  }

  /** A CA's certificate, the server's chain (its certificate, then the CA's) and the server's key. */
  public record Chain(Path caCertificate, Path chain, Path privateKey) {}

  /** A throwaway P-256 CA and a server certificate for 127.0.0.1 and localhost that it issued. */
  public static Chain caAndServer(Path dir, KeyFormat format) throws Exception {
    Files.createDirectories(dir);
    KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
    ec.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair caKey = ec.generateKeyPair();
    boolean rsa = format == KeyFormat.RSA_PKCS1 || format == KeyFormat.RSA_PKCS8;
    KeyPairGenerator g = KeyPairGenerator.getInstance(rsa ? "RSA" : "EC");
    if (rsa) {
      g.initialize(2048);
    } else {
      g.initialize(new ECGenParameterSpec("secp256r1"));
    }
    KeyPair serverKey = g.generateKeyPair();
    X500Name caName = new X500Name("CN=dcapd test CA");
    Instant now = Instant.now();
    JcaX509v3CertificateBuilder ca = new JcaX509v3CertificateBuilder(caName, BigInteger.ONE,
        Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))), caName, caKey.getPublic());
    ca.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
    ca.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    X509Certificate caCert = new JcaX509CertificateConverter()
        .getCertificate(ca.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKey.getPrivate())));
    JcaX509v3CertificateBuilder leaf = new JcaX509v3CertificateBuilder(caName, BigInteger.TWO,
        Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))), new X500Name("CN=localhost"),
        serverKey.getPublic());
    leaf.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    leaf.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
    leaf.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
        new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost")}));
    X509Certificate leafCert = new JcaX509CertificateConverter()
        .getCertificate(leaf.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKey.getPrivate())));
    Path caFile = Files.writeString(dir.resolve("ca.pem"), pem("CERTIFICATE", caCert.getEncoded()), StandardCharsets.US_ASCII);
    Path chainFile = Files.writeString(dir.resolve("chain.pem"),
        pem("CERTIFICATE", leafCert.getEncoded()) + pem("CERTIFICATE", caCert.getEncoded()), StandardCharsets.US_ASCII);
    String key = switch (format) {
      case EC_PKCS8, RSA_PKCS8 -> pem("PRIVATE KEY", serverKey.getPrivate().getEncoded());
      case EC_SEC1 -> pem("EC PARAMETERS", P256.getEncoded()) + pem("EC PRIVATE KEY", new ECPrivateKey(256,
          ((java.security.interfaces.ECPrivateKey) serverKey.getPrivate()).getS(),
          new DERBitString(SubjectPublicKeyInfo.getInstance(serverKey.getPublic().getEncoded()).getPublicKeyData().getBytes()),
          P256).getEncoded());
      case RSA_PKCS1 -> pem("RSA PRIVATE KEY", PrivateKeyInfo.getInstance(serverKey.getPrivate().getEncoded())
          .parsePrivateKey().toASN1Primitive().getEncoded());
    };
    Path keyFile = Files.writeString(dir.resolve("key.pem"), key, StandardCharsets.US_ASCII);
    return new Chain(caFile, chainFile, keyFile);
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }
}
