package dev.dcapd.sidecar.agent;

import dev.dcapd.verifier.Bytes;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Locale;
import org.bouncycastle.crypto.digests.KeccakDigest;

/**
 * The 64 bytes of report_data each guest-agent endpoint makes from the caller's data, so the
 * sidecar knows what the quote must carry before it asks:
 *
 * <ul>
 *   <li>{@code GetQuote} / {@code Attest}: the data verbatim, at most 64 bytes, zero-padded on the right
 *   <li>{@code Tappd.TdxQuote}: {@code H(tag ‖ ":" ‖ data)} zero-padded on the right, where the tag is
 *       the prefix or {@code "app-data"} when it is empty, and the colon is always added; {@code raw}
 *       takes exactly 64 bytes verbatim and ignores the prefix
 *   <li>the legacy Tappd SDKs' {@code raw} mode: data zero-padded on the <em>left</em> before sending
 * </ul>
 */
public final class ReportDataRules {
  public static final int SIZE = 64;
  /** The tag Tappd.TdxQuote uses when the prefix is empty. */
  public static final String DEFAULT_TAG = "app-data";
  /** The algorithm Tappd.TdxQuote uses when none is named. */
  public static final String DEFAULT_HASH = "sha512";
  public static final String RAW = "raw";
  /** Every {@code hash_algorithm} Tappd.TdxQuote accepts. */
  public static final List<String> HASH_ALGORITHMS = List.of("sha256", "sha384", "sha512", "sha3-256", "sha3-384",
      "sha3-512", "keccak256", "keccak384", "keccak512", RAW);

  private ReportDataRules() {}

  /** GetQuote: {@code data} (≤ 64 bytes) at the start, zeros after. */
  public static Bytes getQuote(Bytes data) {
    if (data.length() > SIZE) {
      throw new IllegalArgumentException("GetQuote takes at most 64 bytes of report data, not " + data.length());
    }
    byte[] out = new byte[SIZE];
    data.copyTo(out, 0);
    return Bytes.of(out);
  }

  /** Tappd.TdxQuote with {@code hashAlgorithm} ("" = sha512) and {@code prefix} ("" = "app-data"). */
  public static Bytes tdxQuote(Bytes data, String hashAlgorithm, String prefix) {
    String alg = hashAlgorithm.isEmpty() ? DEFAULT_HASH : hashAlgorithm.toLowerCase(Locale.ROOT);
    if (alg.equals(RAW)) {
      if (data.length() != SIZE) {
        throw new IllegalArgumentException("raw report data is exactly 64 bytes, not " + data.length());
      }
      return data;
    }
    String tag = prefix.isEmpty() ? DEFAULT_TAG : prefix;
    byte[] head = (tag + ":").getBytes(StandardCharsets.UTF_8);
    byte[] input = new byte[head.length + data.length()];
    System.arraycopy(head, 0, input, 0, head.length);
    data.copyTo(input, head.length);
    return getQuote(Bytes.of(hash(alg, input)));
  }

  /** The legacy Tappd SDKs' raw mode: {@code data} (≤ 64 bytes) at the end, zeros before. */
  public static Bytes tappdSdkRaw(Bytes data) {
    if (data.length() > SIZE) {
      throw new IllegalArgumentException("at most 64 bytes of report data, not " + data.length());
    }
    byte[] out = new byte[SIZE];
    data.copyTo(out, SIZE - data.length());
    return Bytes.of(out);
  }

  private static byte[] hash(String alg, byte[] input) {
    return switch (alg) {
      case "sha256" -> jdk("SHA-256", input);
      case "sha384" -> jdk("SHA-384", input);
      case "sha512" -> jdk("SHA-512", input);
      case "sha3-256" -> jdk("SHA3-256", input);
      case "sha3-384" -> jdk("SHA3-384", input);
      case "sha3-512" -> jdk("SHA3-512", input);
      case "keccak256" -> keccak(256, input);
      case "keccak384" -> keccak(384, input);
      case "keccak512" -> keccak(512, input);
      default -> throw new IllegalArgumentException("invalid hash algorithm: " + alg);
    };
  }

  private static byte[] jdk(String name, byte[] input) {
    try {
      return MessageDigest.getInstance(name).digest(input);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(name + " is required of every JDK 17", e);
    }
  }

  // Original Keccak padding, not SHA-3's: what the agent's keccak* algorithms are.
  private static byte[] keccak(int bits, byte[] input) {
    KeccakDigest d = new KeccakDigest(bits);
    d.update(input, 0, input.length);
    byte[] out = new byte[bits / 8];
    d.doFinal(out, 0);
    return out;
  }
}
