package dev.dcapd.verifier.eventlog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An app-compose.json with a key twice in one object has no normalised form: normalising would keep
 * one of its values, so it would match the hash of a compose its readers may not see.
 */
class ComposeHashTest {

  @Test
  void aDuplicateKeyAtAnyDepthMatchesNoNormalisedHash() throws DcapException {
    // Each file next to the compose a last-wins normaliser would have turned it into.
    List<String[]> cases = List.of(
        new String[] {"{\"name\":\"app\",\"name\":\"other\"}", "{\"name\":\"other\"}"},
        new String[] {"{\"features\":{\"kms\":true,\"kms\":false},\"name\":\"app\"}",
            "{\"features\":{\"kms\":false},\"name\":\"app\"}"},
        new String[] {"{\"envs\":[{\"k\":\"A\",\"k\":\"B\"}]}", "{\"envs\":[{\"k\":\"B\"}]}"});
    for (String[] c : cases) {
      byte[] duplicated = utf8(c[0]);
      DstackAppInfo measured = DstackAppInfo.of(hashLog(ComposeHash.of(ComposeHash.normalise(utf8(c[1])))));
      assertEquals(FailureCode.COMPOSE_HASH_MISMATCH,
          assertThrows(DcapException.class, () -> ComposeHash.check(measured, duplicated)).code(), c[0]);
      assertEquals(FailureCode.COMPOSE_HASH_MISMATCH,
          assertThrows(DcapException.class, () -> ComposeHash.normalise(duplicated)).code(), c[0]);
    }
  }

  @Test
  void oneKeyInDifferentObjectsIsNoDuplicate() throws DcapException {
    byte[] compose = utf8("{\"b\": {\"x\": 1}, \"a\": {\"x\": 1}, \"c\": [{\"x\": 1}, {\"x\": 2}]}");
    DstackAppInfo measured = DstackAppInfo.of(hashLog(ComposeHash.of(ComposeHash.normalise(compose))));
    assertEquals(ComposeHash.Form.NORMALISED, ComposeHash.check(measured, compose));
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static EventLog hashLog(Bytes composeHash) {
    return EventLog.of(List.of(runtime("system-preparing", new byte[0]), runtime("compose-hash", composeHash.toByteArray()),
        runtime("system-ready", new byte[0])));
  }

  private static TdxEvent runtime(String name, byte[] payload) {
    return TdxEvent.of(3, TdxEvent.RUNTIME_EVENT_TYPE, Bytes.empty(), name, Bytes.of(payload));
  }
}
