package dev.dcapd.testkit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcapd.verifier.Bytes;
import java.util.List;

/**
 * A TDX module entry of TCB info: {@code tdxModule} (no id, no levels) or one of
 * {@code tdxModuleIdentities} ({@code TDX_%02X} with its own TCB levels).
 */
public record TdxModuleIdentity(
    String id, Bytes mrSigner, Bytes attributes, Bytes attributesMask, List<EnclaveTcbLevel> tcbLevels) {

  public TdxModuleIdentity {
    tcbLevels = List.copyOf(tcbLevels);
    if (mrSigner.length() != 48 || attributes.length() != 8 || attributesMask.length() != 8) {
      throw new IllegalArgumentException("mrsigner is 48 bytes, attributes and mask 8");
    }
  }

  /** The identity id for module major version {@code version}: {@code TDX_%02X}. */
  public static String idFor(int version) {
    return String.format("TDX_%02X", version);
  }

  public TdxModuleIdentity withId(String newId) {
    return new TdxModuleIdentity(newId, mrSigner, attributes, attributesMask, tcbLevels);
  }

  public TdxModuleIdentity withMrSigner(Bytes signer) {
    return new TdxModuleIdentity(id, signer, attributes, attributesMask, tcbLevels);
  }

  ObjectNode toJson() {
    ObjectNode n = Json.MAPPER.createObjectNode();
    if (id != null) {
      n.put("id", id);
    }
    n.put("mrsigner", mrSigner.hex().toUpperCase());
    n.put("attributes", attributes.hex().toUpperCase());
    n.put("attributesMask", attributesMask.hex().toUpperCase());
    if (id != null) {
      var a = n.putArray("tcbLevels");
      tcbLevels.forEach(l -> a.add(l.toJson()));
    }
    return n;
  }
}
