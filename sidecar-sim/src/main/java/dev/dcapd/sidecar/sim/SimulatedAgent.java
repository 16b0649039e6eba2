package dev.dcapd.sidecar.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcapd.sidecar.agent.ReportDataRules;
import dev.dcapd.sidecar.http.HttpRequest;
import dev.dcapd.sidecar.http.HttpResponse;
import dev.dcapd.testkit.Forge;
import dev.dcapd.testkit.ForgeSpec;
import dev.dcapd.testkit.QuoteBatch;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.quote.Quote;
import dev.dcapd.verifier.quote.TdReport;
import dev.dcapd.verifier.quote.TeeType;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * A guest agent whose quotes verify: it answers the dstack ({@code /GetQuote}, {@code /GetKey},
 * {@code /Info}, {@code /Version}) and Tappd ({@code /prpc/Tappd.TdxQuote}, {@code RawQuote},
 * {@code DeriveK256Key}, {@code DeriveKey}, {@code Info}, {@code Version}) APIs like the real agent, in JSON mode, and
 * mints each quote with the testkit: a TDX v4 quote of one forged platform whose RTMRs are the
 * replay of {@link SimulatedBoot}'s event log and whose report_data is what the endpoint's rule
 * makes of the caller's data. Verifies against the testkit root with {@link #batch()}'s collateral.
 */
public final class SimulatedAgent {
  public static final String VERSION = "0.5.8-dcapd-simulator";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private final QuoteBatch batch;
  private final TdReport template;
  private final SimulatedBoot boot;
  private final Bytes appKey;
  private final Bytes kmsKey;
  private final SimulatedTlsKeys tlsKeys;

  public SimulatedAgent(long seed) {
    this.batch = Forge.batch(ForgeSpec.builder().tee(TeeType.TDX).quoteVersion(4).seed(seed).build());
    this.template = (TdReport) batch.template().quote().body();
    this.boot = new SimulatedBoot(seed);
    this.appKey = secret("app-key/" + seed);
    this.kmsKey = secret("kms-key/" + seed);
    this.tlsKeys = new SimulatedTlsKeys(appKey);
  }

  public QuoteBatch batch() {
    return batch;
  }

  public SimulatedBoot boot() {
    return boot;
  }

  /** A quote with these 64 bytes of report data, the boot's RTMRs and MRCONFIGID. */
  public Quote quote(Bytes reportData) {
    TdReport t = template;
    return batch.sign(new TdReport(t.teeTcbSvn(), t.mrSeam(), t.mrSignerSeam(), t.seamAttributes(), t.tdAttributes(),
        t.xfam(), t.mrTd(), boot.mrConfigId(), t.mrOwner(), t.mrOwnerConfig(), boot.rtmrs(), reportData,
        t.teeTcbSvn2(), t.mrServiceTd()));
  }

  /** The handler for the dstack socket. */
  public HttpResponse dstack(HttpRequest r) {
    try {
      JsonNode in = request(r);
      String method = r.path().startsWith("/prpc/") ? r.path().substring("/prpc/".length()) : r.path().substring(1);
      if (method.startsWith("DstackGuest.")) {
        method = method.substring("DstackGuest.".length());
      }
      return switch (method) {
        case "GetQuote" -> getQuote(in);
        case "GetKey" -> getKey(in);
        case "Info" -> ok(info());
        case "Version" -> ok(F.objectNode().put("version", VERSION).put("rev", "simulator"));
        default -> error("Method not found: " + method);
      };
    } catch (AgentError e) {
      return error(e.getMessage());
    }
  }

  /** The handler for the tappd socket. */
  public HttpResponse tappd(HttpRequest r) {
    if (!r.path().startsWith("/prpc/")) {
      return HttpResponse.json(404, "{\"error\":\"not found\"}");
    }
    try {
      JsonNode in = request(r);
      String method = r.path().substring("/prpc/".length());
      if (method.startsWith("Tappd.")) {
        method = method.substring("Tappd.".length());
      }
      return switch (method) {
        case "TdxQuote" -> tdxQuote(in, false);
        case "RawQuote" -> tdxQuote(in, true);
        case "DeriveK256Key" -> deriveK256Key(in);
        case "DeriveKey" -> deriveKey(in);
        case "Info" -> ok(info());
        case "Version" -> ok(F.objectNode().put("version", VERSION).put("rev", "simulator"));
        default -> error("Method not found: " + method);
      };
    } catch (AgentError e) {
      return error(e.getMessage());
    }
  }

  private HttpResponse getQuote(JsonNode in) throws AgentError {
    Bytes data = hex(in, "report_data");
    if (data.length() > ReportDataRules.SIZE) {
      throw new AgentError("report data is too long, max 64 bytes");
    }
    Bytes reportData = ReportDataRules.getQuote(data);
    ObjectNode out = F.objectNode();
    out.put("quote", quote(reportData).raw().hex());
    out.put("event_log", boot.eventLogJson(true));
    out.put("report_data", reportData.hex());
    out.put("vm_config", vmConfig());
    return ok(out);
  }

