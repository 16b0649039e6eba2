package dev.dcapd.sidecar.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcapd.verifier.Bytes;
import java.time.Duration;
import java.util.Optional;

/**
 * The dstack guest agent ({@code dstack.sock}, 0.4+): {@code /GetQuote}, {@code /GetKey},
 * {@code /Info}, {@code /Version}. GetQuote puts the caller's bytes into report_data verbatim.
 */
public final class DstackAgent implements GuestAgent {
  /** The key algorithm the sidecar asks GetKey for. */
  public static final String KEY_ALGORITHM = "secp256k1";
  private final AgentHttp http;

  public DstackAgent(AgentEndpoint endpoint, Duration timeout) {
    this.http = new AgentHttp(endpoint, timeout);
  }

  @Override
  public String kind() {
    return "dstack";
  }

  @Override
  public AgentEndpoint endpoint() {
    return http.endpoint();
  }

  /** {@code GetQuote} with up to 64 bytes of report data (right-padded by the agent). */
  public AgentQuote getQuote(Bytes data) throws AgentException {
    ObjectNode body = JsonNodeFactory.instance.objectNode().put("report_data", data.hex());
    JsonNode a = http.call("/GetQuote", body);
    String where = "GetQuote";
    Optional<Bytes> reportData = a.hasNonNull("report_data") && !a.get("report_data").asText().isEmpty()
        ? Optional.of(Hex.field(a, "report_data", where)) : Optional.empty();
    return new AgentQuote(Hex.field(a, "quote", where), Hex.jsonText(a, "event_log"), reportData,
        Hex.jsonText(a, "vm_config"), "", "");
  }

  @Override
  public AgentQuote quote(Bytes reportData) throws AgentException {
    if (reportData.length() != ReportDataRules.SIZE) {
      throw new IllegalArgumentException("report data is 64 bytes");
    }
    return getQuote(reportData);
  }

  /** {@code GetKey}: the 32-byte key and its signature chain (hex, as sent). */
  public record DerivedKey(Bytes key, java.util.List<String> signatureChain) {}

  public DerivedKey getKey(String path, String purpose, String algorithm) throws AgentException {
    ObjectNode body = JsonNodeFactory.instance.objectNode().put("path", path).put("purpose", purpose).put("algorithm", algorithm);
    JsonNode a = http.call("/GetKey", body);
    Bytes key = Hex.field(a, "key", "GetKey");
    if (key.length() != 32) {
      throw new AgentException(AgentException.Kind.BAD_ANSWER, "GetKey answered a " + key.length() + "-byte key, not 32");
    }
    java.util.List<String> chain = new java.util.ArrayList<>();
    a.path("signature_chain").forEach(s -> chain.add(s.asText()));
    return new DerivedKey(key, chain);
  }

  @Override
  public Bytes deriveKey(String path) throws AgentException {
    return getKey(path, "", KEY_ALGORITHM).key();
  }

  @Override
  public AgentInfo info() throws AgentException {
    return AgentInfo.of(http.call("/Info", JsonNodeFactory.instance.objectNode()));
  }

  /** {@code Version} (0.5.7+): "version rev", or a REFUSED error on older agents. */
  public String version() throws AgentException {
    JsonNode a = http.call("/Version", JsonNodeFactory.instance.objectNode());
    return (a.path("version").asText("") + " " + a.path("rev").asText("")).strip();
  }

  @Override
  public void close() {
    http.close();
  }
}
