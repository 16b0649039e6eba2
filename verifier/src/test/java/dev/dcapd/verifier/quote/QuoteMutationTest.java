package dev.dcapd.verifier.quote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.dcapd.verifier.FailureCode;
import dev.dcapd.verifier.Vectors;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * One change to one header or length field of a real quote, each expecting its own failure code
 * and the offset of the field that was refused.
 */
class QuoteMutationTest {
  // dcap-qvl tdx_quote (v4, TDX): header 48 + TD report 584, then the signature data.
  private static final int V4_AUTH_SIZE = 632;
  private static final int V4_OUTER_CERT_TYPE = V4_AUTH_SIZE + 4 + 64 + 64;
  private static final int V4_OUTER_CERT_SIZE = V4_OUTER_CERT_TYPE + 2;
  private static final int V4_QE_AUTH_SIZE = V4_OUTER_CERT_SIZE + 4 + 384 + 64;
  private static final int V4_INNER_CERT_TYPE = V4_QE_AUTH_SIZE + 2 + 32;
  private static final int V4_INNER_CERT_SIZE = V4_INNER_CERT_TYPE + 2;
  // dcap-qvl sgx_quote (v3, SGX): header 48 + enclave report 384.
  private static final int V3_AUTH_SIZE = 432;
  private static final int V3_CERT_TYPE = V3_AUTH_SIZE + 4 + 64 + 64 + 384 + 64 + 2 + 32;
  private static final int V3_CERT_SIZE = V3_CERT_TYPE + 2;
  // dcap-qvl tdx_quote_outdated (v5, TD report 1.5): the body descriptor follows the header.
  private static final int V5_BODY_TYPE = 48;
  private static final int V5_BODY_SIZE = 50;

  private static byte[] v4() {
    return Vectors.bytes("dcap-qvl/tdx_quote");
  }

  private static byte[] v3() {
    return Vectors.bytes("dcap-qvl/sgx_quote");
  }

  private static byte[] v5() {
    return Vectors.bytes("dcap-qvl/tdx_quote_outdated");
  }

  private static void putU16(byte[] b, int at, int v) {
    b[at] = (byte) v;
    b[at + 1] = (byte) (v >>> 8);
  }

  private static void putU32(byte[] b, int at, long v) {
    for (int i = 0; i < 4; i++) {
      b[at + i] = (byte) (v >>> (8 * i));
    }
  }

  private static int u16(byte[] b, int at) {
    return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8;
  }

  private static long u32(byte[] b, int at) {
    return (b[at] & 0xffL) | (b[at + 1] & 0xffL) << 8 | (b[at + 2] & 0xffL) << 16 | (b[at + 3] & 0xffL) << 24;
  }

  private static void expect(FailureCode code, int offset, byte[] quote) {
    QuoteParseException e = assertThrows(QuoteParseException.class, () -> QuoteParser.parse(quote));
    assertEquals(code, e.code(), e.getMessage());
    assertEquals(offset, e.offset(), e.getMessage());
  }

  @Test
  void offsetsInThisTestMatchTheRealQuotes() throws Exception {
    assertEquals(CertificationData.TYPE_QE_REPORT, u16(v4(), V4_OUTER_CERT_TYPE));
    assertEquals(32, u16(v4(), V4_QE_AUTH_SIZE));
    assertEquals(CertificationData.TYPE_PCK_CERT_CHAIN, u16(v4(), V4_INNER_CERT_TYPE));
    assertEquals(CertificationData.TYPE_PCK_CERT_CHAIN, u16(v3(), V3_CERT_TYPE));
    assertEquals(3, u16(v5(), V5_BODY_TYPE));
    assertEquals(648, u32(v5(), V5_BODY_SIZE));
  }

  @Test
  void version() {
    for (int v : new int[] {0, 1, 2, 6, 0xffff}) {
      byte[] q = v4();
      putU16(q, QuoteLayout.HEADER_VERSION_START, v);
      expect(FailureCode.UNSUPPORTED_QUOTE_VERSION, 0, q);
    }
  }

