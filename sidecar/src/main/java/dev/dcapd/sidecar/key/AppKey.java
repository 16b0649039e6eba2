package dev.dcapd.sidecar.key;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.binding.KeyType;
import dev.dcapd.verifier.binding.ReportDataBinding;
import java.io.IOException;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.ECKeyPairGenerator;
import org.bouncycastle.crypto.params.ECKeyGenerationParameters;
import org.bouncycastle.crypto.params.ECNamedDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.bouncycastle.crypto.util.SubjectPublicKeyInfoFactory;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;

/**
 * The application key pair the sidecar binds into report_data: P-256 or secp256k1, generated in
 * the TD or made from a secret the guest agent derived. Signatures are deterministic ECDSA
 * (RFC 6979) over SHA-256 of the message, low-s, as r ‖ s.
 */
public final class AppKey {
  private static final int SCALAR_SIZE = 32;

  private final KeyType type;
  private final ECNamedDomainParameters domain;
  private final ECPrivateKeyParameters privateKey;
  private final ECPublicKeyParameters publicKey;
  private final AtomicLong signatures = new AtomicLong();

  private AppKey(KeyType type, ECNamedDomainParameters domain, BigInteger d) {
    this.type = type;
    this.domain = domain;
    this.privateKey = new ECPrivateKeyParameters(d, domain);
    ECPoint q = new FixedPointCombMultiplier().multiply(domain.getG(), d).normalize();
    this.publicKey = new ECPublicKeyParameters(q, domain);
  }

  /** The curve parameters of {@code type}. */
  public static ECNamedDomainParameters domain(KeyType type) {
    String name = type == KeyType.P256 ? "secp256r1" : "secp256k1";
    X9ECParameters x9 = ECNamedCurveTable.getByName(name);
    return new ECNamedDomainParameters(ECNamedCurveTable.getOID(name), x9);
  }

  /** A fresh key from {@code random}. */
  public static AppKey generate(KeyType type, SecureRandom random) {
    ECNamedDomainParameters domain = domain(type);
    ECKeyPairGenerator gen = new ECKeyPairGenerator();
    gen.init(new ECKeyGenerationParameters(domain, random));
    AsymmetricCipherKeyPair pair = gen.generateKeyPair();
    return new AppKey(type, domain, ((ECPrivateKeyParameters) pair.getPrivate()).getD());
  }

  /**
   * The key whose private scalar is {@code secret} (32 bytes, big-endian), as the guest agent's
   * GetKey returns it. A secret outside [1, n) is refused rather than reduced, so the same secret
   * always names the same key on every curve or none.
   */
  public static AppKey fromSecret(KeyType type, Bytes secret) {
    if (secret.length() != SCALAR_SIZE) {
      throw new IllegalArgumentException("a private key is 32 bytes, not " + secret.length());
    }
    ECNamedDomainParameters domain = domain(type);
    BigInteger d = new BigInteger(1, secret.toByteArray());
    if (d.signum() == 0 || d.compareTo(domain.getN()) >= 0) {
      throw new IllegalArgumentException("the secret is not a valid " + type + " private key");
    }
    return new AppKey(type, domain, d);
  }

  public KeyType type() {
    return type;
  }

  /** X ‖ Y, 64 bytes: the form {@link ReportDataBinding} takes. */
  public Bytes publicKeyXY() {
    ECPoint q = publicKey.getQ();
    byte[] out = new byte[2 * SCALAR_SIZE];
    byte[] x = q.getAffineXCoord().getEncoded();
    byte[] y = q.getAffineYCoord().getEncoded();
    System.arraycopy(x, 0, out, 0, SCALAR_SIZE);
    System.arraycopy(y, 0, out, SCALAR_SIZE, SCALAR_SIZE);
    return Bytes.of(out);
  }

  /** 0x04 ‖ X ‖ Y (SEC1 uncompressed). */
  public Bytes publicKeyUncompressed() {
    return Bytes.of(publicKey.getQ().getEncoded(false));
  }

