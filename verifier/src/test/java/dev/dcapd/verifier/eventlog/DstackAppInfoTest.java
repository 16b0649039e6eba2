package dev.dcapd.verifier.eventlog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import dev.dcapd.verifier.Vectors;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DstackAppInfoTest {
  @Test
  void legacySimulatorFacts() throws DcapException {
    DstackAppInfo info = DstackAppInfo.of(DstackEvidence.named("legacy").log());
    assertEquals("ea549f02e1a25fabd1cb788380e033ec5461b2ff", info.appId().orElseThrow().hex());
    assertEquals("ea549f02e1a25fabd1cb788380e033ec5461b2ffe4328d753642cf035452e48b", info.composeHash().orElseThrow().hex());
    assertEquals("59df8036b824b0aac54f8998b9e1fb2a0cfc5d3a", info.instanceId().orElseThrow().hex());
    assertEquals("kms", info.keyProvider().orElseThrow().name());
    assertTrue(info.keyProvider().orElseThrow().id().startsWith("3059"));
    assertTrue(info.systemReady());
    assertTrue(info.applicationEvents().isEmpty());
  }

  @Test
  void newerFactsIncludeTheOsImageHash() throws DcapException {
    DstackAppInfo info = DstackAppInfo.of(DstackEvidence.named("v0.5.6+").log());
    assertEquals("5bb4ff9a3837357f19dc176407a5709c62eb6c56", info.appId().orElseThrow().hex());
    assertEquals("c143116fef3940e7f776bfc0919c256232ae5338a6e948c96b711e0b2383483a", info.composeHash().orElseThrow().hex());
    assertEquals("1691ed1b47506cad7d08834668691d88246f5b1f", info.instanceId().orElseThrow().hex());
    assertEquals("e61be43dd1cc6a6f5edefd7c51b608983780839b0000ce60dd99737dcffe09b9", info.osImageHash().orElseThrow().hex());
  }

  @Test
  void appIdDefaultsToTheComposeHashPrefix() throws DcapException {
    DstackAppInfo info = DstackAppInfo.of(DstackEvidence.named("tdx-lite-getquote").log());
    assertEquals("86b0e55f2fa8e4fb69d890f14f54d5612707646e", info.appId().orElseThrow().hex());
    assertEquals(info.appId().get(), info.composeHash().orElseThrow().slice(0, 20));
  }

  @Test
  void applicationEventsAreKeptApart() throws DcapException {
    DstackAppInfo info = DstackAppInfo.of(DstackEvidence.named("quote-report").log());
    assertEquals("local-sgx", info.keyProvider().orElseThrow().name());
    assertEquals(1, info.applicationEvents().size());
    assertEquals("LIUM_MINER_HOTKEY", info.applicationEvents().get(0).event());
  }

  @Test
  void anAppIdEmittedAfterSystemReadyIsNotTheAppId() throws DcapException {
    List<TdxEvent> events = new ArrayList<>(DstackEvidence.named("legacy").log().events());
    events.add(TdxEvent.of(3, TdxEvent.RUNTIME_EVENT_TYPE, Bytes.empty(), "app-id", Bytes.zeros(20)));
    DstackAppInfo info = DstackAppInfo.of(EventLog.of(events));
    assertEquals("ea549f02e1a25fabd1cb788380e033ec5461b2ff", info.appId().orElseThrow().hex());
    assertEquals(1, info.applicationEvents().size());
  }

  @Test
  void aWronglySizedAppIdIsMalformed() {
    EventLog log = EventLog.of(List.of(runtime("app-id", new byte[19])));
    assertEquals(FailureCode.EVENT_LOG_MALFORMED, assertThrows(DcapException.class, () -> DstackAppInfo.of(log)).code());
  }

  @Test
  void composeHashOfTheExactBytesAndOfTheNormalisedForm() throws DcapException {
    byte[] compose = "{\n  \"runner\": \"docker-compose\",\n  \"name\": \"app\",\n  \"features\": {\"kms\": true, \"a\": [1, 2]}\n}\n"
        .getBytes(StandardCharsets.UTF_8);
    DstackAppInfo exact = DstackAppInfo.of(hashLog(ComposeHash.of(compose)));
    assertEquals(ComposeHash.Form.EXACT, ComposeHash.check(exact, compose));

    byte[] normalised = ComposeHash.normalise(compose);
    assertEquals("{\"features\":{\"a\":[1,2],\"kms\":true},\"name\":\"app\",\"runner\":\"docker-compose\"}",
        new String(normalised, StandardCharsets.UTF_8));
    DstackAppInfo sdk = DstackAppInfo.of(hashLog(ComposeHash.of(normalised)));
    assertEquals(ComposeHash.Form.NORMALISED, ComposeHash.check(sdk, compose));

    byte[] other = "{\"name\":\"other\"}".getBytes(StandardCharsets.UTF_8);
    assertEquals(FailureCode.COMPOSE_HASH_MISMATCH, assertThrows(DcapException.class, () -> ComposeHash.check(exact, other)).code());
    DstackAppInfo none = DstackAppInfo.of(EventLog.of(List.of()));
    assertFalse(none.composeHash().isPresent());
    assertEquals(FailureCode.COMPOSE_HASH_MISMATCH, assertThrows(DcapException.class, () -> ComposeHash.check(none, compose)).code());
  }

  @Test
  void theSimulatorsComposeFileIsNotTheOneItsLogMeasured() throws DcapException {
    // The README's caveat: the simulator's evidence was captured from another deployment.
    DstackAppInfo info = DstackAppInfo.of(DstackEvidence.named("v0.5.6+").log());
    byte[] compose = Vectors.bytes("dstack/simulator-v0.5.6-plus/app-compose.json");
    assertEquals(FailureCode.COMPOSE_HASH_MISMATCH, assertThrows(DcapException.class, () -> ComposeHash.check(info, compose)).code());
  }

  private static EventLog hashLog(Bytes composeHash) {
    return EventLog.of(List.of(runtime("system-preparing", new byte[0]), runtime("compose-hash", composeHash.toByteArray()),
        runtime("system-ready", new byte[0])));
  }

  private static TdxEvent runtime(String name, byte[] payload) {
    return TdxEvent.of(3, TdxEvent.RUNTIME_EVENT_TYPE, Bytes.empty(), name, Bytes.of(payload));
  }
}
