package dev.dcapd.verifier.verify;

import dev.dcapd.verifier.Bytes;
import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.cert.CRLException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.StandardDSAEncoding;
import org.bouncycastle.math.ec.ECPoint;

/**
 * ECDSA P-256 with SHA-256, the only signature DCAP uses. Keys are decoded and validated (a point
 * on the curve, not infinity) with BouncyCastle's specialised secp256r1 curve, and signatures are
 * checked to have {@code 0 < r, s < n}, before any engine sees them. BouncyCastle's lightweight API
 * then does the arithmetic, unless the application has installed another {@link EcdsaEngine} with
 * {@link #useEngine} (the daemon installs AWS-LC where its native library loads). The verifier
 * reads no system property and has no native dependency.
 *
 * <p>Every check fails closed: a malformed key or signature, or any exception from an engine,
 * means "not verified".
 */
public final class Ecdsa {
  /** Size of a raw {@code r‖s} signature and of a raw {@code X‖Y} public key. */
  public static final int RAW_SIZE = 64;

  /** ecdsa-with-SHA256, the signature algorithm of every Intel DCAP certificate and CRL. */
  public static final String ECDSA_WITH_SHA256_OID = "1.2.840.10045.4.3.2";

  private static final int COORDINATE_SIZE = RAW_SIZE / 2;
  private static final byte UNCOMPRESSED_POINT = 0x04;
  private static final String BOUNCYCASTLE = "bouncycastle";

  private static final ECDomainParameters P256;

  static {
    X9ECParameters x9 = CustomNamedCurves.getByName("secp256r1");
    P256 = new ECDomainParameters(x9.getCurve(), x9.getG(), x9.getN(), x9.getH());
  }

  private Ecdsa() {}

  /** The engine installed by the application; {@code null} is BouncyCastle. */
  private static volatile EcdsaEngine installed;

  /**
   * Hands the arithmetic of every later check to {@code engine}, or back to BouncyCastle when it is
   * {@code null}. Validation stays here whichever engine runs, so engines can only differ in speed;
   * an application calls this once, at start-up, from its own configuration.
   */
  public static void useEngine(EcdsaEngine engine) {
    installed = engine;
  }

  /** The name of the engine that verifies signatures now. */
  public static String engine() {
    EcdsaEngine e = installed;
    return e == null ? BOUNCYCASTLE : e.name();
  }

  /** The P-256 domain parameters, for engines' own start-up checks and for tests. */
  public static ECDomainParameters domain() {
    return P256;
  }

  /** A P-256 public key, validated to be a point on the curve. */
  public static final class Key {
    private final ECPublicKeyParameters params;
    private final Bytes encoded;
    // The same point in an installed engine's form, made on first use; a race makes it twice, harmlessly.
    private volatile EngineKey engineKey;

    private Key(ECPublicKeyParameters params, Bytes encoded) {
      this.params = params;
      this.encoded = encoded;
    }

    private Object engineKey(EcdsaEngine engine) throws GeneralSecurityException {
      EngineKey k = engineKey;
      if (k == null || k.engine != engine) {
        k = new EngineKey(engine, engine.publicKey(encoded.toByteArray()));
        engineKey = k;
      }
      return k.key;
    }

    /** The uncompressed point {@code 04‖X‖Y}. */
    public Bytes encoded() {
      return encoded;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && encoded.equals(k.encoded);
    }

    @Override
    public int hashCode() {
      return encoded.hashCode();
    }
  }

  /** The key of a raw 64-byte {@code X‖Y} (the quote's attestation key), or {@code null} if it is not a P-256 point. */
  public static Key rawKey(Bytes xy) {
    if (xy.length() != RAW_SIZE) {
      return null;
    }
    byte[] point = new byte[RAW_SIZE + 1];
    point[0] = UNCOMPRESSED_POINT;
    xy.copyTo(point, 1);
    return decode(point);
  }

  /** The key of a certificate, or {@code null} if it is not an EC P-256 key. */
  public static Key certificateKey(X509Certificate cert) {
    return spkiKey(cert.getPublicKey());
  }

