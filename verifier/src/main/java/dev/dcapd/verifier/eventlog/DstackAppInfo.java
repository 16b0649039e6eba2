package dev.dcapd.verifier.eventlog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What dstack measured about the app into RTMR3 at boot: app id, compose hash, instance id, key
 * provider and OS image hash, read from the runtime events before {@code system-ready}. Events
 * after {@code system-ready} were emitted by the application and are kept apart, never read as
 * app info.
 *
 * <p>These values are only as good as the RTMR3 they replay to: check the log against a verified
 * quote ({@link Replay#check} or {@link Replay#checkRtmr3}) before relying on them.
 *
 * @param appId 20 bytes ({@code app-id})
 * @param composeHash 32 bytes, SHA-256 of the app-compose.json ({@code compose-hash})
 * @param instanceId 20 bytes, or empty when the app runs without an instance id ({@code instance-id})
 * @param keyProvider the {@code key-provider} event, when the log has one
 * @param osImageHash 32 bytes ({@code os-image-hash}, newer images)
 * @param systemReady whether the log has a {@code system-ready} event
 * @param applicationEvents runtime events after {@code system-ready}, in order
 */
public record DstackAppInfo(Optional<Bytes> appId, Optional<Bytes> composeHash, Optional<Bytes> instanceId,
    Optional<KeyProvider> keyProvider, Optional<Bytes> osImageHash, boolean systemReady,
    List<TdxEvent> applicationEvents) {
  public static final String APP_ID = "app-id";
  public static final String COMPOSE_HASH = "compose-hash";
  public static final String INSTANCE_ID = "instance-id";
  public static final String KEY_PROVIDER = "key-provider";
  public static final String OS_IMAGE_HASH = "os-image-hash";
  public static final String SYSTEM_READY = "system-ready";
  public static final int APP_ID_SIZE = 20;
  public static final int COMPOSE_HASH_SIZE = 32;
  public static final int INSTANCE_ID_SIZE = 20;
  public static final int OS_IMAGE_HASH_SIZE = 32;

  private static final ObjectMapper JSON = new ObjectMapper();

  public DstackAppInfo {
    applicationEvents = List.copyOf(applicationEvents);
  }

  /**
   * The key provider the TD booted with: {@code name} ("kms", "local-sgx", "local", "none") and
   * {@code id} (for "kms", the hex SPKI DER of the KMS root CA), plus the payload as measured.
   */
  public record KeyProvider(String name, String id, String raw) {}

  /**
   * Reads the app facts of {@code log}. Where an event occurs twice before {@code system-ready},
   * the first counts (as in dstack's own verifier).
   */
  public static DstackAppInfo of(EventLog log) throws DcapException {
    Bytes appId = null;
    Bytes composeHash = null;
    Bytes instanceId = null;
    KeyProvider keyProvider = null;
    Bytes osImageHash = null;
    boolean ready = false;
    List<TdxEvent> afterReady = new ArrayList<>();
    for (TdxEvent e : log.events()) {
      if (!e.isRuntimeEvent() || e.imr() != 3) {
        continue;
      }
      if (ready) {
        afterReady.add(e);
        continue;
      }
      switch (e.event()) {
        case APP_ID -> appId = appId != null ? appId : sized(e, APP_ID_SIZE, false);
        case COMPOSE_HASH -> composeHash = composeHash != null ? composeHash : sized(e, COMPOSE_HASH_SIZE, false);
        case INSTANCE_ID -> instanceId = instanceId != null ? instanceId : sized(e, INSTANCE_ID_SIZE, true);
        case OS_IMAGE_HASH -> osImageHash = osImageHash != null ? osImageHash : sized(e, OS_IMAGE_HASH_SIZE, false);
        case KEY_PROVIDER -> keyProvider = keyProvider != null ? keyProvider : keyProvider(e);
        case SYSTEM_READY -> ready = true;
        default -> { }
      }
    }
    return new DstackAppInfo(Optional.ofNullable(appId), Optional.ofNullable(composeHash),
        Optional.ofNullable(instanceId), Optional.ofNullable(keyProvider), Optional.ofNullable(osImageHash), ready,
        afterReady);
  }

  private static Bytes sized(TdxEvent e, int size, boolean mayBeEmpty) throws DcapException {
    int n = e.payload().length();
    if (n != size && !(mayBeEmpty && n == 0)) {
      throw new DcapException(FailureCode.EVENT_LOG_MALFORMED,
          "the " + e.event() + " event carries " + n + " bytes, not " + size);
    }
    return e.payload();
  }

  // The payload is JSON text; an agent that wrote something else still measured it, so keep the
  // raw text and leave name and id empty rather than refuse the log.
  private static KeyProvider keyProvider(TdxEvent e) {
    String raw = new String(e.payload().toByteArray(), StandardCharsets.UTF_8);
    try {
      JsonNode node = JSON.readTree(raw);
      if (node != null && node.isObject()) {
        return new KeyProvider(node.path("name").asText(""), node.path("id").asText(""), raw);
      }
    } catch (IOException ignored) {
      // not JSON: fall through
    }
    return new KeyProvider("", "", raw);
  }
}
