package dev.dcapd.daemon.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.verify.Ecdsa;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.math.ec.ECPoint;
import org.junit.jupiter.api.Test;

/**
 * AWS-LC and BouncyCastle give the same answer on every input: valid signatures, each kind of
 * one-change forgery, the malleable {@code (r, n - s)} twin, and out-of-range scalars. The engine
 * that runs in production must never be the only one that has seen an input class.
 */
class EcdsaEnginesTest {
  private static final BigInteger N = Ecdsa.domain().getN();

  private static final AwsLcEcdsa.Loaded LOADED = AwsLcEcdsa.load();

  @Test
  void theNativeEngineLoadsOnLinuxX8664() {
    // CI runs on linux-x86_64: if AWS-LC silently failed there, every figure in the README would be wrong.
    boolean linuxX86 = System.getProperty("os.name").toLowerCase().contains("linux")
        && List.of("amd64", "x86_64").contains(System.getProperty("os.arch"));
    assumeTrue(linuxX86);
    assertNotNull(LOADED.engine(), LOADED.unavailableReason());
    assertTrue(LOADED.engine().name().startsWith("aws-lc"), LOADED.engine().name());
  }

  private record Case(String kind, Ecdsa.Key key, byte[] digest, BigInteger r, BigInteger s, boolean valid) {}

  private static Ecdsa.Key key(BigInteger d) {
    ECPoint q = Ecdsa.domain().getG().multiply(d).normalize();
    return Ecdsa.rawKey(Bytes.of(q.getEncoded(false)).slice(1, 64));
  }

  /** Seeded cases: for each of many keys, a valid signature and its forgeries. */
  private static List<Case> cases(int keys) {
    Random random = new Random(20261122L);
    List<Case> out = new ArrayList<>();
    for (int i = 0; i < keys; i++) {
      BigInteger d = new BigInteger(256, random).mod(N.subtract(BigInteger.ONE)).add(BigInteger.ONE);
      Ecdsa.Key key = key(d);
      Ecdsa.Key other = key(d.add(BigInteger.ONE));
      byte[] digest = new byte[32];
      random.nextBytes(digest);
      ECDSASigner signer = new ECDSASigner(new HMacDSAKCalculator(new SHA256Digest()));
      signer.init(true, new ECPrivateKeyParameters(d, Ecdsa.domain()));
      BigInteger[] rs = signer.generateSignature(digest);
      BigInteger r = rs[0];
      BigInteger s = rs[1];
      byte[] flipped = digest.clone();
      flipped[random.nextInt(32)] ^= (byte) (1 << random.nextInt(8));
      out.add(new Case("valid", key, digest, r, s, true));
      out.add(new Case("high-s twin", key, digest, r, N.subtract(s), true));
      out.add(new Case("digest bit", key, flipped, r, s, false));
      out.add(new Case("r bit", key, digest, r.flipBit(random.nextInt(255)), s, false));
      out.add(new Case("s bit", key, digest, r, s.flipBit(random.nextInt(255)), false));
      out.add(new Case("other key", other, digest, r, s, false));
      out.add(new Case("r + n", key, digest, r.add(N), s, false));
      out.add(new Case("s + n", key, digest, r, s.add(N), false));
      out.add(new Case("r = 0", key, digest, BigInteger.ZERO, s, false));
      out.add(new Case("s = 0", key, digest, r, BigInteger.ZERO, false));
      out.add(new Case("r = n", key, digest, N, s, false));
      out.add(new Case("s = n", key, digest, r, N, false));
      out.add(new Case("swapped", key, digest, s, r, false));
    }
    return out;
  }

  @Test
  void bothEnginesAgreeWithTheTruthOnEveryCase() {
    AwsLcEcdsa aws = LOADED.engine();
    assumeTrue(aws != null, "AWS-LC is not available here: " + LOADED.unavailableReason());
    List<String> wrong = new ArrayList<>();
    List<Case> all = cases(150);
    for (Case c : all) {
      boolean bc = Ecdsa.verify(null, c.key(), c.digest(), c.r(), c.s());
      boolean lc = Ecdsa.verify(aws, c.key(), c.digest(), c.r(), c.s());
      if (bc != c.valid() || lc != c.valid()) {
        wrong.add(c.kind() + ": expected " + c.valid() + ", bouncycastle " + bc + ", aws-lc " + lc);
      }
    }
    assertEquals(List.of(), wrong);
    assertEquals(150 * 13, all.size());
  }

  @Test
  void aKeyIsUsableByBothEnginesInEitherOrder() {
    AwsLcEcdsa aws = LOADED.engine();
    assumeTrue(aws != null, "AWS-LC is not available here: " + LOADED.unavailableReason());
    for (Case c : cases(3)) {
      if (c.kind().equals("valid")) {
        assertTrue(Ecdsa.verify(aws, c.key(), c.digest(), c.r(), c.s()));
        assertTrue(Ecdsa.verify(null, c.key(), c.digest(), c.r(), c.s()));
        assertTrue(Ecdsa.verify(aws, c.key(), c.digest(), c.r(), c.s()));
      }
    }
  }

  @Test
  void aDigestOfAnotherLengthIsNeverVerified() {
    for (Case c : cases(2)) {
      if (c.kind().equals("valid")) {
        byte[] longer = java.util.Arrays.copyOf(c.digest(), 33);
        assertEquals(false, Ecdsa.verify(null, c.key(), longer, c.r(), c.s()));
        assertEquals(false, Ecdsa.verify(LOADED.engine(), c.key(), longer, c.r(), c.s()));
      }
    }
  }
}
