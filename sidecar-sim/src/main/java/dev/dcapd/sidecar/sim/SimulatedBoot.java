package dev.dcapd.sidecar.sim;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.eventlog.ComposeHash;
import dev.dcapd.verifier.eventlog.EventLog;
import dev.dcapd.verifier.eventlog.TdxEvent;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * The boot a simulated CVM reports: firmware and kernel events for RTMR0-2, dstack's runtime
 * events for RTMR3 (app id, compose hash of {@link #appCompose()}, instance id, key provider), and
 * the RTMRs they replay to. Everything is derived from a seed, so one seed is one "machine".
 */
public final class SimulatedBoot {
  /** TCG event types used for the firmware-style events (EV_EFI_VARIABLE_DRIVER_CONFIG, EV_EFI_BOOT_SERVICES_APPLICATION, EV_IPL). */
  private static final long[] BOOT_EVENT_TYPES = {0x80000001L, 0x80000003L, 0x0000000DL};
  private static final String KEY_PROVIDER = "{\"name\":\"none\",\"id\":\"\"}";

  private final byte[] appCompose;
  private final Bytes composeHash;
  private final Bytes appId;
  private final Bytes instanceId;
  private final List<TdxEvent> events;
  private final List<Bytes> rtmrs;

  public SimulatedBoot(long seed) {
    this.appCompose = ("{\"docker_compose_file\":\"services:\\n  app:\\n    image: app:latest\\n    volumes:\\n"
        + "      - /var/run/dstack.sock:/var/run/dstack.sock\\n\",\"manifest_version\":2,\"name\":\"dcapd-simulated-app-" + seed
        + "\",\"runner\":\"docker-compose\"}").getBytes(StandardCharsets.UTF_8);
    this.composeHash = ComposeHash.of(appCompose);
    // Without a KMS, dstack's app id is the first 20 bytes of the compose hash.
    this.appId = composeHash.slice(0, 20);
    this.instanceId = Bytes.of(sha("SHA-256", ("instance/" + seed).getBytes(StandardCharsets.UTF_8)), 0, 20);
    List<TdxEvent> log = new ArrayList<>();
    for (int imr = 0; imr < 3; imr++) {
      for (int i = 0; i < BOOT_EVENT_TYPES.length; i++) {
        Bytes payload = Bytes.of(("simulated boot seed " + seed + " rtmr " + imr + " event " + i).getBytes(StandardCharsets.UTF_8));
        log.add(TdxEvent.of(imr, BOOT_EVENT_TYPES[i], Bytes.of(sha("SHA-384", payload.toByteArray())), "", payload));
      }
    }
    runtime(log, "system-preparing", Bytes.empty());
    runtime(log, "app-id", appId);
    runtime(log, "compose-hash", composeHash);
    runtime(log, "instance-id", instanceId);
    runtime(log, "boot-mr-done", Bytes.empty());
    runtime(log, "key-provider", Bytes.of(KEY_PROVIDER.getBytes(StandardCharsets.UTF_8)));
    runtime(log, "system-ready", Bytes.empty());
    this.events = List.copyOf(log);
    try {
      this.rtmrs = EventLog.of(events).replay().rtmrs();
    } catch (DcapException e) {
      throw new IllegalStateException("the simulated log is built to replay", e);
    }
  }

  private static void runtime(List<TdxEvent> log, String name, Bytes payload) {
    log.add(TdxEvent.of(3, TdxEvent.RUNTIME_EVENT_TYPE, Bytes.empty(), name, payload));
  }

  public byte[] appCompose() {
    return appCompose.clone();
  }

  public Bytes composeHash() {
    return composeHash;
  }

  public Bytes appId() {
    return appId;
  }

  public Bytes instanceId() {
    return instanceId;
  }

  public String keyProviderInfo() {
    return KEY_PROVIDER;
  }

  public List<Bytes> rtmrs() {
    return rtmrs;
  }

  /** MRCONFIGID as dstack's VMM sets it (v1): 0x01 ‖ compose hash ‖ zeros. */
  public Bytes mrConfigId() {
    byte[] out = new byte[48];
    out[0] = 0x01;
    composeHash.copyTo(out, 1);
    return Bytes.of(out);
  }

  /**
   * The log in the format of dstack 0.5.6 and later (boot payloads dropped, runtime digests
   * empty) when {@code newFormat}, else the ≤0.5.5 format with every digest and payload.
   */
  public String eventLogJson(boolean newFormat) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < events.size(); i++) {
      TdxEvent e = events.get(i);
      Bytes digest;
      try {
        digest = e.isRuntimeEvent() ? (newFormat ? Bytes.empty() : EventLog.of(List.of(e)).replay().digests().get(0)) : e.digest();
      } catch (DcapException ex) {
        throw new IllegalStateException(ex);
      }
      Bytes payload = newFormat && !e.isRuntimeEvent() ? Bytes.empty() : e.payload();
      if (i > 0) {
        b.append(',');
      }
      b.append("{\"imr\":").append(e.imr()).append(",\"event_type\":").append(e.eventType())
          .append(",\"digest\":\"").append(digest.hex()).append("\",\"event\":\"").append(e.event())
          .append("\",\"event_payload\":\"").append(payload.hex()).append("\"}");
    }
    return b.append(']').toString();
  }

  private static byte[] sha(String alg, byte[] data) {
    try {
      return MessageDigest.getInstance(alg).digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(alg + " is required of every JDK", e);
    }
  }
}
