package dev.dcapd.verifier.eventlog;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A dstack {@code VersionedAttestation} in its version-0 (SCALE) encoding, as the agent's
 * {@code Attest} call (0.5.6+) and dstack's simulator files carry it: a TDX quote, its event log,
 * the runtime events, the report data and the VM configuration. Version 1 (msgpack) is refused.
 *
 * <pre>
 * u8 version (0) ‖ u8 quote kind (0 = DstackTdx) ‖ Vec&lt;u8&gt; quote ‖ Vec&lt;TdxEvent&gt; event log
 *   ‖ Vec&lt;RuntimeEvent&gt; ‖ [u8; 64] report data ‖ String config
 * TdxEvent     = u32 imr ‖ u32 event type ‖ Vec&lt;u8&gt; digest ‖ String event ‖ Vec&lt;u8&gt; payload
 * RuntimeEvent = String event ‖ Vec&lt;u8&gt; payload
 * </pre>
 * Integers are little-endian; Vec and String lengths are SCALE compact integers.
 */
public record DstackAttestation(Bytes quote, EventLog eventLog, List<RuntimeEvent> runtimeEvents, Bytes reportData,
    String config) {
  private static final int VERSION_0 = 0;
  private static final int QUOTE_DSTACK_TDX = 0;
  private static final int REPORT_DATA_SIZE = 64;

  public DstackAttestation {
    runtimeEvents = List.copyOf(runtimeEvents);
  }

  /** A runtime event as listed beside the event log (name and payload). */
  public record RuntimeEvent(String event, Bytes payload) {}

  /** Parses version-0 attestation bytes. */
  public static DstackAttestation parse(byte[] bytes) throws DcapException {
    Reader r = new Reader(bytes);
    int version = r.u8();
    if (version != VERSION_0) {
      throw malformed("attestation version " + version + " is not supported (only the SCALE version 0 is)");
    }
    int kind = r.u8();
    if (kind != QUOTE_DSTACK_TDX) {
      throw malformed("attestation kind " + kind + " is not a dstack TDX quote");
    }
    Bytes quote = r.vec();
    int count = r.count(EventLog.MAX_EVENTS);
    List<TdxEvent> events = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      long imr = r.u32();
      long type = r.u32();
      Bytes digest = r.vec();
      String name = r.string();
      Bytes payload = r.vec();
      if (imr >= TdxEvent.RTMR_COUNT) {
        throw malformed("event " + i + " names RTMR " + imr + "; a TD has RTMR0-3");
      }
      if (digest.length() != 0 && digest.length() != TdxEvent.DIGEST_SIZE) {
        throw malformed("event " + i + " has a " + digest.length() + "-byte digest; SHA-384 gives 48");
      }
      events.add(TdxEvent.of((int) imr, type, digest, name, payload));
    }
    int runtimeCount = r.count(EventLog.MAX_EVENTS);
    List<RuntimeEvent> runtime = new ArrayList<>(runtimeCount);
    for (int i = 0; i < runtimeCount; i++) {
      runtime.add(new RuntimeEvent(r.string(), r.vec()));
    }
    Bytes reportData = r.fixed(REPORT_DATA_SIZE);
    String config = r.string();
    if (r.remaining() != 0) {
      throw malformed(r.remaining() + " bytes follow the attestation");
    }
    return new DstackAttestation(quote, EventLog.of(events), runtime, reportData, config);
  }

  private static DcapException malformed(String message) {
    return new DcapException(FailureCode.EVENT_LOG_MALFORMED, message);
  }

  private static final class Reader {
    private final ByteBuffer buf;

    Reader(byte[] bytes) {
      this.buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    int remaining() {
      return buf.remaining();
    }

    private void need(long n) throws DcapException {
      if (n > buf.remaining()) {
        throw malformed("the attestation ends " + (n - buf.remaining()) + " bytes early");
      }
    }

    int u8() throws DcapException {
      need(1);
      return buf.get() & 0xFF;
    }

    long u32() throws DcapException {
      need(4);
      return buf.getInt() & 0xFFFF_FFFFL;
    }

    // SCALE compact: the low two bits of the first byte choose 1, 2 or 4 bytes (value >> 2),
    // or "big" mode, where the upper six bits + 4 give the byte count of the value that follows.
    long compact() throws DcapException {
      int first = u8();
      switch (first & 0b11) {
        case 0b00:
          return first >>> 2;
        case 0b01:
          return (first | u8() << 8) >>> 2;
        case 0b10: {
          need(3);
          long v = first | (long) (buf.get() & 0xFF) << 8 | (long) (buf.get() & 0xFF) << 16 | (long) (buf.get() & 0xFF) << 24;
          return v >>> 2;
        }
        default: {
          int n = (first >>> 2) + 4;
          if (n > 7) {
            throw malformed("a length of " + n + " bytes is beyond any attestation");
          }
          need(n);
          long v = 0;
          for (int i = 0; i < n; i++) {
            v |= (long) (buf.get() & 0xFF) << (8 * i);
          }
          return v;
        }
      }
    }

    int count(int cap) throws DcapException {
      long n = compact();
      if (n > cap) {
        throw malformed("a list of " + n + " entries, more than " + cap);
      }
      return (int) n;
    }

    Bytes vec() throws DcapException {
      long n = compact();
      need(n);
      byte[] out = new byte[(int) n];
      buf.get(out);
      return Bytes.of(out);
    }

    Bytes fixed(int n) throws DcapException {
      need(n);
      byte[] out = new byte[n];
      buf.get(out);
      return Bytes.of(out);
    }

    String string() throws DcapException {
      byte[] b = vec().toByteArray();
      try {
        return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
      } catch (CharacterCodingException e) {
        throw malformed("a string is not UTF-8");
      }
    }
  }
}
