package dev.dcapd.sidecar.sim;

import dev.dcapd.sidecar.key.AppKey;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.binding.KeyType;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import org.bouncycastle.crypto.digests.KeccakDigest;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.ECNamedDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.bouncycastle.math.ec.ECAlgorithms;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;

/**
 * dstack's GetKey, as the simulator performs it: the key for a path is
 * HKDF-SHA256(salt "RATLS", ikm = app key, info = path, 32 bytes), and its signature chain is two
 * recoverable secp256k1 signatures (r ‖ s ‖ v, v ∈ {0,1}) over raw Keccak-256: the app key's over
 * {@code purpose ":" hex(compressed derived public key)}, and the KMS root's over
 * {@code "dstack-kms-issued:" ‖ app_id ‖ compressed app public key}.
 */
public final class KeyDerivation {
  private static final byte[] SALT = "RATLS".getBytes(StandardCharsets.US_ASCII);

  private KeyDerivation() {}

  /** The 32-byte key GetKey derives from {@code appKey} for {@code path}. */
  public static Bytes derive(Bytes appKey, String path) {
    HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
    hkdf.init(new HKDFParameters(appKey.toByteArray(), SALT, path.getBytes(StandardCharsets.UTF_8)));
    byte[] out = new byte[32];
    hkdf.generateBytes(out, 0, out.length);
    return Bytes.of(out);
  }

  /** The SEC1 compressed secp256k1 public key of a 32-byte secret. */
  public static Bytes compressedPublicKey(Bytes secret) {
    ECNamedDomainParameters d = AppKey.domain(KeyType.SECP256K1);
    return Bytes.of(new FixedPointCombMultiplier().multiply(d.getG(), new BigInteger(1, secret.toByteArray()))
        .normalize().getEncoded(true));
  }

  /** The app key's signature over {@code purpose ":" hex(compressed derived key)}. */
  public static Bytes appSignature(Bytes appKey, String purpose, Bytes derivedKey) {
    String message = purpose + ":" + compressedPublicKey(derivedKey).hex();
    return signRecoverable(appKey, keccak256(message.getBytes(StandardCharsets.UTF_8)));
  }

  /** The KMS root's signature over {@code "dstack-kms-issued:" ‖ appId ‖ compressed app public key}. */
  public static Bytes kmsSignature(Bytes kmsKey, Bytes appId, Bytes appKey) {
    byte[] prefix = "dstack-kms-issued:".getBytes(StandardCharsets.US_ASCII);
    byte[] pub = compressedPublicKey(appKey).toByteArray();
    byte[] id = appId.toByteArray();
    byte[] message = new byte[prefix.length + id.length + pub.length];
    System.arraycopy(prefix, 0, message, 0, prefix.length);
    System.arraycopy(id, 0, message, prefix.length, id.length);
    System.arraycopy(pub, 0, message, prefix.length + id.length, pub.length);
    return signRecoverable(kmsKey, keccak256(message));
  }

  static byte[] keccak256(byte[] input) {
    KeccakDigest k = new KeccakDigest(256);
    k.update(input, 0, input.length);
    byte[] out = new byte[32];
    k.doFinal(out, 0);
    return out;
  }

  /** r ‖ s ‖ v over a 32-byte hash, low-s, v the recovery id (0 or 1). */
  static Bytes signRecoverable(Bytes secret, byte[] hash) {
    ECNamedDomainParameters d = AppKey.domain(KeyType.SECP256K1);
    BigInteger priv = new BigInteger(1, secret.toByteArray());
    ECDSASigner signer = new ECDSASigner(new HMacDSAKCalculator(new SHA256Digest()));
    signer.init(true, new ECPrivateKeyParameters(priv, d));
    BigInteger[] rs = signer.generateSignature(hash);
    BigInteger r = rs[0];
    BigInteger s = rs[1].compareTo(d.getN().shiftRight(1)) > 0 ? d.getN().subtract(rs[1]) : rs[1];
    ECPoint q = new FixedPointCombMultiplier().multiply(d.getG(), priv).normalize();
    for (int v = 0; v < 2; v++) {
      ECPoint recovered = recover(d, r, s, new BigInteger(1, hash), v);
      if (recovered != null && recovered.equals(q)) {
        byte[] out = new byte[65];
        copy32(r, out, 0);
        copy32(s, out, 32);
        out[64] = (byte) v;
        return Bytes.of(out);
      }
    }
    throw new IllegalStateException("no recovery id reproduces the public key");
  }

  /** The compressed public key that made {@code signature} (r ‖ s ‖ v) over {@code hash}, or null. */
  static Bytes recoverCompressed(Bytes signature, byte[] hash) {
    byte[] sig = signature.toByteArray();
    if (sig.length != 65 || (sig[64] != 0 && sig[64] != 1)) {
      return null;
    }
    ECPoint q = recover(AppKey.domain(KeyType.SECP256K1), new BigInteger(1, java.util.Arrays.copyOfRange(sig, 0, 32)),
        new BigInteger(1, java.util.Arrays.copyOfRange(sig, 32, 64)), new BigInteger(1, hash), sig[64]);
    return q == null ? null : Bytes.of(q.getEncoded(true));
  }

  private static ECPoint recover(ECNamedDomainParameters d, BigInteger r, BigInteger s, BigInteger e, int v) {
    byte[] x = new byte[33];
    x[0] = (byte) (0x02 + v);
    copy32(r, x, 1);
    ECPoint bigR;
    try {
      bigR = d.getCurve().decodePoint(x);
    } catch (IllegalArgumentException ex) {
      return null;
    }
    BigInteger n = d.getN();
    BigInteger rInv = r.modInverse(n);
    // Q = r^-1 (s·R − e·G)
    return ECAlgorithms.sumOfTwoMultiplies(bigR, rInv.multiply(s).mod(n), d.getG(), rInv.multiply(e).negate().mod(n))
        .normalize();
  }

  private static void copy32(BigInteger v, byte[] out, int offset) {
    byte[] b = v.toByteArray();
    int skip = b.length > 32 ? b.length - 32 : 0;
    System.arraycopy(b, skip, out, offset + 32 - (b.length - skip), b.length - skip);
  }
}
