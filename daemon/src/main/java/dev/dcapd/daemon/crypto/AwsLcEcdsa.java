package dev.dcapd.daemon.crypto;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import dev.dcapd.verifier.verify.Ecdsa;
import dev.dcapd.verifier.verify.EcdsaEngine;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.generators.ECKeyPairGenerator;
import org.bouncycastle.crypto.params.ECKeyGenerationParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.StandardDSAEncoding;

/**
 * ECDSA P-256 verification in AWS-LC, through the Amazon Corretto Crypto Provider's JCA
 * {@code NONEwithECDSA} (the caller hashes). About 1.6x faster than BouncyCastle for a key seen
 * before and 3x for a new one, which is what a new platform's PCK and attestation keys are.
 *
 * <p>It only ever answers for inputs {@link Ecdsa} has already validated: a key that BouncyCastle
 * decoded as a point on P-256, and {@code 0 < r, s < n}. It is installed only when its library
 * loads and passes a known-answer check against BouncyCastle at start; otherwise {@link #load()}
 * says why and the verifier stays on BouncyCastle. The native library ships for linux-x86_64.
 */
public final class AwsLcEcdsa implements EcdsaEngine {
  private static final String ALGORITHM = "NONEwithECDSA";
  /** DER prefix of a P-256 SubjectPublicKeyInfo, followed by the 65-byte uncompressed point. */
  private static final byte[] P256_SPKI_PREFIX = {
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08,
    0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00
  };

  private final AmazonCorrettoCryptoProvider provider;
  private final ThreadLocal<Signature> verifiers;

  private AwsLcEcdsa(AmazonCorrettoCryptoProvider provider) {
    this.provider = provider;
    this.verifiers = ThreadLocal.withInitial(() -> {
      try {
        return Signature.getInstance(ALGORITHM, provider);
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(ALGORITHM + " vanished from " + provider.getName(), e);
      }
    });
  }

  /** The outcome of loading: an engine, or the reason there is none. */
  public record Loaded(AwsLcEcdsa engine, String unavailableReason) {}

  /** Loads the provider and checks it against BouncyCastle on a fresh key. Never throws. */
  public static Loaded load() {
    try {
      AmazonCorrettoCryptoProvider provider = AmazonCorrettoCryptoProvider.INSTANCE;
      Throwable error = provider.getLoadingError();
      if (error != null) {
        return new Loaded(null, "the AWS-LC library did not load: " + error);
      }
      provider.assertHealthy();
      AwsLcEcdsa engine = new AwsLcEcdsa(provider);
      String failed = engine.knownAnswerFailure();
      return failed == null ? new Loaded(engine, null) : new Loaded(null, failed);
    } catch (LinkageError | RuntimeException e) {
      return new Loaded(null, "the AWS-LC provider failed: " + e);
    }
  }

  /** The provider, for other uses of the same native library (signing result tokens). */
  public java.security.Provider provider() {
    return provider;
  }

  @Override
  public String name() {
    return "aws-lc (" + provider.getName() + " " + provider.getVersionStr() + ")";
  }

  /** A JCA key for an already validated uncompressed P-256 point. */
  @Override
  public PublicKey publicKey(byte[] uncompressedPoint) throws GeneralSecurityException {
    byte[] spki = new byte[P256_SPKI_PREFIX.length + uncompressedPoint.length];
    System.arraycopy(P256_SPKI_PREFIX, 0, spki, 0, P256_SPKI_PREFIX.length);
    System.arraycopy(uncompressedPoint, 0, spki, P256_SPKI_PREFIX.length, uncompressedPoint.length);
    return KeyFactory.getInstance("EC", provider).generatePublic(new X509EncodedKeySpec(spki));
  }

  @Override
  public boolean verify(Object key, byte[] digest, BigInteger r, BigInteger s) {
    return verify((PublicKey) key, digest, r, s, Ecdsa.domain().getN());
  }

  /** Whether {@code (r, s)} signs {@code digest} under {@code key}; any library error means no. */
  private boolean verify(PublicKey key, byte[] digest, BigInteger r, BigInteger s, BigInteger n) {
    try {
      Signature v = verifiers.get();
      v.initVerify(key);
      v.update(digest);
      return v.verify(StandardDSAEncoding.INSTANCE.encode(n, r, s));
    } catch (GeneralSecurityException | java.io.IOException | RuntimeException e) {
      return false;
    }
  }

  /**
   * Signs a random digest with BouncyCastle under a fresh key and requires this engine to accept
   * it, and to refuse it for a changed digest, a changed {@code s} and another key.
   */
  private String knownAnswerFailure() {
    try {
      SecureRandom random = new SecureRandom();
      ECKeyPairGenerator generator = new ECKeyPairGenerator();
      generator.init(new ECKeyGenerationParameters(Ecdsa.domain(), random));
      AsymmetricCipherKeyPair pair = generator.generateKeyPair();
      AsymmetricCipherKeyPair other = generator.generateKeyPair();
      byte[] digest = new byte[32];
      random.nextBytes(digest);
      ECDSASigner signer = new ECDSASigner();
      signer.init(true, pair.getPrivate());
      BigInteger[] rs = signer.generateSignature(digest);
      BigInteger n = Ecdsa.domain().getN();
      PublicKey key = publicKey(((ECPublicKeyParameters) pair.getPublic()).getQ().getEncoded(false));
      PublicKey otherKey = publicKey(((ECPublicKeyParameters) other.getPublic()).getQ().getEncoded(false));
      byte[] changed = digest.clone();
      changed[31] ^= 1;
      BigInteger otherS = rs[1].equals(BigInteger.ONE) ? BigInteger.TWO : BigInteger.ONE;
      if (!verify(key, digest, rs[0], rs[1], n)) {
        return "AWS-LC refused a valid signature in its start-up check";
      }
      if (verify(key, changed, rs[0], rs[1], n) || verify(key, digest, rs[0], otherS, n)
          || verify(otherKey, digest, rs[0], rs[1], n)) {
        return "AWS-LC accepted an invalid signature in its start-up check";
      }
      return null;
    } catch (GeneralSecurityException | RuntimeException e) {
      return "AWS-LC failed its start-up check: " + e;
    }
  }
}
