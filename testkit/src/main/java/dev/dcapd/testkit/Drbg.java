package dev.dcapd.testkit;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Deterministic bytes from a seed and a label (HMAC-SHA256 in counter mode), so that every key,
 * serial number and measurement of a forged case follows from its seed alone.
 */
final class Drbg {
  private static final String HMAC = "HmacSHA256";
  private static final int BLOCK = 32;

  private final byte[] key;

  Drbg(long seed) {
    this.key = ByteBuffer.allocate(Long.BYTES).putLong(seed).array();
  }

  /** {@code length} bytes named by {@code label}; the same label always gives the same bytes. */
  byte[] bytes(String label, int length) {
    byte[] out = new byte[length];
    byte[] name = label.getBytes(StandardCharsets.UTF_8);
    try {
      Mac mac = Mac.getInstance(HMAC);
      mac.init(new SecretKeySpec(key, HMAC));
      for (int counter = 0, off = 0; off < length; counter++, off += BLOCK) {
        mac.update(name);
        mac.update(ByteBuffer.allocate(Integer.BYTES).putInt(counter).array());
        byte[] block = mac.doFinal();
        System.arraycopy(block, 0, out, off, Math.min(BLOCK, length - off));
      }
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 is required of every JDK", e);
    }
    return out;
  }
}
