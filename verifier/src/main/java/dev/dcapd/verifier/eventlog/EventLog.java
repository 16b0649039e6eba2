package dev.dcapd.verifier.eventlog;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A dstack TDX event log, read from the JSON the guest agent returns (GetQuote, Tappd.TdxQuote,
 * the {@code tcb_info} of Info, dstack-verifier requests), in either format: up to 0.5.5 every
 * event carries digest and payload; from 0.5.6 on runtime events come with an empty digest and
 * boot events with an empty payload.
 */
public final class EventLog {
  /** More events than any boot produces; a cap so a hostile log cannot make us allocate without end. */
  public static final int MAX_EVENTS = 65_536;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final List<TdxEvent> events;

  private EventLog(List<TdxEvent> events) {
    this.events = List.copyOf(events);
  }

  /** An event log of these events, in log order. */
  public static EventLog of(List<TdxEvent> events) {
    return new EventLog(events);
  }

  /**
   * Parses the JSON array of events, or a JSON string whose content is that array (the agent
   * returns {@code event_log} as a string holding JSON).
   */
  public static EventLog parse(String json) throws DcapException {
    JsonNode node;
    try {
      node = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw malformed("the event log is not JSON: " + e.getOriginalMessage());
    }
    if (node == null) {
      throw malformed("the event log is empty");
    }
    return fromJson(node);
  }

  /** Reads an already parsed event log: an array of events or a string holding one. */
  public static EventLog fromJson(JsonNode node) throws DcapException {
    if (node.isTextual()) {
      try {
        node = JSON.readTree(node.textValue());
      } catch (JsonProcessingException e) {
        throw malformed("the event log string does not hold JSON: " + e.getOriginalMessage());
      }
    }
    if (node == null || !node.isArray()) {
      throw malformed("the event log is not a JSON array of events");
    }
    ArrayNode array = (ArrayNode) node;
    if (array.size() > MAX_EVENTS) {
      throw malformed("the event log has " + array.size() + " events, more than " + MAX_EVENTS);
    }
    List<TdxEvent> events = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      events.add(event(array.get(i), i));
    }
    return new EventLog(events);
  }

  private static TdxEvent event(JsonNode e, int index) throws DcapException {
    if (!e.isObject()) {
      throw malformed("event " + index + " is not an object");
    }
    long imr = unsigned(e, "imr", index);
    long type = unsigned(e, "event_type", index);
    if (imr >= TdxEvent.RTMR_COUNT) {
      throw malformed("event " + index + " names RTMR " + imr + "; a TD has RTMR0-3");
    }
    Bytes digest = hex(e, "digest", index);
    if (digest.length() != 0 && digest.length() != TdxEvent.DIGEST_SIZE) {
      throw malformed("event " + index + " has a " + digest.length() + "-byte digest; SHA-384 gives 48");
    }
    JsonNode name = e.get("event");
    if (name != null && !name.isNull() && !name.isTextual()) {
      throw malformed("event " + index + ": \"event\" is not a string");
    }
    int version = 1;
    JsonNode v = e.get("version");
    if (v != null && !v.isNull()) {
      if (!v.canConvertToInt() || !v.isIntegralNumber() || (v.intValue() != 1 && v.intValue() != 2)) {
        throw malformed("event " + index + " has version " + v + "; versions 1 and 2 exist");
      }
      version = v.intValue();
    }
    Optional<Bytes> preimage = e.hasNonNull("preimage") ? Optional.of(hex(e, "preimage", index)) : Optional.empty();
    return new TdxEvent((int) imr, type, digest, name == null || name.isNull() ? "" : name.textValue(),
        hex(e, "event_payload", index), version, preimage);
  }

  private static long unsigned(JsonNode e, String field, int index) throws DcapException {
    JsonNode n = e.get(field);
    if (n == null || !n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < 0 || n.longValue() > 0xFFFF_FFFFL) {
      throw malformed("event " + index + ": \"" + field + "\" is missing or not a u32");
    }
    return n.longValue();
  }

  // The agent writes bytes as lower-case hex without 0x; absent and null mean empty (serde default).
  private static Bytes hex(JsonNode e, String field, int index) throws DcapException {
    JsonNode n = e.get(field);
    if (n == null || n.isNull()) {
      return Bytes.empty();
    }
    if (!n.isTextual()) {
      throw malformed("event " + index + ": \"" + field + "\" is not a hex string");
    }
    try {
      return Bytes.fromHex(n.textValue());
    } catch (IllegalArgumentException ex) {
      throw malformed("event " + index + ": \"" + field + "\" is not hex");
    }
  }

  private static DcapException malformed(String message) {
    return new DcapException(FailureCode.EVENT_LOG_MALFORMED, message);
  }

  public List<TdxEvent> events() {
    return events;
  }

  /**
   * Replays the log: each RTMR starts at 48 zero bytes and is extended, in log order, with
   * SHA-384(RTMR ‖ digest). Runtime events are extended with the digest their content gives; a
   * stated digest that differs from it is an {@link FailureCode#EVENT_LOG_MISMATCH}. Any other
   * event must state its 48-byte digest ({@link FailureCode#EVENT_LOG_MALFORMED} otherwise).
   */
  public Replay replay() throws DcapException {
    byte[][] rtmr = new byte[TdxEvent.RTMR_COUNT][TdxEvent.DIGEST_SIZE];
    List<Bytes> digests = new ArrayList<>(events.size());
    for (int i = 0; i < events.size(); i++) {
      Bytes digest = digestOf(events.get(i), i);
      digests.add(digest);
      int imr = events.get(i).imr();
      byte[] joined = new byte[2 * TdxEvent.DIGEST_SIZE];
      System.arraycopy(rtmr[imr], 0, joined, 0, TdxEvent.DIGEST_SIZE);
      digest.copyTo(joined, TdxEvent.DIGEST_SIZE);
      rtmr[imr] = RuntimeEventDigest.sha384(Bytes.of(joined)).toByteArray();
    }
    List<Bytes> values = new ArrayList<>(TdxEvent.RTMR_COUNT);
    for (byte[] r : rtmr) {
      values.add(Bytes.of(r));
    }
    return new Replay(values, digests);
  }

  private static Bytes digestOf(TdxEvent e, int index) throws DcapException {
    if (!e.isRuntimeEvent()) {
      if (e.digest().length() != TdxEvent.DIGEST_SIZE) {
        throw malformed("event " + index + " (type 0x" + Long.toHexString(e.eventType())
            + ") has no digest; only runtime events may leave it out");
      }
      return e.digest();
    }
    if (e.version() == 2) {
      Bytes canonical = RuntimeEventDigest.v2Preimage(e.eventType(), e.event(), e.payload());
      if (e.preimage().isPresent() && !e.preimage().get().equals(canonical)) {
        throw new DcapException(FailureCode.EVENT_LOG_MISMATCH,
            "event " + index + " (" + e.event() + "): its preimage is not the canonical form of its content");
      }
    }
    Bytes computed = RuntimeEventDigest.of(e);
    if (e.digest().length() != 0 && !e.digest().equals(computed)) {
      throw new DcapException(FailureCode.EVENT_LOG_MISMATCH,
          "event " + index + " (" + e.event() + "): its digest is not the one its name and payload give");
    }
    return computed;
  }
}
