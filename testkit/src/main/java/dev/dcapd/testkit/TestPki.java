package dev.dcapd.testkit;

import dev.dcapd.verifier.pck.CaType;
import dev.dcapd.verifier.pck.PckExtension;
import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Base64;
import java.util.Collections;
import java.util.Date;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Enumerated;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1Boolean;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLDistPoint;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.DistributionPoint;
import org.bouncycastle.asn1.x509.DistributionPointName;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.bc.BcX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;

/**
 * A throwaway PKI with the profile of Intel's SGX provisioning PKI: a root CA named like the Intel
 * SGX Root CA, the PCK Platform and Processor CAs, the TCB signing certificate, PCK leaves with the
 * SGX extension, and the root and PCK CRLs, with the extensions Intel's verifier requires (SKI,
 * AKI, key usage, basic constraints, CRL distribution points; CRL number and AKI on CRLs).
 *
 * <p>Every key and serial number follows from the seed and a namespace, so two instances built
 * from the same arguments hold identical certificates. CRL distribution points use the host
 * {@value #CRL_HOST} (reserved, never resolvable) so that nothing can fetch Intel's real CRLs for
 * a testkit certificate.
 */
public final class TestPki {
  /** Default start of every validity window: fixed, never read from the clock. */
  public static final Instant DEFAULT_NOT_BEFORE = Instant.parse("2025-01-01T00:00:00Z");
  /** Root CA expiry, as Intel's root: the end of 2049. */
  public static final Instant ROOT_NOT_AFTER = Instant.parse("2049-12-31T23:59:59Z");
  /** Intermediate CA and TCB signing certificate expiry. */
  public static final Instant CA_NOT_AFTER = Instant.parse("2040-01-01T00:00:00Z");
  /** Default PCK leaf expiry. */
  public static final Instant DEFAULT_LEAF_NOT_AFTER = Instant.parse("2035-01-01T00:00:00Z");
  /** A reserved host name: CRL distribution points must never resolve for testkit certificates. */
  public static final String CRL_HOST = "testkit.dcapd.invalid";

  static final String ROOT_CN = "Intel SGX Root CA";
  static final String TCB_SIGNING_CN = "Intel SGX TCB Signing";
  static final String PCK_LEAF_CN = "Intel SGX PCK Certificate";
  private static final String ROOT_CRL_URI = "https://" + CRL_HOST + "/IntelSGXRootCA.der";
  private static final int SERIAL_SIZE = 20;
  private static final int PLATFORM_PATH_LEN = 1;
  private static final int RECENT_SEEDS = 8;

