package dev.dcapd.sidecar.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dcapd.verifier.Bytes;

/** Reading the agent's {@code bytes} fields: hex text, optionally with {@code 0x}, even length. */
final class Hex {
  private Hex() {}

  static Bytes field(JsonNode answer, String name, String where) throws AgentException {
    JsonNode n = answer.get(name);
    if (n == null || n.isNull()) {
      throw new AgentException(AgentException.Kind.BAD_ANSWER, where + " answered without \"" + name + "\"");
    }
    if (!n.isTextual()) {
      throw new AgentException(AgentException.Kind.BAD_ANSWER, where + ": \"" + name + "\" is not a hex string");
    }
    try {
      return Bytes.fromHex(n.textValue().strip());
    } catch (IllegalArgumentException e) {
      throw new AgentException(AgentException.Kind.BAD_ANSWER, where + ": \"" + name + "\" is not hex");
    }
  }

  /** A JSON-text field (the agent nests JSON as strings); an array or object sent as-is is accepted too. */
  static String jsonText(JsonNode answer, String name) {
    JsonNode n = answer.get(name);
    if (n == null || n.isNull()) {
      return "";
    }
    return n.isTextual() ? n.textValue() : n.toString();
  }
}
