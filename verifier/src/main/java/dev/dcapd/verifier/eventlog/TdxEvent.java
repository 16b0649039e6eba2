package dev.dcapd.verifier.eventlog;

import dev.dcapd.verifier.Bytes;
import java.util.Objects;
import java.util.Optional;

/**
 * One entry of a dstack TDX event log as the guest agent serialises it: the RTMR it extends
 * ({@code imr}, 0-based), the TCG event type, the digest as given (empty when the agent left it
 * out, as 0.5.6+ does for runtime events), a name ({@code event}) and the payload.
 *
 * @param version 1 for every released agent; 2 for the JCS-digest runtime events of 0.6
 * @param preimage the canonical JSON a version-2 runtime event was hashed from, as given
 */
public record TdxEvent(int imr, long eventType, Bytes digest, String event, Bytes payload, int version,
    Optional<Bytes> preimage) {
  /** The event type dstack uses for its own (RTMR3) runtime events. */
  public static final long RUNTIME_EVENT_TYPE = 0x08000001L;
  /** Size of a SHA-384 digest, the only digest TDX RTMRs use. */
  public static final int DIGEST_SIZE = 48;
  /** Number of RTMRs a TD has. */
  public static final int RTMR_COUNT = 4;

  public TdxEvent {
    Objects.requireNonNull(digest, "digest");
    Objects.requireNonNull(event, "event");
    Objects.requireNonNull(payload, "payload");
    Objects.requireNonNull(preimage, "preimage");
    if (imr < 0 || imr >= RTMR_COUNT) {
      throw new IllegalArgumentException("imr is 0-3, not " + imr);
    }
    if (eventType < 0 || eventType > 0xFFFF_FFFFL) {
      throw new IllegalArgumentException("event_type is a u32, not " + eventType);
    }
    if (version != 1 && version != 2) {
      throw new IllegalArgumentException("event version is 1 or 2, not " + version);
    }
  }

  /** A version-1 event. */
  public static TdxEvent of(int imr, long eventType, Bytes digest, String event, Bytes payload) {
    return new TdxEvent(imr, eventType, digest, event, payload, 1, Optional.empty());
  }

  /** Whether this is one of dstack's runtime events, whose digest is defined by its content. */
  public boolean isRuntimeEvent() {
    return eventType == RUNTIME_EVENT_TYPE;
  }
}
