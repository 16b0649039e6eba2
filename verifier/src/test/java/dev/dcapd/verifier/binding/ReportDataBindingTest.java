package dev.dcapd.verifier.binding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dcapd.verifier.Bytes;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Optional;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.junit.jupiter.api.Test;

/** The report_data binding layout, with a known Ethereum address from the dstack vectors. */
class ReportDataBindingTest {
  /** dstack simulator v0.5.6+ app key and its Ethereum address (vectors/dstack/README.md). */
  private static final String DSTACK_APP_KEY = "02818494263695e8839122dbd88e281d7380622999df4e60a14befa0f2d096fc7c";
  private static final String DSTACK_APP_ADDRESS = "d508660da170d8b162779698a64e6707d5aa217a";

  private static Bytes uncompressed(String curve, String compressedHex) {
    X9ECParameters p = CustomNamedCurves.getByName(curve);
    byte[] encoded = p.getCurve().decodePoint(Bytes.fromHex(compressedHex).toByteArray()).getEncoded(false);
    return Bytes.of(Arrays.copyOfRange(encoded, 1, encoded.length));
  }

  @Test
  void secp256k1KeyIdIsTheEthereumAddress() {
    Bytes key = uncompressed("secp256k1", DSTACK_APP_KEY);
    assertEquals(Bytes.fromHex(DSTACK_APP_ADDRESS), ReportDataBinding.keyId(KeyType.SECP256K1, key));
  }

  @Test
  void layoutAndRoundTrip() throws Exception {
    Bytes key = uncompressed("secp256k1", DSTACK_APP_KEY);
    Bytes nonce = Bytes.of("challenge-42".getBytes(StandardCharsets.US_ASCII));
    Bytes rd = ReportDataBinding.encode(KeyType.SECP256K1, key, Optional.of(nonce));
    assertEquals(64, rd.length());
    assertEquals("dcapdbv1", new String(rd.slice(0, 8).toByteArray(), StandardCharsets.US_ASCII));
    assertEquals(2, rd.unsigned(8));
    assertTrue(rd.slice(9, 3).isAllZero());
    assertEquals(Bytes.fromHex(DSTACK_APP_ADDRESS), rd.slice(12, 20));
    assertEquals(Bytes.of(MessageDigest.getInstance("SHA-256").digest(nonce.toByteArray())), rd.slice(32, 32));

    ReportDataBinding.Binding b = ReportDataBinding.decode(rd).orElseThrow();
    assertEquals(KeyType.SECP256K1, b.keyType());
    assertFalse(b.hasNoNonce());
    assertTrue(ReportDataBinding.matches(rd, KeyType.SECP256K1, key, Optional.of(nonce)));
    assertFalse(ReportDataBinding.matches(rd, KeyType.SECP256K1, key, Optional.empty()));
    assertFalse(ReportDataBinding.matches(rd, KeyType.P256, key, Optional.of(nonce)));
  }

  @Test
  void p256WithoutNonce() {
    Bytes key = uncompressed("secp256r1", "036b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296");
    Bytes rd = ReportDataBinding.encode(KeyType.P256, key, Optional.empty());
    assertTrue(ReportDataBinding.decode(rd).orElseThrow().hasNoNonce());
    assertTrue(ReportDataBinding.matches(rd, KeyType.P256, key, Optional.empty()));
    Bytes other = uncompressed("secp256r1", "026b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296");
    assertFalse(ReportDataBinding.matches(rd, KeyType.P256, other, Optional.empty()));
  }

  @Test
  void otherReportDataIsNotABinding() {
    assertTrue(ReportDataBinding.decode(Bytes.zeros(64)).isEmpty());
    byte[] rd = ReportDataBinding.encode(KeyType.P256, Bytes.zeros(64), Optional.empty()).toByteArray();
    rd[8] = 9;
    assertTrue(ReportDataBinding.decode(Bytes.of(rd)).isEmpty());
    rd[8] = 1;
    rd[10] = 1;
    assertTrue(ReportDataBinding.decode(Bytes.of(rd)).isEmpty());
    assertTrue(ReportDataBinding.decode(Bytes.zeros(32)).isEmpty());
  }
}
