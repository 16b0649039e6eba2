package dev.dcapd.sidecar.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcapd.verifier.Bytes;
import java.time.Duration;
import java.util.Optional;

/**
 * The legacy Tappd service ({@code tappd.sock}, dstack 0.3.x and later):
 * {@code /prpc/Tappd.TdxQuote?json}, {@code Tappd.DeriveK256Key}, {@code Tappd.Info}. TdxQuote
 * hashes the caller's data as {@link ReportDataRules#tdxQuote} says; the sidecar uses its raw mode
 * so the quote carries its 64-byte binding verbatim.
 */
public final class TappdAgent implements GuestAgent {
  private final AgentHttp http;

  public TappdAgent(AgentEndpoint endpoint, Duration timeout) {
    this.http = new AgentHttp(endpoint, timeout);
  }

  @Override
  public String kind() {
    return "tappd";
  }

  @Override
  public AgentEndpoint endpoint() {
    return http.endpoint();
  }

  /**
   * {@code Tappd.TdxQuote} with {@code hashAlgorithm} ("" = sha512, "raw" = 64 bytes verbatim)
   * and {@code prefix} ("" = "app-data"). The agent echoes the algorithm and tag it used.
   */
  public AgentQuote tdxQuote(Bytes data, String hashAlgorithm, String prefix) throws AgentException {
    ObjectNode body = JsonNodeFactory.instance.objectNode()
        .put("report_data", data.hex()).put("hash_algorithm", hashAlgorithm).put("prefix", prefix);
    JsonNode a = http.call("/prpc/Tappd.TdxQuote?json", body);
    return new AgentQuote(Hex.field(a, "quote", "Tappd.TdxQuote"), Hex.jsonText(a, "event_log"), Optional.empty(),
        Hex.jsonText(a, "vm_config"), a.path("hash_algorithm").asText(""), a.path("prefix").asText(""));
  }

  @Override
  public AgentQuote quote(Bytes reportData) throws AgentException {
    return tdxQuote(reportData, ReportDataRules.RAW, "");
  }

  /** {@code Tappd.DeriveK256Key} (0.4+): a 32-byte secp256k1 key for {@code path}. */
  @Override
  public Bytes deriveKey(String path) throws AgentException {
    ObjectNode body = JsonNodeFactory.instance.objectNode().put("path", path).put("purpose", "");
    JsonNode a = http.call("/prpc/Tappd.DeriveK256Key?json", body);
    Bytes key = Hex.field(a, "k256_key", "Tappd.DeriveK256Key");
    if (key.length() != 32) {
      throw new AgentException(AgentException.Kind.BAD_ANSWER, "DeriveK256Key answered a " + key.length() + "-byte key, not 32");
    }
    return key;
  }

  /** {@code Tappd.DeriveKey}: a PEM PKCS#8 P-256 key and its certificate chain, as sent. */
  public record DerivedTlsKey(String keyPem, java.util.List<String> certificateChain) {}

  public DerivedTlsKey deriveTlsKey(String path, String subject) throws AgentException {
    ObjectNode body = JsonNodeFactory.instance.objectNode().put("path", path).put("subject", subject);
    JsonNode a = http.call("/prpc/Tappd.DeriveKey?json", body);
    if (!a.path("key").isTextual()) {
      throw new AgentException(AgentException.Kind.BAD_ANSWER, "Tappd.DeriveKey answered without a PEM key");
    }
    java.util.List<String> chain = new java.util.ArrayList<>();
    a.path("certificate_chain").forEach(c -> chain.add(c.asText()));
    return new DerivedTlsKey(a.get("key").textValue(), chain);
  }

  @Override
  public AgentInfo info() throws AgentException {
    return AgentInfo.of(http.call("/prpc/Tappd.Info?json", JsonNodeFactory.instance.objectNode()));
  }

  @Override
  public void close() {
    http.close();
  }
}
