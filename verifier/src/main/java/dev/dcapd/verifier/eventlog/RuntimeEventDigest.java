package dev.dcapd.verifier.eventlog;

import dev.dcapd.verifier.Bytes;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The digest a dstack runtime event (type {@code 0x08000001}) extends RTMR3 with, computed from
 * its name and payload, so that a verifier never has to trust a digest the log states.
 *
 * <ul>
 *   <li>version 1 (every released agent): {@code SHA-384(u32le(type) ‖ ":" ‖ utf8(name) ‖ ":" ‖ payload)}
 *   <li>version 2 (0.6, opt-in): {@code SHA-384(JCS({"name":name,"payload":hex(payload),"type":type}))},
 *       the RFC 8785 canonical form, whose keys already sort as written
 * </ul>
 */
public final class RuntimeEventDigest {
  private static final byte[] COLON = {':'};

  private RuntimeEventDigest() {}

  /** The version-1 pre-image of an event. */
  public static Bytes v1Preimage(long eventType, String name, Bytes payload) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int type = (int) eventType;
    out.write(type);
    out.write(type >>> 8);
    out.write(type >>> 16);
    out.write(type >>> 24);
    out.writeBytes(COLON);
    out.writeBytes(name.getBytes(StandardCharsets.UTF_8));
    out.writeBytes(COLON);
    out.writeBytes(payload.toByteArray());
    return Bytes.of(out.toByteArray());
  }

  /** The version-2 pre-image: the canonical (RFC 8785) JSON text of the event, UTF-8. */
  public static Bytes v2Preimage(long eventType, String name, Bytes payload) {
    StringBuilder json = new StringBuilder("{\"name\":");
    appendJcsString(json, name);
    json.append(",\"payload\":\"").append(payload.hex()).append("\",\"type\":").append(eventType).append('}');
    return Bytes.of(json.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** The digest of {@code event} under its version's rule. */
  public static Bytes of(TdxEvent event) {
    Bytes preimage = event.version() == 2
        ? v2Preimage(event.eventType(), event.event(), event.payload())
        : v1Preimage(event.eventType(), event.event(), event.payload());
    return sha384(preimage);
  }

  static Bytes sha384(Bytes data) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-384");
      data.updateDigest(md);
      return Bytes.of(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-384 is required of every JDK", e);
    }
  }

  // RFC 8785 strings are ECMAScript JSON.stringify strings: only '"', '\\' and control characters
  // are escaped, with the short forms where JSON has them and lower-case \\u00xx otherwise.
  private static void appendJcsString(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20 || (Character.isSurrogate(c) && !isPairedSurrogate(s, i))) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }

  private static boolean isPairedSurrogate(String s, int i) {
    char c = s.charAt(i);
    if (Character.isHighSurrogate(c)) {
      return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
    }
    return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
  }
}
