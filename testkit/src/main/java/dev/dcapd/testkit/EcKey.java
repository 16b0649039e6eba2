package dev.dcapd.testkit;

import dev.dcapd.verifier.Bytes;
import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.params.ECNamedDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.bouncycastle.crypto.util.SubjectPublicKeyInfoFactory;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;
import org.bouncycastle.util.BigIntegers;

/**
 * A P-256 key pair derived from seed bytes, signing deterministically (RFC 6979) so that the same
 * seed gives the same signatures, byte for byte.
 */
public final class EcKey {
  private static final X9ECParameters P256 = ECNamedCurveTable.getByName("secp256r1");
  static final ECNamedDomainParameters DOMAIN =
      new ECNamedDomainParameters(SECObjectIdentifiers.secp256r1, P256);
  private static final int COORDINATE_SIZE = 32;

  private final ECPrivateKeyParameters privateKey;
  private final ECPublicKeyParameters publicKey;

  private EcKey(BigInteger d) {
    this.privateKey = new ECPrivateKeyParameters(d, DOMAIN);
    ECPoint q = new FixedPointCombMultiplier().multiply(DOMAIN.getG(), d).normalize();
    this.publicKey = new ECPublicKeyParameters(q, DOMAIN);
  }

  /** The key whose scalar is drawn from {@code drbg} under {@code label}. */
  static EcKey derive(Drbg drbg, String label) {
    BigInteger n = DOMAIN.getN();
    for (int attempt = 0; ; attempt++) {
      BigInteger d = new BigInteger(1, drbg.bytes(label + "#" + attempt, COORDINATE_SIZE));
      // Rejection sampling keeps the scalar uniform in [1, n-1].
      if (d.signum() > 0 && d.compareTo(n) < 0) {
        return new EcKey(d);
      }
    }
  }

  /** The raw public point X‖Y (64 bytes), as a quote carries its attestation key. */
  public Bytes rawPublicKey() {
    byte[] encoded = publicKey.getQ().getEncoded(false);
    return Bytes.of(encoded, 1, 2 * COORDINATE_SIZE);
  }

  /** The public key's SubjectPublicKeyInfo (named curve P-256). */
  SubjectPublicKeyInfo subjectPublicKeyInfo() {
    try {
      return SubjectPublicKeyInfoFactory.createSubjectPublicKeyInfo(publicKey);
    } catch (IOException e) {
      throw new IllegalStateException("a P-256 key always encodes", e);
    }
  }

  /** The public key as a JCA key. */
  public PublicKey publicKey() {
    try {
      return KeyFactory.getInstance("EC")
          .generatePublic(new X509EncodedKeySpec(subjectPublicKeyInfo().getEncoded()));
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("a P-256 key always converts", e);
    }
  }

  /** ECDSA-P256-SHA256 over {@code message} as raw r‖s (64 bytes). */
  public Bytes signRaw(byte[] message) {
    BigInteger[] rs = sign(message, 0, message.length);
    byte[] out = new byte[2 * COORDINATE_SIZE];
    BigIntegers.asUnsignedByteArray(rs[0], out, 0, COORDINATE_SIZE);
    BigIntegers.asUnsignedByteArray(rs[1], out, COORDINATE_SIZE, COORDINATE_SIZE);
    return Bytes.of(out);
  }

  /** ECDSA-P256-SHA256 over {@code message} as a DER {@code Ecdsa-Sig-Value}. */
  byte[] signDer(byte[] message) {
    BigInteger[] rs = sign(message, 0, message.length);
    ASN1EncodableVector v = new ASN1EncodableVector();
    v.add(new ASN1Integer(rs[0]));
    v.add(new ASN1Integer(rs[1]));
    try {
      ASN1Sequence seq = new DERSequence(v);
      return seq.getEncoded();
    } catch (IOException e) {
      throw new IllegalStateException("DER encoding of two integers cannot fail", e);
    }
  }

  /**
   * ECDSA-P256-SHA256 as raw r‖s with a nonce the caller chose and whose point {@code kG} it
   * already holds; for bulk signing, where computing {@code kG} dominates the cost. Returns
   * {@code null} in the negligible case that r or s is zero.
   */
  Bytes signRawWithNonce(byte[] message, BigInteger k, ECPoint kG) {
    BigInteger n = DOMAIN.getN();
    BigInteger e = new BigInteger(1, sha256(message));
    BigInteger r = kG.normalize().getAffineXCoord().toBigInteger().mod(n);
    BigInteger s = k.modInverse(n).multiply(e.add(privateKey.getD().multiply(r))).mod(n);
    if (r.signum() == 0 || s.signum() == 0) {
      return null;
    }
    byte[] out = new byte[2 * COORDINATE_SIZE];
    BigIntegers.asUnsignedByteArray(r, out, 0, COORDINATE_SIZE);
    BigIntegers.asUnsignedByteArray(s, out, COORDINATE_SIZE, COORDINATE_SIZE);
    return Bytes.of(out);
  }

  private static byte[] sha256(byte[] message) {
    SHA256Digest sha = new SHA256Digest();
    sha.update(message, 0, message.length);
    byte[] hash = new byte[sha.getDigestSize()];
    sha.doFinal(hash, 0);
    return hash;
  }

  private BigInteger[] sign(byte[] message, int offset, int length) {
    SHA256Digest sha = new SHA256Digest();
    sha.update(message, offset, length);
    byte[] hash = new byte[sha.getDigestSize()];
    sha.doFinal(hash, 0);
    ECDSASigner signer = new ECDSASigner(new HMacDSAKCalculator(new SHA256Digest()));
    signer.init(true, privateKey);
    return signer.generateSignature(hash);
  }
}