  @Test
  void attestationKeyType() {
    byte[] q = v4();
    putU16(q, QuoteLayout.HEADER_AK_TYPE_START, 3); // ECDSA P-384: defined, not accepted.
    expect(FailureCode.UNSUPPORTED_ATTESTATION_KEY_TYPE, QuoteLayout.HEADER_AK_TYPE_START, q);
  }

  @Test
  void teeType() {
    byte[] q = v4();
    putU32(q, QuoteLayout.HEADER_TEE_TYPE_START, 0x82);
    expect(FailureCode.UNSUPPORTED_TEE_TYPE, QuoteLayout.HEADER_TEE_TYPE_START, q);

    byte[] v3AsTdx = v3();
    putU32(v3AsTdx, QuoteLayout.HEADER_TEE_TYPE_START, TeeType.TDX.code());
    expect(FailureCode.UNSUPPORTED_TEE_TYPE, QuoteLayout.HEADER_TEE_TYPE_START, v3AsTdx);
  }

  @Test
  void qeVendorId() {
    byte[] q = v4();
    q[QuoteLayout.HEADER_QE_VENDOR_ID_START + 5] ^= 1;
    expect(FailureCode.UNSUPPORTED_QE_VENDOR, QuoteLayout.HEADER_QE_VENDOR_ID_START, q);
  }

  @Test
  void v5BodyDescriptor() {
    byte[] unknown = v5();
    putU16(unknown, V5_BODY_TYPE, 4);
    expect(FailureCode.UNSUPPORTED_BODY_TYPE, V5_BODY_TYPE, unknown);

    byte[] sgxBodyInTdxQuote = v5();
    putU16(sgxBodyInTdxQuote, V5_BODY_TYPE, BodyType.SGX_ENCLAVE_REPORT.code());
    expect(FailureCode.UNSUPPORTED_BODY_TYPE, V5_BODY_TYPE, sgxBodyInTdxQuote);

    byte[] wrongSize = v5();
    putU32(wrongSize, V5_BODY_SIZE, BodyType.TD_REPORT_10.size());
    expect(FailureCode.UNSUPPORTED_BODY_TYPE, V5_BODY_SIZE, wrongSize);
  }

  @Test
  void truncation() {
    expect(FailureCode.QUOTE_TRUNCATED, 0, Arrays.copyOf(v4(), QuoteLayout.HEADER_SIZE - 1));
    expect(FailureCode.QUOTE_TRUNCATED, QuoteLayout.HEADER_SIZE, Arrays.copyOf(v4(), V4_AUTH_SIZE - 1));
    expect(FailureCode.QUOTE_TRUNCATED, V4_AUTH_SIZE, Arrays.copyOf(v4(), V4_AUTH_SIZE + 2));
    expect(FailureCode.QUOTE_TRUNCATED, V5_BODY_TYPE, Arrays.copyOf(v5(), V5_BODY_TYPE + 3));
    // Cutting into the signature data makes its declared length run past the end of the input.
    expect(FailureCode.QUOTE_TRUNCATED, V4_AUTH_SIZE, Arrays.copyOf(v4(), 4000));
  }

  @Test
  void signatureDataLength() {
    byte[] overCap = v4();
    putU32(overCap, V4_AUTH_SIZE, 0xffffffffL);
    expect(FailureCode.QUOTE_LENGTH_OVER_CAP, V4_AUTH_SIZE, overCap);

    byte[] pastEnd = v4();
    putU32(pastEnd, V4_AUTH_SIZE, pastEnd.length);
    expect(FailureCode.QUOTE_TRUNCATED, V4_AUTH_SIZE, pastEnd);

    // One byte more than the structure it holds (the quote has trailing bytes to take it from).
    byte[] oneMore = v4();
    putU32(oneMore, V4_AUTH_SIZE, u32(oneMore, V4_AUTH_SIZE) + 1);
    expect(FailureCode.QUOTE_LENGTH_MISMATCH, oneMore.length - 70, oneMore);

    byte[] oneLess = v4();
    putU32(oneLess, V4_AUTH_SIZE, u32(oneLess, V4_AUTH_SIZE) - 1);
    expect(FailureCode.QUOTE_LENGTH_MISMATCH, V4_OUTER_CERT_SIZE, oneLess);

    byte[] tooSmall = v4();
    putU32(tooSmall, V4_AUTH_SIZE, 100);
    expect(FailureCode.QUOTE_LENGTH_MISMATCH, V4_AUTH_SIZE + 4, tooSmall);
  }

