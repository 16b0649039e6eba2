package dev.dcapd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcapd.verifier.Vectors;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dcap eventlog replay}: the JSON of DESIGN.md, exit 1 on a mismatch, 2 on bad input. */
class EventlogCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  private Path write(String name, byte[] content) throws Exception {
    Path p = dir.resolve(name);
    Files.write(p, content);
    return p;
  }

  @Test
  void legacyLogMatchesItsQuote() throws Exception {
    Path log = write("log.json", Vectors.bytes("dstack/simulator-legacy-v0.5.0-0.5.5/eventlog.json"));
    Path quote = write("quote.hex", Vectors.bytes("dstack/simulator-legacy-v0.5.0-0.5.5/quote.hex"));
    InspectCommandTest.Run r = InspectCommandTest.dcap("eventlog", "replay", log.toString(), "--quote", quote.toString());
    assertEquals(0, r.code(), r.err());
    JsonNode j = JSON.readTree(r.out());
    assertTrue(j.get("matches_quote").asBoolean());
    assertEquals("0x6d1a3da994b6611ee602f25f07b41671ece90cd2898689f1ad4448fdf1155e3668736cca4499659caae2d8044070de57",
        j.get("rtmr3").asText());
    assertEquals("0xea549f02e1a25fabd1cb788380e033ec5461b2ff", j.get("app_id").asText());
    assertEquals("0xea549f02e1a25fabd1cb788380e033ec5461b2ffe4328d753642cf035452e48b", j.get("compose_hash").asText());
    assertEquals("0x59df8036b824b0aac54f8998b9e1fb2a0cfc5d3a", j.get("instance_id").asText());
    assertEquals("kms", j.at("/key_provider/name").asText());
  }

  @Test
  void aGetQuoteResponseCarriesItsOwnQuote() throws Exception {
    Path resp = write("resp.json", Vectors.bytes("dstack/verifier-fixtures/tdx-lite-getquote.json"));
    InspectCommandTest.Run r = InspectCommandTest.dcap("eventlog", "replay", resp.toString());
    assertEquals(0, r.code(), r.err());
    JsonNode j = JSON.readTree(r.out());
    assertTrue(j.get("matches_quote").asBoolean());
    assertEquals("0x86b0e55f2fa8e4fb69d890f14f54d5612707646e", j.get("app_id").asText());
  }

  @Test
  void anotherQuoteIsAMismatchWithExit1() throws Exception {
    Path log = write("log.json", Vectors.bytes("dstack/simulator-legacy-v0.5.0-0.5.5/eventlog.json"));
    Path quote = write("quote.hex", Vectors.bytes("dstack/simulator-v0.5.6-plus/attestation.extracted-quote.hex"));
    InspectCommandTest.Run r = InspectCommandTest.dcap("eventlog", "replay", log.toString(), "--quote", quote.toString());
    assertEquals(1, r.code());
    JsonNode j = JSON.readTree(r.out());
    assertEquals(false, j.get("matches_quote").asBoolean());
    assertEquals(4, j.get("mismatched_rtmrs").size());
  }

  @Test
  void withoutAQuoteMatchesIsNull() throws Exception {
    Path log = write("log.json", Vectors.bytes("dstack/simulator-v0.5.6-plus/attestation.extracted-eventlog.json"));
    InspectCommandTest.Run r = InspectCommandTest.dcap("eventlog", "replay", log.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(JSON.readTree(r.out()).get("matches_quote").isNull());
  }

  @Test
  void aComposeFileThatIsNotTheMeasuredOneIsExit1() throws Exception {
    Path log = write("log.json", Vectors.bytes("dstack/simulator-v0.5.6-plus/attestation.extracted-eventlog.json"));
    Path compose = write("app-compose.json", Vectors.bytes("dstack/simulator-v0.5.6-plus/app-compose.json"));
    InspectCommandTest.Run r = InspectCommandTest.dcap("eventlog", "replay", log.toString(), "--app-compose", compose.toString());
    assertEquals(1, r.code());
    assertEquals(false, JSON.readTree(r.out()).get("compose_hash_matches").asBoolean());
  }

  @Test
  void badInputIsExit2OnOneLine() throws Exception {
    Path bad = write("bad.json", "[{\"imr\":9}]".getBytes(StandardCharsets.UTF_8));
    InspectCommandTest.Run r = InspectCommandTest.dcap("eventlog", "replay", bad.toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("EVENT_LOG_MALFORMED"), r.err());
    assertEquals(1, r.err().strip().lines().count());
    assertEquals(2, InspectCommandTest.dcap("eventlog", "replay", dir.resolve("missing.json").toString()).code());
  }

  @Test
  void dstackAttestationsCarryQuoteAndLog() throws Exception {
    Path bin = write("attestation.bin", Vectors.bytes("dstack/simulator-v0.5.6-plus/attestation.bin"));
    InspectCommandTest.Run r = InspectCommandTest.dcap("eventlog", "replay", bin.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(JSON.readTree(r.out()).get("matches_quote").asBoolean());
    // A stripped attestation keeps only RTMR3's events: RTMR3 matches, RTMR0-2 cannot.
    Path lite = write("lite.json", Vectors.bytes("dstack/verifier-fixtures/tdx-lite-attestation.json"));
    InspectCommandTest.Run l = InspectCommandTest.dcap("eventlog", "replay", lite.toString());
    assertEquals(1, l.code());
    JsonNode j = JSON.readTree(l.out());
    assertEquals("[0,1,2]", j.get("mismatched_rtmrs").toString());
    assertEquals("0x86b0e55f2fa8e4fb69d890f14f54d5612707646e", j.get("app_id").asText());
  }
}
