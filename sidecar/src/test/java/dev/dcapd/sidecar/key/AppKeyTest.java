package dev.dcapd.sidecar.key;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.binding.KeyType;
import dev.dcapd.verifier.binding.ReportDataBinding;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

class AppKeyTest {
  @ParameterizedTest
  @EnumSource(KeyType.class)
  void signaturesVerifyOnlyForTheirMessageAndKey(KeyType type) {
    AppKey key = AppKey.generate(type, new SecureRandom());
    Bytes message = Bytes.of("hello".getBytes());
    Bytes sig = key.sign(message);
    assertEquals(64, sig.length());
    assertTrue(AppKey.verify(type, key.publicKeyXY(), message, sig));
    assertFalse(AppKey.verify(type, key.publicKeyXY(), Bytes.of("hellO".getBytes()), sig));
    AppKey other = AppKey.generate(type, new SecureRandom());
    assertFalse(AppKey.verify(type, other.publicKeyXY(), message, sig));
    assertFalse(AppKey.verify(type, key.publicKeyXY(), message, sig.slice(0, 63)));
    assertFalse(AppKey.verify(type, Bytes.zeros(64), message, sig));
  }

  @ParameterizedTest
  @EnumSource(KeyType.class)
  void reportDataIsTheBindingRule(KeyType type) {
    AppKey key = AppKey.generate(type, new SecureRandom());
    Bytes nonce = Bytes.fromHex("00112233");
    assertTrue(ReportDataBinding.matches(key.reportData(Optional.of(nonce)), type, key.publicKeyXY(), Optional.of(nonce)));
    assertTrue(ReportDataBinding.matches(key.reportData(Optional.empty()), type, key.publicKeyXY(), Optional.empty()));
    assertEquals(Bytes.of(new byte[] {4}).hex() + key.publicKeyXY().hex(), key.publicKeyUncompressed().hex());
  }

  @Test
  void p256SignaturesVerifyWithTheJdk() throws Exception {
    AppKey key = AppKey.generate(KeyType.P256, new SecureRandom());
    PublicKey pub = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(key.publicKeySpki().toByteArray()));
    Bytes message = Bytes.of("attested".getBytes());
    Signature v = Signature.getInstance("SHA256withECDSA");
    v.initVerify(pub);
    v.update(message.toByteArray());
    assertTrue(v.verify(AppKey.der(key.sign(message)).toByteArray()));
  }

  @Test
  void secretsOutsideTheGroupAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> AppKey.fromSecret(KeyType.P256, Bytes.zeros(32)));
    assertThrows(IllegalArgumentException.class, () -> AppKey.fromSecret(KeyType.SECP256K1, Bytes.fromHex("ff".repeat(32))));
    assertThrows(IllegalArgumentException.class, () -> AppKey.fromSecret(KeyType.P256, Bytes.zeros(31)));
    Bytes secret = Bytes.fromHex("01".repeat(32));
    assertEquals(AppKey.fromSecret(KeyType.P256, secret).publicKeyXY(), AppKey.fromSecret(KeyType.P256, secret).publicKeyXY());
  }
}
