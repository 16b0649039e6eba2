package dev.dcapd.verifier.policy;

import dev.dcapd.verifier.Bytes;
import java.util.Objects;

/**
 * A rule on a bit field: the bits under {@code mask} must equal {@code value}'s. Both are byte
 * strings in the quote's own byte order (TD attributes, XFAM and SGX attributes are little-endian
 * fields, written byte by byte as the quote holds them).
 */
public record Masked(Bytes mask, Bytes value) {
  public Masked {
    Objects.requireNonNull(mask, "mask");
    Objects.requireNonNull(value, "value");
    if (mask.length() != value.length()) {
      throw new IllegalArgumentException("mask and value differ in length: " + mask.length() + " and " + value.length());
    }
    for (int i = 0; i < mask.length(); i++) {
      if ((value.unsigned(i) & ~mask.unsigned(i)) != 0) {
        throw new IllegalArgumentException("value " + value.hex0x() + " sets bits outside mask " + mask.hex0x());
      }
    }
  }

  /** Whether {@code actual}, of the same length, has {@code value}'s bits under the mask. */
  public boolean matches(Bytes actual) {
    if (actual.length() != mask.length()) {
      return false;
    }
    for (int i = 0; i < mask.length(); i++) {
      if ((actual.unsigned(i) & mask.unsigned(i)) != value.unsigned(i)) {
        return false;
      }
    }
    return true;
  }
}
