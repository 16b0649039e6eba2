package dev.dcapd.verifier;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Reads the real test vectors under {@code src/test/resources/vectors/} (see its README). */
public final class Vectors {
  private Vectors() {}

  /** The bytes of {@code vectors/<path>}. */
  public static byte[] bytes(String path) {
    try (InputStream in = Vectors.class.getResourceAsStream("/vectors/" + path)) {
      if (in == null) {
        throw new IllegalArgumentException("no vector " + path);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The text of {@code vectors/<path>}. */
  public static String text(String path) {
    return new String(bytes(path), StandardCharsets.UTF_8);
  }
}