  private HttpResponse tdxQuote(JsonNode in, boolean rawQuote) throws AgentError {
    Bytes data = hex(in, "report_data");
    String alg = rawQuote ? ReportDataRules.RAW : in.path("hash_algorithm").asText("");
    String prefix = rawQuote ? "" : in.path("prefix").asText("");
    Bytes reportData;
    if (!alg.isEmpty() && !ReportDataRules.HASH_ALGORITHMS.contains(alg)) {
      throw new AgentError("invalid hash algorithm");
    }
    if (alg.equals(ReportDataRules.RAW) && data.length() != ReportDataRules.SIZE) {
      throw new AgentError("invalid content length");
    }
    reportData = ReportDataRules.tdxQuote(data, alg, prefix);
    boolean raw = alg.equals(ReportDataRules.RAW);
    ObjectNode out = F.objectNode();
    out.put("quote", quote(reportData).raw().hex());
    out.put("event_log", boot.eventLogJson(false));
    out.put("hash_algorithm", raw ? ReportDataRules.RAW : (alg.isEmpty() ? ReportDataRules.DEFAULT_HASH : alg));
    out.put("prefix", raw ? "" : (prefix.isEmpty() ? ReportDataRules.DEFAULT_TAG : prefix));
    return ok(out);
  }

  private HttpResponse getKey(JsonNode in) {
    String path = in.path("path").asText("");
    String purpose = in.path("purpose").asText("");
    Bytes key = KeyDerivation.derive(appKey, path);
    ObjectNode out = F.objectNode();
    out.put("key", key.hex());
    out.putArray("signature_chain")
        .add(KeyDerivation.appSignature(appKey, purpose, key).hex())
        .add(KeyDerivation.kmsSignature(kmsKey, boot.appId(), appKey).hex());
    return ok(out);
  }

  private HttpResponse deriveKey(JsonNode in) {
    SimulatedTlsKeys.Derived d = tlsKeys.derive(appKey, in.path("path").asText(""), in.path("subject").asText(""));
    ObjectNode out = F.objectNode();
    out.put("key", d.keyPem());
    d.chain().forEach(out.putArray("certificate_chain")::add);
    return ok(out);
  }

  private HttpResponse deriveK256Key(JsonNode in) {
    String path = in.path("path").asText("");
    String purpose = in.path("purpose").asText("");
    Bytes key = KeyDerivation.derive(appKey, path);
    ObjectNode out = F.objectNode();
    out.put("k256_key", key.hex());
    out.putArray("k256_signature_chain")
        .add(KeyDerivation.appSignature(appKey, purpose, key).hex())
        .add(KeyDerivation.kmsSignature(kmsKey, boot.appId(), appKey).hex());
    return ok(out);
  }

  private ObjectNode info() {
    ObjectNode tcb = F.objectNode();
    tcb.put("mrtd", template.mrTd().hex());
    for (int i = 0; i < 4; i++) {
      tcb.put("rtmr" + i, boot.rtmrs().get(i).hex());
    }
    tcb.put("compose_hash", boot.composeHash().hex());
    tcb.put("device_id", "");
    try {
      tcb.set("event_log", JSON.readTree(boot.eventLogJson(true)));
    } catch (IOException e) {
      throw new IllegalStateException("the simulated log is JSON", e);
    }
    tcb.put("app_compose", new String(boot.appCompose(), StandardCharsets.UTF_8));
    ObjectNode out = F.objectNode();
    out.put("app_id", boot.appId().hex());
    out.put("instance_id", boot.instanceId().hex());
    out.put("app_cert", "");
    out.put("tcb_info", tcb.toString());
    out.put("app_name", "dcapd-simulated-app");
    out.put("device_id", "");
    out.put("key_provider_info", boot.keyProviderInfo());
    out.put("compose_hash", boot.composeHash().hex());
    out.put("vm_config", vmConfig());
    out.put("cloud_vendor", "dcapd-simulator");
    out.put("cloud_product", "");
    return out;
  }

  private static String vmConfig() {
    return "{\"cpu_count\":2,\"memory_size\":2147483648,\"spec_version\":1,\"image\":\"dcapd-simulator\"}";
  }

  // JSON mode: a POST body is the request message, a GET query string is too (missing = default).
  private static JsonNode request(HttpRequest r) throws AgentError {
    if (r.method().equals("GET")) {
      ObjectNode n = F.objectNode();
      for (String pair : r.query().split("&")) {
        int eq = pair.indexOf('=');
        if (eq > 0) {
          n.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
              URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
      }
      return n;
    }
    byte[] body = r.body();
    if (body.length == 0) {
      return F.objectNode();
    }
    try {
      JsonNode n = JSON.readTree(body);
      if (n == null || !n.isObject()) {
        throw new AgentError("Failed to decode request: not a JSON object");
      }
      return n;
    } catch (IOException e) {
      throw new AgentError("Failed to decode request: " + e.getMessage());
    }
  }

  private static Bytes hex(JsonNode in, String field) throws AgentError {
    String s = in.path(field).asText("");
    try {
      return Bytes.fromHex(s);
    } catch (IllegalArgumentException e) {
      throw new AgentError("Failed to decode request: invalid hex in " + field);
    }
  }

  private static HttpResponse ok(ObjectNode out) {
    return HttpResponse.json(200, out.toString());
  }

  // The agent's framework answers every handler or dispatch error with 400 and {"error": ...}.
  private static HttpResponse error(String message) {
    return HttpResponse.json(400, "{\n  \"error\": " + HttpResponse.jsonString(message) + "\n}");
  }

  private static Bytes secret(String label) {
    try {
      return Bytes.of(MessageDigest.getInstance("SHA-256").digest(("dcapd-simulator/" + label).getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JDK", e);
    }
  }

  private static final class AgentError extends Exception {
    private static final long serialVersionUID = 1L;

    AgentError(String message) {
      super(message);
    }
  }
}
