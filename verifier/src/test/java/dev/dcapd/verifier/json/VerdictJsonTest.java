package dev.dcapd.verifier.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dcapd.verifier.Vectors;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.quote.QuoteParser;
import dev.dcapd.verifier.verify.QuoteVerifier;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class VerdictJsonTest {
  static final List<String> KEYS = List.of("success", "tcb_status", "advisory_ids", "failure", "checksum", "quote_version",
      "tee_type", "fmspc", "pce_id", "ca", "tcb_date", "qe_identity_status", "verified_at", "earliest_expiry",
      "collateral_expired", "collateral_id", "insecure_root");

  @Test
  void successfulVerdict() throws Exception {
    QuoteCollateral c = QuoteCollateral.fromJson(Vectors.text("dcap-qvl/sgx_quote_collateral.json"));
    JsonNode n = VerdictJson.render(QuoteVerifier.intel().verify(
        QuoteParser.parse(Vectors.bytes("dcap-qvl/sgx_quote")), c, Instant.ofEpochSecond(1752919277L)));
    List<String> keys = new java.util.ArrayList<>();
    n.fieldNames().forEachRemaining(keys::add);
    assertEquals(KEYS, keys);
    assertTrue(n.get("success").booleanValue());
    assertEquals("ConfigurationAndSWHardeningNeeded", n.get("tcb_status").textValue());
    assertEquals("INTEL-SA-00289", n.get("advisory_ids").get(0).textValue());
    assertTrue(n.get("failure").isNull());
    assertEquals("f8b81014b6e443609746822194910f5dc1c92c322fa0584298d1e33e505ca3b5", n.get("checksum").textValue());
    assertEquals("0x00a067110000", n.get("fmspc").textValue());
    assertEquals("TEE_SGX", n.get("tee_type").textValue());
    assertEquals(3, n.get("quote_version").intValue());
    assertEquals("processor", n.get("ca").textValue());
    assertEquals("2024-03-13T00:00:00Z", n.get("tcb_date").textValue());
    assertEquals("2025-07-19T10:01:17Z", n.get("verified_at").textValue());
    assertEquals(c.id(), n.get("collateral_id").textValue());
  }

  @Test
  void failedVerdict() throws Exception {
    QuoteCollateral c = QuoteCollateral.fromJson(Vectors.text("dcap-qvl/tdx_quote_outdated_collateral.json"));
    JsonNode n = VerdictJson.render(QuoteVerifier.intel().verify(
        QuoteParser.parse(Vectors.bytes("dcap-qvl/tdx_quote_outdated")), c, Instant.ofEpochSecond(1774003274L)));
    assertEquals(false, n.get("success").booleanValue());
    assertTrue(n.get("tcb_status").isNull());
    assertEquals("TCB_NOT_SUPPORTED", n.get("failure").get("code").textValue());
    assertTrue(n.get("failure").get("message").isTextual());
    assertEquals(5, n.get("quote_version").intValue());
  }
}