  // Forging many platforms of one seed would rebuild the same PKI each time (four keys and four
  // signatures, about a third of a forge). A PKI never changes once built, so the PKIs of the
  // last few seeds are shared. A plain LRU map, not Caffeine: the testkit may use the verifier's
  // libraries only (BouncyCastle and Jackson), and eight entries under one lock need nothing more.
  private static final Map<Long, TestPki> RECENT = Collections.synchronizedMap(
      new LinkedHashMap<>(RECENT_SEEDS * 2, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, TestPki> eldest) {
          return size() > RECENT_SEEDS;
        }
      });

  private final Drbg drbg;
  private final String namespace;
  private final EcKey rootKey;
  private final X509Certificate root;
  private final Map<CaType, EcKey> caKeys = new EnumMap<>(CaType.class);
  private final Map<CaType, X509Certificate> cas = new EnumMap<>(CaType.class);
  private final EcKey tcbSigningKey;
  private final X509Certificate tcbSigning;

  /** The PKI for {@code seed} (the same immutable instance for a recently used seed). */
  public static TestPki create(long seed) {
    return RECENT.computeIfAbsent(seed, s -> new TestPki(new Drbg(s), "pki", DEFAULT_NOT_BEFORE));
  }

  TestPki(Drbg drbg, String namespace, Instant notBefore) {
    this.drbg = drbg;
    this.namespace = namespace;
    this.rootKey = key("root");
    X500Name rootName = name(ROOT_CN);
    this.root = build(serial("root"), rootName, rootName, rootKey, rootKey, notBefore, ROOT_NOT_AFTER,
        new BasicConstraints(PLATFORM_PATH_LEN), KeyUsage.keyCertSign | KeyUsage.cRLSign, ROOT_CRL_URI, null);
    for (CaType ca : CaType.values()) {
      EcKey k = key("ca-" + ca.pcsName());
      caKeys.put(ca, k);
      cas.put(ca, build(serial("ca-" + ca.pcsName()), rootName, name(ca.commonName()), k, rootKey,
          notBefore, CA_NOT_AFTER, new BasicConstraints(0), KeyUsage.keyCertSign | KeyUsage.cRLSign,
          ROOT_CRL_URI, null));
    }
    this.tcbSigningKey = key("tcb-signing");
    this.tcbSigning = build(serial("tcb-signing"), rootName, name(TCB_SIGNING_CN), tcbSigningKey, rootKey,
        notBefore, CA_NOT_AFTER, new BasicConstraints(false),
        KeyUsage.digitalSignature | KeyUsage.nonRepudiation, ROOT_CRL_URI, null);
  }

  public X509Certificate root() {
    return root;
  }

  public X509Certificate ca(CaType type) {
    return cas.get(type);
  }

  public X509Certificate tcbSigning() {
    return tcbSigning;
  }

  EcKey tcbSigningKey() {
    return tcbSigningKey;
  }

  EcKey caKey(CaType type) {
    return caKeys.get(type);
  }

  /** A key of this PKI's namespace, for PCK leaves and attestation keys. */
  EcKey key(String label) {
    return EcKey.derive(drbg, namespace + "/key/" + label);
  }

  /** A positive 20-byte serial number, as Intel's certificates have. */
  BigInteger serial(String label) {
    byte[] b = drbg.bytes(namespace + "/serial/" + label, SERIAL_SIZE);
    b[0] = (byte) ((b[0] & 0x7f) | 0x01);
    return new BigInteger(1, b);
  }

  /**
   * Issues a PCK leaf under {@code ca} for {@code key}, carrying {@code extension}. A different
   * {@code signer} than the CA's key forges a certificate whose signature does not verify.
   */
  X509Certificate issuePck(CaType ca, PckExtension extension, EcKey key, BigInteger serial,
      Instant notBefore, Instant notAfter, EcKey signer) {
    String crlUri = "https://" + CRL_HOST + "/sgx/certification/v4/pckcrl?ca=" + ca.pcsName() + "&encoding=der";
    return build(serial, name(ca.commonName()), name(PCK_LEAF_CN), key, signer, notBefore, notAfter,
        new BasicConstraints(false), KeyUsage.digitalSignature | KeyUsage.nonRepudiation, crlUri,
        pckExtension(extension));
  }

  private static Extension pckExtension(PckExtension extension) {
    try {
      return new Extension(new ASN1ObjectIdentifier(PckExtension.OID), false, encode(extension).getEncoded());
    } catch (IOException e) {
      throw new IllegalStateException("DER encoding failed", e);
    }
  }

  /** The root CA's CRL (the PCK CAs' revocation list), DER. */
  public byte[] rootCrl(List<BigInteger> revoked, Instant thisUpdate, Instant nextUpdate) {
    return crl(root, rootKey, revoked, thisUpdate, nextUpdate);
  }

  /** A PCK CA's CRL (the PCK leaves' revocation list), DER. */
  public byte[] pckCrl(CaType ca, List<BigInteger> revoked, Instant thisUpdate, Instant nextUpdate) {
    return crl(cas.get(ca), caKeys.get(ca), revoked, thisUpdate, nextUpdate);
  }

  private byte[] crl(X509Certificate issuer, EcKey key, List<BigInteger> revoked, Instant thisUpdate,
      Instant nextUpdate) {
    try {
      X509CertificateHolder issuerHolder = new X509CertificateHolder(issuer.getEncoded());
      X509v2CRLBuilder b = new X509v2CRLBuilder(issuerHolder.getSubject(), Date.from(thisUpdate));
      b.setNextUpdate(Date.from(nextUpdate));
      for (BigInteger serial : revoked) {
        b.addCRLEntry(serial, Date.from(thisUpdate), CRLReason.keyCompromise);
      }
      b.addExtension(Extension.cRLNumber, false, new CRLNumber(BigInteger.ONE));
      b.addExtension(Extension.authorityKeyIdentifier, false,
          new BcX509ExtensionUtils().createAuthorityKeyIdentifier(issuerHolder.getSubjectPublicKeyInfo()));
      X509CRLHolder holder = b.build(new DeterministicContentSigner(key));
      return holder.getEncoded();
    } catch (IOException | java.security.cert.CertificateEncodingException e) {
      throw new IllegalStateException("CRL encoding failed", e);
    }
  }

  private X509Certificate build(BigInteger serial, X500Name issuer, X500Name subject, EcKey subjectKey,
      EcKey issuerKey, Instant notBefore, Instant notAfter, BasicConstraints constraints, int keyUsage,
      String crlUri, Extension extra) {
    SubjectPublicKeyInfo spki = subjectKey.subjectPublicKeyInfo();
    BcX509ExtensionUtils ext = new BcX509ExtensionUtils();
    SubjectKeyIdentifier ski = ext.createSubjectKeyIdentifier(spki);
    AuthorityKeyIdentifier aki = ext.createAuthorityKeyIdentifier(issuerKey.subjectPublicKeyInfo());
    X509v3CertificateBuilder b = new X509v3CertificateBuilder(
        issuer, serial, Date.from(notBefore), Date.from(notAfter), subject, spki);
    try {
      b.addExtension(Extension.authorityKeyIdentifier, false, aki);
      DistributionPoint dp = new DistributionPoint(
          new DistributionPointName(new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, crlUri))),
          null, null);
      b.addExtension(Extension.cRLDistributionPoints, false, new CRLDistPoint(new DistributionPoint[] {dp}));
      b.addExtension(Extension.subjectKeyIdentifier, false, ski);
      b.addExtension(Extension.keyUsage, true, new KeyUsage(keyUsage));
      b.addExtension(Extension.basicConstraints, true, constraints);
      if (extra != null) {
        b.addExtension(extra);
      }
      X509CertificateHolder holder = b.build(new DeterministicContentSigner(issuerKey));
      return new JcaX509CertificateConverter().getCertificate(holder);
    } catch (CertIOException | CertificateException e) {
      throw new IllegalStateException("certificate encoding failed", e);
    }
  }

  /** The Intel-style subject: CN, then Intel Corporation, Santa Clara, CA, US. */
  static X500Name name(String commonName) {
    return new X500NameBuilder(BCStyle.INSTANCE)
        .addRDN(BCStyle.CN, commonName)
        .addRDN(BCStyle.O, "Intel Corporation")
        .addRDN(BCStyle.L, "Santa Clara")
        .addRDN(BCStyle.ST, "CA")
        .addRDN(BCStyle.C, "US")
        .build();
  }

  /** DER of the SGX extension value, entries in Intel's order. */
  static DERSequence encode(PckExtension e) {
    ASN1EncodableVector tcb = new ASN1EncodableVector();
    for (int i = 0; i < 16; i++) {
      tcb.add(pair(PckExtension.oid("2." + (i + 1)), new ASN1Integer(e.tcbComponent(i))));
    }
    tcb.add(pair(PckExtension.oid("2.17"), new ASN1Integer(e.pceSvn())));
    tcb.add(pair(PckExtension.oid("2.18"), new DEROctetString(e.cpuSvn().toByteArray())));
    ASN1EncodableVector top = new ASN1EncodableVector();
    top.add(pair(PckExtension.oid("1"), new DEROctetString(e.ppid().toByteArray())));
    top.add(pair(PckExtension.oid("2"), new DERSequence(tcb)));
    top.add(pair(PckExtension.oid("3"), new DEROctetString(e.pceId().toByteArray())));
    top.add(pair(PckExtension.oid("4"), new DEROctetString(e.fmspc().toByteArray())));
    top.add(pair(PckExtension.oid("5"), new ASN1Enumerated(e.sgxType().code())));
    if (e.platformInstanceId().isPresent()) {
      top.add(pair(PckExtension.oid("6"), new DEROctetString(e.platformInstanceId().get().toByteArray())));
      var c = e.configuration().orElseThrow(
          () -> new IllegalArgumentException("a Platform-CA extension needs its configuration"));
      ASN1EncodableVector flags = new ASN1EncodableVector();
      flags.add(pair(PckExtension.oid("7.1"), ASN1Boolean.getInstance(c.dynamicPlatform())));
      flags.add(pair(PckExtension.oid("7.2"), ASN1Boolean.getInstance(c.cachedKeys())));
      flags.add(pair(PckExtension.oid("7.3"), ASN1Boolean.getInstance(c.smtEnabled())));
      top.add(pair(PckExtension.oid("7"), new DERSequence(flags)));
    }
    return new DERSequence(top);
  }

  private static DERSequence pair(ASN1ObjectIdentifier oid, org.bouncycastle.asn1.ASN1Encodable value) {
    return new DERSequence(new org.bouncycastle.asn1.ASN1Encodable[] {oid, value});
  }

  /** PEM text of a certificate, 64-character lines, as Intel's PCS serves it. */
  public static String pem(X509Certificate cert) {
    try {
      return pem("CERTIFICATE", cert.getEncoded());
    } catch (java.security.cert.CertificateEncodingException e) {
      throw new IllegalStateException(e);
    }
  }

  static String pem(String type, byte[] der) {
    StringWriter w = new StringWriter();
    w.write("-----BEGIN " + type + "-----\n");
    w.write(Base64.getMimeEncoder(64, "\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).encodeToString(der));
    w.write("\n-----END " + type + "-----\n");
    return w.toString();
  }

  /** PEM of several certificates, concatenated in the given order. */
  public static String pemChain(X509Certificate... certs) {
    StringBuilder sb = new StringBuilder();
    for (X509Certificate c : certs) {
      sb.append(pem(Objects.requireNonNull(c)));
    }
    return sb.toString();
  }
}