  @Test
  void outerCertificationData() {
    byte[] type = v4();
    putU16(type, V4_OUTER_CERT_TYPE, CertificationData.TYPE_PCK_CERT_CHAIN);
    expect(FailureCode.UNSUPPORTED_CERTIFICATION_DATA, V4_OUTER_CERT_TYPE, type);

    byte[] longer = v4();
    putU32(longer, V4_OUTER_CERT_SIZE, u32(longer, V4_OUTER_CERT_SIZE) + 1);
    expect(FailureCode.QUOTE_LENGTH_MISMATCH, V4_OUTER_CERT_SIZE, longer);

    byte[] overCap = v4();
    putU32(overCap, V4_OUTER_CERT_SIZE, 0x7fffffffL);
    expect(FailureCode.QUOTE_LENGTH_OVER_CAP, V4_OUTER_CERT_SIZE, overCap);

    byte[] shorter = v4();
    putU32(shorter, V4_OUTER_CERT_SIZE, u32(shorter, V4_OUTER_CERT_SIZE) - 1);
    expect(FailureCode.QUOTE_LENGTH_MISMATCH, V4_INNER_CERT_SIZE, shorter);
  }

  @Test
  void qeAuthDataLength() {
    byte[] q = v4();
    putU16(q, V4_QE_AUTH_SIZE, 0xffff);
    expect(FailureCode.QUOTE_LENGTH_MISMATCH, V4_QE_AUTH_SIZE, q);
  }

  @Test
  void innerCertificationData() {
    for (int t : new int[] {0, CertificationData.TYPE_QE_REPORT, 7}) {
      byte[] q = v4();
      putU16(q, V4_INNER_CERT_TYPE, t);
      expect(FailureCode.UNSUPPORTED_CERTIFICATION_DATA, V4_INNER_CERT_TYPE, q);
    }
    byte[] longer = v4();
    putU32(longer, V4_INNER_CERT_SIZE, u32(longer, V4_INNER_CERT_SIZE) + 1);
    expect(FailureCode.QUOTE_LENGTH_MISMATCH, V4_INNER_CERT_SIZE, longer);

    byte[] shorter = v4();
    putU32(shorter, V4_INNER_CERT_SIZE, u32(shorter, V4_INNER_CERT_SIZE) - 1);
    expect(FailureCode.QUOTE_LENGTH_MISMATCH, shorter.length - 70 - 1, shorter);
  }

  @Test
  void v3CertificationData() {
    byte[] type6 = v3();
    putU16(type6, V3_CERT_TYPE, CertificationData.TYPE_QE_REPORT);
    expect(FailureCode.UNSUPPORTED_CERTIFICATION_DATA, V3_CERT_TYPE, type6);

    byte[] longer = v3();
    putU32(longer, V3_CERT_SIZE, u32(longer, V3_CERT_SIZE) + 1);
    expect(FailureCode.QUOTE_LENGTH_MISMATCH, V3_CERT_SIZE, longer);

    byte[] authShorter = v3();
    putU32(authShorter, V3_AUTH_SIZE, u32(authShorter, V3_AUTH_SIZE) - 1);
    expect(FailureCode.QUOTE_LENGTH_MISMATCH, V3_CERT_SIZE, authShorter);
  }
}
