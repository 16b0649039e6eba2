package dev.dcapd.sidecar.agent;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The agent's Info answer: the fields the sidecar shows the app, and the whole answer as sent.
 * Identifiers are kept as the agent's hex text (0.3.x agents send them as free strings).
 */
public record AgentInfo(String appId, String instanceId, String appName, String composeHash, String keyProviderInfo,
    JsonNode raw) {
  static AgentInfo of(JsonNode n) {
    return new AgentInfo(n.path("app_id").asText(""), n.path("instance_id").asText(""), n.path("app_name").asText(""),
        n.path("compose_hash").asText(""), n.path("key_provider_info").asText(""), n.deepCopy());
  }

  @Override
  public JsonNode raw() {
    return raw.deepCopy();
  }
}
