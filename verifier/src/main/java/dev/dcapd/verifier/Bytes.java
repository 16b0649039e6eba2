package dev.dcapd.verifier;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * An immutable byte string: the value type of every byte field in the quote and collateral models.
 *
 * <p>Arrays are copied in and out, so a model built from {@code Bytes} cannot be changed behind
 * its back. {@link #equals} compares contents; {@link #constantTimeEquals} is for secrets.
 */
public final class Bytes implements Comparable<Bytes> {
  private static final HexFormat HEX = HexFormat.of();
  private static final Bytes EMPTY = new Bytes(new byte[0]);

  private final byte[] value;
  // Lazily computed, as String does: Bytes key many memo maps (chains, collateral, checksums).
  private int hash;
  private boolean hashIsZero;

  private Bytes(byte[] owned) {
    this.value = owned;
  }

  /** A copy of {@code value}. */
  public static Bytes of(byte[] value) {
    return value.length == 0 ? EMPTY : new Bytes(value.clone());
  }

  /** A copy of {@code length} bytes of {@code value} starting at {@code offset}. */
  public static Bytes of(byte[] value, int offset, int length) {
    return length == 0 ? EMPTY : new Bytes(Arrays.copyOfRange(value, offset, offset + length));
  }

  /** {@code length} zero bytes. */
  public static Bytes zeros(int length) {
    return length == 0 ? EMPTY : new Bytes(new byte[length]);
  }

  public static Bytes empty() {
    return EMPTY;
  }

  /** Parses hex text (either case, optional {@code 0x} prefix). */
  public static Bytes fromHex(String hex) {
    String s = hex.startsWith("0x") || hex.startsWith("0X") ? hex.substring(2) : hex;
    return new Bytes(HEX.parseHex(s));
  }

  /** Wraps without copying; only for arrays nobody else holds. */
  static Bytes wrap(byte[] owned) {
    return new Bytes(owned);
  }

  public int length() {
    return value.length;
  }

  public byte get(int index) {
    return value[index];
  }

  /** The byte at {@code index} as an unsigned value. */
  public int unsigned(int index) {
    return value[index] & 0xff;
  }

  /** A copy of the contents. */
  public byte[] toByteArray() {
    return value.clone();
  }

  /** Copies the contents into {@code dest} at {@code offset}. */
  public void copyTo(byte[] dest, int offset) {
    System.arraycopy(value, 0, dest, offset, value.length);
  }

  public Bytes slice(int offset, int length) {
    return of(value, offset, length);
  }

  public boolean isAllZero() {
    for (byte b : value) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }

  /** Lower-case hex without prefix. */
  public String hex() {
    return HEX.formatHex(value);
  }

  /** Lower-case hex with a {@code 0x} prefix, as in the JSON renderings. */
  public String hex0x() {
    return "0x" + hex();
  }

  /** Content comparison whose time does not depend on where the first difference is. */
  public boolean constantTimeEquals(Bytes other) {
    return MessageDigest.isEqual(value, other.value);
  }

  /** Feeds the contents to a digest without copying. */
  public void updateDigest(MessageDigest digest) {
    digest.update(value);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Bytes other && Arrays.equals(value, other.value);
  }

  @Override
  public int hashCode() {
    int h = hash;
    if (h == 0 && !hashIsZero) {
      h = hashOf(value);
      if (h == 0) {
        hashIsZero = true;
      } else {
        hash = h;
      }
    }
    return h;
  }

  /**
   * A hash read eight bytes at a time: PEM chains and collateral of several kilobytes key memo maps
   * and are hashed once per request, where {@code Arrays.hashCode}'s byte loop showed in profiles.
   */
  private static int hashOf(byte[] b) {
    // Each word is mixed with rotations before it joins, as in MurMur3's 64-bit rounds, so a bit
    // in any position of any word reaches every bit of the result; then MurMur3's finaliser.
    long h = b.length;
    int i = 0;
    for (; i + Long.BYTES <= b.length; i += Long.BYTES) {
      h ^= Long.rotateLeft((long) LONGS.get(b, i) * C1, 31) * C2;
      h = Long.rotateLeft(h, 27) * 5 + 0x52dce729;
    }
    for (; i < b.length; i++) {
      h ^= Long.rotateLeft((b[i] & 0xffL) * C1, 31) * C2;
      h = Long.rotateLeft(h, 27) * 5 + 0x52dce729;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return (int) h;
  }

  private static final long C1 = 0x87c37b91114253d5L;
  private static final long C2 = 0x4cf5ad432745937fL;
  private static final java.lang.invoke.VarHandle LONGS =
      java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

  /** Unsigned lexicographic order. */
  @Override
  public int compareTo(Bytes o) {
    return Arrays.compareUnsigned(value, o.value);
  }

  @Override
  public String toString() {
    return hex();
  }
}