  /** The key of a JDK public key, or {@code null} if it is not an EC P-256 key. */
  public static Key spkiKey(PublicKey key) {
    try {
      SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.getInstance(key.getEncoded());
      AlgorithmIdentifier alg = spki.getAlgorithm();
      if (!X9ObjectIdentifiers.id_ecPublicKey.equals(alg.getAlgorithm())
          || !(alg.getParameters() instanceof ASN1ObjectIdentifier curve)
          || !X9ObjectIdentifiers.prime256v1.equals(curve)) {
        return null;
      }
      byte[] point = spki.getPublicKeyData().getOctets();
      if (point.length != RAW_SIZE + 1 || point[0] != UNCOMPRESSED_POINT) {
        return null;
      }
      return decode(point);
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static Key decode(byte[] point) {
    try {
      ECPoint q = P256.getCurve().decodePoint(point).normalize();
      if (q.isInfinity() || !q.isValid()) {
        return null;
      }
      return new Key(new ECPublicKeyParameters(q, P256), Bytes.of(point));
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** Whether {@code signature} (raw {@code r‖s}, exactly 64 bytes) signs {@code message[offset, offset+length)}. */
  public static boolean verifyRaw(Key key, byte[] message, int offset, int length, Bytes signature) {
    if (key == null || signature.length() != RAW_SIZE) {
      return false;
    }
    byte[] sig = signature.toByteArray();
    BigInteger r = new BigInteger(1, sig, 0, COORDINATE_SIZE);
    BigInteger s = new BigInteger(1, sig, COORDINATE_SIZE, COORDINATE_SIZE);
    return verify(key, sha256(message, offset, length), r, s);
  }

  /** Whether a raw 64-byte signature signs all of {@code message}. */
  public static boolean verifyRaw(Key key, byte[] message, Bytes signature) {
    return verifyRaw(key, message, 0, message.length, signature);
  }

  /** Whether a DER-encoded ECDSA signature signs {@code message} (X.509 certificates and CRLs). */
  public static boolean verifyDer(Key key, byte[] message, byte[] derSignature) {
    if (key == null) {
      return false;
    }
    try {
      // StandardDSAEncoding refuses non-canonical DER, so one signature has one encoding.
      BigInteger[] rs = StandardDSAEncoding.INSTANCE.decode(P256.getN(), derSignature);
      return verify(key, sha256(message, 0, message.length), rs[0], rs[1]);
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** Whether {@code cert} is signed with ecdsa-with-SHA256 by {@code issuerKey}. */
  public static boolean verifyCertificate(X509Certificate cert, Key issuerKey) {
    if (!ECDSA_WITH_SHA256_OID.equals(cert.getSigAlgOID())) {
      return false;
    }
    try {
      return verifyDer(issuerKey, cert.getTBSCertificate(), cert.getSignature());
    } catch (CertificateEncodingException | RuntimeException e) {
      return false;
    }
  }

  /** Whether {@code crl} is signed with ecdsa-with-SHA256 by {@code issuerKey}. */
  public static boolean verifyCrl(X509CRL crl, Key issuerKey) {
    if (!ECDSA_WITH_SHA256_OID.equals(crl.getSigAlgOID())) {
      return false;
    }
    try {
      return verifyDer(issuerKey, crl.getTBSCertList(), crl.getSignature());
    } catch (CRLException | RuntimeException e) {
      return false;
    }
  }

  private record EngineKey(EcdsaEngine engine, Object key) {}

  private static boolean verify(Key key, byte[] digest, BigInteger r, BigInteger s) {
    return verify(installed, key, digest, r, s);
  }

  /**
   * Whether {@code (r, s)} signs the SHA-256 {@code digest} under {@code key}, computed by
   * {@code engine} (BouncyCastle when {@code null}) after this class's validation; tests compare
   * engines through this.
   */
  public static boolean verify(EcdsaEngine engine, Key key, byte[] digest, BigInteger r, BigInteger s) {
    BigInteger n = P256.getN();
    if (key == null || digest.length != 32 || r.signum() <= 0 || s.signum() <= 0
        || r.compareTo(n) >= 0 || s.compareTo(n) >= 0) {
      return false;
    }
    if (engine != null) {
      try {
        return engine.verify(key.engineKey(engine), digest, r, s);
      } catch (GeneralSecurityException | RuntimeException e) {
        return false;
      }
    }
    try {
      ECDSASigner signer = new ECDSASigner();
      signer.init(false, key.params);
      return signer.verifySignature(digest, r, s);
    } catch (RuntimeException e) {
      return false;
    }
  }

  static byte[] sha256(byte[] message, int offset, int length) {
    MessageDigest sha = sha256();
    sha.update(message, offset, length);
    return sha.digest();
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JDK", e);
    }
  }
}
