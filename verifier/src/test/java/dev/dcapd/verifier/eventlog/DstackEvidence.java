package dev.dcapd.verifier.eventlog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcapd.verifier.Vectors;
import dev.dcapd.verifier.quote.QuoteInput;
import dev.dcapd.verifier.quote.TdReport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/** The dstack vectors that pair a quote with its event log (see vectors/dstack/README.md). */
record DstackEvidence(String name, String eventLogJson, TdReport report) {
  private static final ObjectMapper JSON = new ObjectMapper();

  static List<DstackEvidence> all() {
    return List.of(
        files("legacy", "simulator-legacy-v0.5.0-0.5.5/eventlog.json", "simulator-legacy-v0.5.0-0.5.5/quote.hex"),
        files("v0.5.6+", "simulator-v0.5.6-plus/attestation.extracted-eventlog.json",
            "simulator-v0.5.6-plus/attestation.extracted-quote.hex"),
        response("quote-report", "verifier-fixtures/quote-report.json"),
        response("tdx-lite-getquote", "verifier-fixtures/tdx-lite-getquote.json"));
  }

  static DstackEvidence named(String name) {
    return all().stream().filter(e -> e.name.equals(name)).findFirst().orElseThrow();
  }

  static DstackEvidence files(String name, String log, String quote) {
    return new DstackEvidence(name, Vectors.text("dstack/" + log), report(Vectors.bytes("dstack/" + quote)));
  }

  // A GetQuote response / dstack-verifier request: the event log is a string holding JSON.
  static DstackEvidence response(String name, String file) {
    try {
      JsonNode node = JSON.readTree(Vectors.text("dstack/" + file));
      return new DstackEvidence(name, JSON.writeValueAsString(node.get("event_log")),
          report(node.get("quote").textValue().getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static TdReport report(byte[] quote) {
    try {
      return (TdReport) QuoteInput.parse(quote).body();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  EventLog log() {
    try {
      return EventLog.parse(eventLogJson);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public String toString() {
    return name;
  }
}
