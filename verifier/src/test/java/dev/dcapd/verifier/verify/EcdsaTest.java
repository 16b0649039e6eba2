package dev.dcapd.verifier.verify;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.Vectors;
import dev.dcapd.verifier.quote.Quote;
import dev.dcapd.verifier.quote.QuoteParser;
import java.math.BigInteger;
import java.security.cert.X509Certificate;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.junit.jupiter.api.Test;

/** The signature primitive fails closed on every malformed input. */
class EcdsaTest {
  static final Quote QUOTE;
  static final byte[] RAW = Vectors.bytes("dcap-qvl/tdx_quote");

  static {
    try {
      QUOTE = QuoteParser.parse(RAW);
    } catch (Exception e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  static Ecdsa.Key key() {
    return Ecdsa.rawKey(QUOTE.signatureData().attestationKey());
  }

  @Test
  void realQuoteSignatureVerifies() {
    assertTrue(Ecdsa.verifyRaw(key(), RAW, 0, QUOTE.signedLength(), QUOTE.signatureData().quoteSignature()));
  }

  @Test
  void signatureMustBeExactly64Bytes() {
    Bytes sig = QUOTE.signatureData().quoteSignature();
    assertFalse(Ecdsa.verifyRaw(key(), RAW, 0, QUOTE.signedLength(), sig.slice(0, 63)));
    assertFalse(Ecdsa.verifyRaw(key(), RAW, 0, QUOTE.signedLength(), Bytes.fromHex("00" + sig.hex())));
    assertFalse(Ecdsa.verifyRaw(key(), RAW, 0, QUOTE.signedLength(), Bytes.empty()));
  }

  @Test
  void outOfRangeScalarsAreRejected() {
    X9ECParameters p = CustomNamedCurves.getByName("secp256r1");
    byte[] n = to32(p.getN());
    Bytes sig = QUOTE.signatureData().quoteSignature();
    // r = 0, r = n, s = n: never valid, must not throw.
    assertFalse(Ecdsa.verifyRaw(key(), RAW, 0, QUOTE.signedLength(), Bytes.fromHex("00".repeat(32) + sig.hex().substring(64))));
    assertFalse(Ecdsa.verifyRaw(key(), RAW, 0, QUOTE.signedLength(), Bytes.fromHex(Bytes.of(n).hex() + sig.hex().substring(64))));
    assertFalse(Ecdsa.verifyRaw(key(), RAW, 0, QUOTE.signedLength(), Bytes.fromHex(sig.hex().substring(0, 64) + Bytes.of(n).hex())));
    assertFalse(Ecdsa.verifyRaw(key(), RAW, 0, QUOTE.signedLength(), Bytes.zeros(64)));
  }

  @Test
  void keysOffTheCurveAreNotKeys() {
    assertNull(Ecdsa.rawKey(Bytes.zeros(64)));
    byte[] k = QUOTE.signatureData().attestationKey().toByteArray();
    k[63] ^= 1;
    assertNull(Ecdsa.rawKey(Bytes.of(k)));
    assertNull(Ecdsa.rawKey(Bytes.zeros(65)));
    assertFalse(Ecdsa.verifyRaw(null, RAW, QUOTE.signatureData().quoteSignature()));
  }

  @Test
  void certificateSignatures() throws Exception {
    X509Certificate leaf = QUOTE.certificationData().pckCertChain().certificates().get(0);
    X509Certificate ca = QUOTE.certificationData().pckCertChain().certificates().get(1);
    Ecdsa.Key caKey = Ecdsa.certificateKey(ca);
    assertNotNull(caKey);
    assertTrue(Ecdsa.verifyCertificate(leaf, caKey));
    assertFalse(Ecdsa.verifyCertificate(leaf, Ecdsa.certificateKey(leaf)));
    assertFalse(Ecdsa.verifyDer(caKey, leaf.getTBSCertificate(), new byte[] {0x30, 0x00}));
    assertFalse(Ecdsa.verifyDer(caKey, leaf.getTBSCertificate(), new byte[0]));
  }

  static byte[] to32(BigInteger v) {
    byte[] b = v.toByteArray();
    byte[] out = new byte[32];
    System.arraycopy(b, b.length - 32, out, 0, 32);
    return out;
  }
}
