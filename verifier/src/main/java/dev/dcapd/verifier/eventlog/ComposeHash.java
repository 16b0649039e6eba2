package dev.dcapd.verifier.eventlog;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Checks the compose hash dstack measured into RTMR3 against an app-compose.json: SHA-256 of the
 * file's exact bytes (what the VMM hashed), or else of its normalised form (keys sorted at every
 * level, compact, UTF-8), which is what dstack's SDKs compute from a parsed compose. A file with a
 * key twice in one object has no normalised form.
 */
public final class ComposeHash {
  /** Which form of the app-compose.json gave the measured hash. */
  public enum Form {
    EXACT,
    NORMALISED
  }

  // Duplicate keys are refused: normalising keeps one value per key, so files that differ only in
  // a duplicate's other value would all match one measured hash while their readers (first wins
  // or last wins) see different composes.
  private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
  private static final ObjectMapper SORTED = new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

  private ComposeHash() {}

  /** SHA-256 of the exact bytes of an app-compose.json. */
  public static Bytes of(byte[] appCompose) {
    try {
      return Bytes.of(MessageDigest.getInstance("SHA-256").digest(appCompose));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JDK", e);
    }
  }

  /**
   * The normalised form of an app-compose.json: sorted keys, no whitespace, UTF-8.
   *
   * @throws DcapException {@code COMPOSE_HASH_MISMATCH} if it is not JSON or has a key twice in one
   *     object, at any depth
   */
  public static byte[] normalise(byte[] appCompose) throws DcapException {
    try {
      Object tree = JSON.readValue(appCompose, Object.class);
      return SORTED.writeValueAsString(tree).getBytes(StandardCharsets.UTF_8);
    } catch (JsonProcessingException e) {
      throw new DcapException(
          FailureCode.COMPOSE_HASH_MISMATCH, "app-compose.json is not JSON with unique keys: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new DcapException(FailureCode.COMPOSE_HASH_MISMATCH, "app-compose.json cannot be read: " + e.getMessage());
    }
  }

  /**
   * Passes, saying which form matched, when {@code info}'s compose hash is that of
   * {@code appCompose}; {@link FailureCode#COMPOSE_HASH_MISMATCH} when the log has no compose hash
   * or neither form gives it; a file whose exact bytes do not match and that has a key twice in
   * one object fails too (see {@link #normalise}). The exact bytes are compared first, without
   * parsing: a match there is the file the VMM measured, byte for byte.
   */
  public static Form check(DstackAppInfo info, byte[] appCompose) throws DcapException {
    Bytes measured = info.composeHash().orElseThrow(() ->
        new DcapException(FailureCode.COMPOSE_HASH_MISMATCH, "the event log has no compose-hash event"));
    if (measured.equals(of(appCompose))) {
      return Form.EXACT;
    }
    if (measured.equals(of(normalise(appCompose)))) {
      return Form.NORMALISED;
    }
    throw new DcapException(FailureCode.COMPOSE_HASH_MISMATCH,
        "the measured compose hash " + measured.hex() + " is not that of the given app-compose.json");
  }
}
