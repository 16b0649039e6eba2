package dev.dcapd.sidecar.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcapd.sidecar.key.AppKey;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.Vectors;
import dev.dcapd.verifier.binding.KeyType;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** GetKey's derivation and signature chain, against the computed vectors and the simulator's app keys. */
class KeyDerivationTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void derivedKeysMatchTheVectors() throws Exception {
    JsonNode v = JSON.readTree(Vectors.text("dstack/computed/computed-vectors.json")).get("getkey_simulator");
    Bytes appKey = Bytes.fromHex(JSON.readTree(Vectors.text("dstack/simulator-v0.5.6-plus/appkeys.json")).get("k256_key").textValue());
    assertEquals(v.get("app_k256_pubkey_compressed").textValue(), KeyDerivation.compressedPublicKey(appKey).hex());
    assertEquals(v.get("app_eth_address").textValue(), AppKey.fromSecret(KeyType.SECP256K1, appKey).keyId().hex0x());
    for (String path : new String[] {"test", "wallet/ethereum"}) {
      JsonNode p = v.at("/by_path/" + path.replace("/", "~1"));
      Bytes derived = KeyDerivation.derive(appKey, path);
      assertEquals(p.get("derived_key_hex").textValue(), derived.hex(), path);
      assertEquals(p.get("secp256k1_pubkey_compressed").textValue(), KeyDerivation.compressedPublicKey(derived).hex(), path);
      // The binding's secp256k1 key id is the Ethereum address.
      assertEquals(p.get("eth_address").textValue(), AppKey.fromSecret(KeyType.SECP256K1, derived).keyId().hex0x(), path);
    }
  }

  @Test
  void theKmsSignatureOfTheSimulatorRecoversToTheKnownRoot() throws Exception {
    JsonNode keys = JSON.readTree(Vectors.text("dstack/simulator-v0.5.6-plus/appkeys.json"));
    JsonNode v = JSON.readTree(Vectors.text("dstack/computed/computed-vectors.json")).get("getkey_simulator");
    Bytes appKey = Bytes.fromHex(keys.get("k256_key").textValue());
    byte[] prefix = "dstack-kms-issued:".getBytes(StandardCharsets.US_ASCII);
    byte[] id = Bytes.fromHex(v.get("simulator_app_id").textValue()).toByteArray();
    byte[] pub = KeyDerivation.compressedPublicKey(appKey).toByteArray();
    byte[] message = new byte[prefix.length + id.length + pub.length];
    System.arraycopy(prefix, 0, message, 0, prefix.length);
    System.arraycopy(id, 0, message, prefix.length, id.length);
    System.arraycopy(pub, 0, message, prefix.length + id.length, pub.length);
    assertEquals(v.get("kms_root_pubkey_recovered").textValue(), KeyDerivation.recoverCompressed(
        Bytes.fromHex(keys.get("k256_signature").textValue()), KeyDerivation.keccak256(message)).hex());
  }

  @Test
  void ourChainRecoversToOurKeys() {
    Bytes appKey = Bytes.fromHex("11".repeat(32));
    Bytes kmsKey = Bytes.fromHex("22".repeat(32));
    Bytes appId = Bytes.fromHex("33".repeat(20));
    Bytes derived = KeyDerivation.derive(appKey, "p");
    Bytes sig = KeyDerivation.appSignature(appKey, "signing", derived);
    byte[] msg = ("signing:" + KeyDerivation.compressedPublicKey(derived).hex()).getBytes(StandardCharsets.UTF_8);
    assertEquals(KeyDerivation.compressedPublicKey(appKey), KeyDerivation.recoverCompressed(sig, KeyDerivation.keccak256(msg)));
    Bytes kms = KeyDerivation.kmsSignature(kmsKey, appId, appKey);
    assertEquals(65, kms.length());
  }
}
