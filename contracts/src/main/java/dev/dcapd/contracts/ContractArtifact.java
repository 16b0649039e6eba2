package dev.dcapd.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcapd.verifier.Bytes;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * A contract of {@code src/main/solidity} as the build compiled it ({@code /solidity/<Name>.json}
 * on the class path): its ABI and creation bytecode.
 */
public record ContractArtifact(String name, JsonNode abi, Bytes bytecode, String compiler) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The registry consumers deploy. */
  public static final String REGISTRY = "DcapKeyRegistry";
  /** The test double of Automata's entry point. */
  public static final String ATTESTATION_DOUBLE = "AutomataDcapAttestationDouble";

  /** Loads the artifact of contract {@code name}. */
  public static ContractArtifact load(String name) {
    try (InputStream in = ContractArtifact.class.getResourceAsStream("/solidity/" + name + ".json")) {
      if (in == null) {
        throw new IllegalStateException("no compiled contract " + name + " on the class path (the build compiles src/main/solidity)");
      }
      JsonNode n = JSON.readTree(in);
      return new ContractArtifact(name, n.get("abi"), Bytes.fromHex(n.get("bytecode").asText()), n.path("compiler").asText());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Creation code followed by ABI-encoded constructor arguments. */
  public Bytes deployment(Bytes constructorArguments) {
    byte[] out = new byte[bytecode.length() + constructorArguments.length()];
    bytecode.copyTo(out, 0);
    constructorArguments.copyTo(out, bytecode.length());
    return Bytes.of(out);
  }
}