  /** The DER SubjectPublicKeyInfo with the named curve, for JCA, OpenSSL and friends. */
  public Bytes publicKeySpki() {
    try {
      return Bytes.of(SubjectPublicKeyInfoFactory.createSubjectPublicKeyInfo(publicKey).getEncoded());
    } catch (IOException e) {
      throw new IllegalStateException("an EC public key always encodes", e);
    }
  }

  /** The 20-byte key id of the binding rule (for secp256k1, the Ethereum address). */
  public Bytes keyId() {
    return ReportDataBinding.keyId(type, publicKeyXY());
  }

  /** The 64-byte report_data binding this key and {@code nonce}. */
  public Bytes reportData(Optional<Bytes> nonce) {
    return ReportDataBinding.encode(type, publicKeyXY(), nonce);
  }

  /** An ECDSA signature over SHA-256({@code message}): r ‖ s, 64 bytes, s in the lower half. */
  public Bytes sign(Bytes message) {
    signatures.incrementAndGet();
    ECDSASigner signer = new ECDSASigner(new HMacDSAKCalculator(new SHA256Digest()));
    signer.init(true, privateKey);
    BigInteger[] rs = signer.generateSignature(sha256(message));
    BigInteger n = domain.getN();
    BigInteger s = rs[1].compareTo(n.shiftRight(1)) > 0 ? n.subtract(rs[1]) : rs[1];
    byte[] out = new byte[2 * SCALAR_SIZE];
    copyUnsigned(rs[0], out, 0);
    copyUnsigned(s, out, SCALAR_SIZE);
    return Bytes.of(out);
  }

  /** How many signatures this key has made: what was signed in its name, counted. */
  public long signatures() {
    return signatures.get();
  }

  /** Whether {@code signature} (r ‖ s) is this key's over SHA-256({@code message}). */
  public static boolean verify(KeyType type, Bytes publicKeyXY, Bytes message, Bytes signature) {
    if (signature.length() != 2 * SCALAR_SIZE || publicKeyXY.length() != 2 * SCALAR_SIZE) {
      return false;
    }
    try {
      ECNamedDomainParameters domain = domain(type);
      byte[] encoded = new byte[1 + 2 * SCALAR_SIZE];
      encoded[0] = 0x04;
      publicKeyXY.copyTo(encoded, 1);
      ECPoint q = domain.getCurve().decodePoint(encoded);
      ECDSASigner verifier = new ECDSASigner();
      verifier.init(false, new ECPublicKeyParameters(q, domain));
      byte[] sig = signature.toByteArray();
      return verifier.verifySignature(sha256(message), new BigInteger(1, java.util.Arrays.copyOfRange(sig, 0, SCALAR_SIZE)),
          new BigInteger(1, java.util.Arrays.copyOfRange(sig, SCALAR_SIZE, 2 * SCALAR_SIZE)));
    } catch (RuntimeException e) {
      // A point off the curve, or any other provider complaint, is "not verified".
      return false;
    }
  }

  /** The DER (SEQUENCE of two INTEGERs) form of an r ‖ s signature. */
  public static Bytes der(Bytes signature) {
    byte[] sig = signature.toByteArray();
    try {
      return Bytes.of(new DERSequence(new ASN1Integer[] {
          new ASN1Integer(new BigInteger(1, java.util.Arrays.copyOfRange(sig, 0, SCALAR_SIZE))),
          new ASN1Integer(new BigInteger(1, java.util.Arrays.copyOfRange(sig, SCALAR_SIZE, 2 * SCALAR_SIZE)))}).getEncoded());
    } catch (IOException e) {
      throw new IllegalStateException("a sequence of integers always encodes", e);
    }
  }

  private static byte[] sha256(Bytes message) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      message.updateDigest(md);
      return md.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JDK", e);
    }
  }

  private static void copyUnsigned(BigInteger v, byte[] out, int offset) {
    byte[] b = v.toByteArray();
    int skip = b.length > SCALAR_SIZE ? b.length - SCALAR_SIZE : 0;
    System.arraycopy(b, skip, out, offset + SCALAR_SIZE - (b.length - skip), b.length - skip);
  }

  @Override
  public String toString() {
    return "AppKey[" + type + ", id " + keyId().hex() + "]";
  }
}
