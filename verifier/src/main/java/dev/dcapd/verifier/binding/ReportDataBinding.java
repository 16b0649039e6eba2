package dev.dcapd.verifier.binding;

import dev.dcapd.verifier.Bytes;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;
import java.util.Optional;
import org.bouncycastle.crypto.digests.KeccakDigest;

/**
 * dcapd's rule for binding an application key (and optionally a caller's nonce) into the 64
 * bytes of report_data, so that a quote proves "this key lives in this TEE". Any verifier, in any
 * language or on chain, checks it from the public key alone:
 *
 * <pre>
 * offset size  field
 *  0      8    magic "dcapdbv1" (ASCII)
 *  8      1    key type: 1 = P-256, 2 = secp256k1
 *  9      3    zero
 * 12     20    key id: P-256     -> SHA-256(X ‖ Y)[0..20]
 *                      secp256k1 -> Keccak-256(X ‖ Y)[12..32] (the Ethereum address)
 * 32     32    nonce: SHA-256(caller's nonce bytes), or 32 zero bytes without a nonce
 * </pre>
 *
 * X ‖ Y is the 64-byte uncompressed public key without its 0x04 prefix. The key id sits where a
 * Solidity contract reads it as an {@code address}/{@code bytes20} with one slice.
 */
public final class ReportDataBinding {
  /** The 8 ASCII bytes every bound report_data starts with. */
  public static final Bytes MAGIC = Bytes.of("dcapdbv1".getBytes(StandardCharsets.US_ASCII));
  public static final int MAGIC_START = 0;
  public static final int MAGIC_END = MAGIC_START + 8;
  public static final int KEY_TYPE_AT = MAGIC_END;
  public static final int RESERVED_START = KEY_TYPE_AT + 1;
  public static final int RESERVED_END = RESERVED_START + 3;
  public static final int KEY_ID_START = RESERVED_END;
  public static final int KEY_ID_END = KEY_ID_START + 20;
  public static final int NONCE_START = KEY_ID_END;
  public static final int NONCE_END = NONCE_START + 32;
  public static final int SIZE = NONCE_END;
  /** Length of an uncompressed public key without the 0x04 prefix. */
  public static final int PUBLIC_KEY_SIZE = 64;

  private ReportDataBinding() {}

  /** A decoded binding: which kind of key, its id, and the nonce field. */
  public record Binding(KeyType keyType, Bytes keyId, Bytes nonceHash) {
    public Binding {
      Objects.requireNonNull(keyType, "keyType");
      if (keyId.length() != KEY_ID_END - KEY_ID_START || nonceHash.length() != NONCE_END - NONCE_START) {
        throw new IllegalArgumentException("a key id is 20 bytes and a nonce hash 32");
      }
    }

    /** Whether no nonce was bound (the nonce field is all zero). */
    public boolean hasNoNonce() {
      return nonceHash.isAllZero();
    }
  }

  /**
   * The 64-byte report_data for {@code publicKey} (X ‖ Y, 64 bytes) and an optional nonce.
   */
  public static Bytes encode(KeyType type, Bytes publicKey, Optional<Bytes> nonce) {
    byte[] out = new byte[SIZE];
    MAGIC.copyTo(out, MAGIC_START);
    out[KEY_TYPE_AT] = (byte) type.code();
    keyId(type, publicKey).copyTo(out, KEY_ID_START);
    nonce.ifPresent(n -> nonceHash(n).copyTo(out, NONCE_START));
    return Bytes.of(out);
  }

  /** The key id of {@code publicKey} under {@code type}. */
  public static Bytes keyId(KeyType type, Bytes publicKey) {
    if (publicKey.length() != PUBLIC_KEY_SIZE) {
      throw new IllegalArgumentException("a public key is given as X ‖ Y, 64 bytes, not " + publicKey.length());
    }
    byte[] key = publicKey.toByteArray();
    if (type == KeyType.P256) {
      return Bytes.of(sha256(key), 0, KEY_ID_END - KEY_ID_START);
    }
    KeccakDigest keccak = new KeccakDigest(256);
    keccak.update(key, 0, key.length);
    byte[] h = new byte[32];
    keccak.doFinal(h, 0);
    return Bytes.of(h, 12, 20);
  }

  /** SHA-256 of a caller's nonce, as it appears in report_data. */
  public static Bytes nonceHash(Bytes nonce) {
    return Bytes.of(sha256(nonce.toByteArray()));
  }

  /** Reads a binding, or empty if {@code reportData} does not follow this layout. */
  public static Optional<Binding> decode(Bytes reportData) {
    if (reportData.length() != SIZE || !reportData.slice(MAGIC_START, MAGIC_END - MAGIC_START).equals(MAGIC)) {
      return Optional.empty();
    }
    KeyType type = KeyType.fromCode(reportData.unsigned(KEY_TYPE_AT));
    if (type == null || !reportData.slice(RESERVED_START, RESERVED_END - RESERVED_START).isAllZero()) {
      return Optional.empty();
    }
    return Optional.of(new Binding(type, reportData.slice(KEY_ID_START, KEY_ID_END - KEY_ID_START),
        reportData.slice(NONCE_START, NONCE_END - NONCE_START)));
  }

  /**
   * Whether {@code reportData} binds exactly this key and this nonce (none: the nonce field must be
   * zero). Compared in constant time.
   */
  public static boolean matches(Bytes reportData, KeyType type, Bytes publicKey, Optional<Bytes> nonce) {
    return reportData.length() == SIZE && encode(type, publicKey, nonce).constantTimeEquals(reportData);
  }

  private static byte[] sha256(byte[] b) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(b);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JDK", e);
    }
  }
}
