package dev.dcapd.verifier.quote;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import dev.dcapd.verifier.Vectors;
import dev.dcapd.verifier.pck.CaType;
import dev.dcapd.verifier.pck.PckCertChain;
import dev.dcapd.verifier.pck.PckCertFormat;
import dev.dcapd.verifier.pck.PckExtension;
import dev.dcapd.verifier.pck.SgxType;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every real quote in the vectors parses, with the facts its README states, and round-trips. */
class QuoteVectorsTest {

  /** Every quote file among the vectors (binary or hex text). */
  static Stream<String> allQuotes() {
    return Stream.of(
        "dcap-qvl/sgx_quote",
        "dcap-qvl/tdx_quote",
        "dcap-qvl/tdx_quote_outdated",
        "dcap-qvl/quote-from-tappd.hex",
        "dcap-qvl/tdx-quote.hex",
        "go-tdx-guest/tdx_prod_quote_SPR_E4.dat",
        "go-tdx-guest/quote_v5_sample.dat",
        "go-tdx-guest/cos-113-tdx-quote.dat",
        "intel/qvl-sample-sgx/quote.dat",
        "intel/qvl-sample-tdx/quote.dat",
        "dstack/simulator-legacy-v0.5.0-0.5.5/quote.hex",
        "dstack/simulator-v0.5.6-plus/attestation.extracted-quote.hex",
        "dstack/ra-tls/tdx_quote.bin");
  }

  static Quote parse(String path) throws QuoteParseException {
    return QuoteInput.parse(Vectors.bytes(path));
  }

  @ParameterizedTest
  @MethodSource("allQuotes")
  void roundTripsToTheOriginalBytes(String path) throws Exception {
    byte[] raw = QuoteInput.decode(Vectors.bytes(path));
    Quote q = QuoteParser.parse(raw);
    Quote rebuilt = Quote.assemble(q.header(), q.body(), q.signatureData(), q.trailing());
    assertArrayEquals(raw, rebuilt.raw().toByteArray(), path);
    assertArrayEquals(raw, q.raw().toByteArray(), path);
    assertEquals(raw.length, q.length() + q.trailing().length());
    if (path.endsWith("SPR_E4.dat")) {
      // go-tdx-guest appended a line of text to this quote to test that parsers ignore extra bytes.
      assertEquals("\nextra bytes(only for testing purpose)\n",
          new String(q.trailing().toByteArray(), StandardCharsets.US_ASCII));
    } else {
      assertTrue(q.trailing().isAllZero(), "trailing bytes of real quotes are zero padding");
    }
  }

  /** The quotes that carry their PCK chain: Intel's QVL samples keep it beside the quote (pckCert.pem). */
  static Stream<String> quotesWithPckChain() {
    return allQuotes().filter(p -> !p.startsWith("intel/"));
  }

  /** What Intel issues: Standard leaves with 5 entries under the Processor CA, Scalable with 7 under the Platform CA. */
  @ParameterizedTest
  @MethodSource("quotesWithPckChain")
  void everyPckLeafFitsTheCaThatIssuedIt(String path) throws Exception {
    PckCertChain chain = parse(path).certificationData().pckCertChain();
    PckCertFormat.requireFits(chain.caType(), chain.pckExtension());
  }

  @Test
  void sgxV3FromDcapQvl() throws Exception {
    Quote q = parse("dcap-qvl/sgx_quote");
    assertEquals(3, q.version());
    assertEquals(TeeType.SGX, q.teeType());
    assertEquals(4600, q.raw().length());
    assertEquals(0, q.trailing().length());
    assertEquals(10, q.header().qeSvn());
    assertEquals(15, q.header().pceSvn());
    EnclaveReport body = assertInstanceOf(EnclaveReport.class, q.body());
    assertEquals(Bytes.fromHex("0500000000000000e700000000000000"), body.attributes());
    assertTrue(body.mrEnclave().hex().startsWith("33d8736d"));
    assertTrue(body.mrEnclave().hex().endsWith("2fbb"));
    assertEquals(0, body.isvProdId());
    assertEquals(0, body.isvSvn());
    assertEquals(1, q.qeReportCertificationData().qeReport().isvProdId());
    assertEquals(10, q.qeReportCertificationData().qeReport().isvSvn());
    assertEquals(32, q.qeReportCertificationData().qeAuthData().length());
    assertEquals(CertificationData.TYPE_PCK_CERT_CHAIN, q.certificationData().type());

    PckCertChain chain = q.certificationData().pckCertChain();
    assertEquals(3, chain.certificates().size());
    assertEquals(CaType.PROCESSOR, chain.caType());
    PckExtension pck = chain.pckExtension();
    assertEquals(Bytes.fromHex("00A067110000"), pck.fmspc());
    assertEquals(Bytes.fromHex("0000"), pck.pceId());
    assertEquals(13, pck.pceSvn());
    assertEquals(Bytes.fromHex("0b0b0202ff0100000000000000000000"), pck.cpuSvn());
    assertEquals(SgxType.STANDARD, pck.sgxType());
    assertEquals(Bytes.fromHex("d04ec06d4e6d92dc90d0ad3cf5ee2ddf"), pck.ppid());
    assertTrue(pck.platformInstanceId().isEmpty());
    assertTrue(pck.configuration().isEmpty());
  }

  @Test
  void tdxV4FromDcapQvlHasSeventyTrailingZeros() throws Exception {
    Quote q = parse("dcap-qvl/tdx_quote");
    assertEquals(4, q.version());
    assertEquals(TeeType.TDX, q.teeType());
    assertEquals(5006, q.raw().length());
    assertEquals(70, q.trailing().length());
    assertEquals(5006 - 70, q.length());
    TdReport td = assertInstanceOf(TdReport.class, q.body());
    assertEquals(BodyType.TD_REPORT_10, td.bodyType());
    assertEquals(Bytes.fromHex("06010300000000000000000000000000"), td.teeTcbSvn());
    assertTrue(td.mrSignerSeam().isAllZero());
    assertTrue(td.seamAttributes().isAllZero());
    assertEquals(Bytes.fromHex("0000001000000000"), td.tdAttributes());
    assertEquals(Bytes.fromHex("e702060000000000"), td.xfam());
    assertTrue(td.mrTd().hex().startsWith("91eb2b44"));
    assertTrue(td.mrTd().hex().endsWith("18b7"));
    assertEquals(2, q.qeReportCertificationData().qeReport().isvProdId());
    assertEquals(6, q.qeReportCertificationData().qeReport().isvSvn());

    PckCertChain chain = q.certificationData().pckCertChain();
    assertEquals(CaType.PLATFORM, chain.caType());
    PckExtension pck = chain.pckExtension();
    assertEquals(Bytes.fromHex("B0C06F000000"), pck.fmspc());
    assertEquals(11, pck.pceSvn());
    assertEquals(Bytes.fromHex("03030202040100050000000000000000"), pck.cpuSvn());
    assertEquals(SgxType.SCALABLE, pck.sgxType());
    assertEquals(List.of(3, 3, 2, 2, 4, 1, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0), pck.tcbComponents());
    assertTrue(pck.platformInstanceId().isPresent());
    assertTrue(pck.configuration().isPresent());
  }

  @Test
  void tdxV5WithTdReport15FromDcapQvl() throws Exception {
    Quote q = parse("dcap-qvl/tdx_quote_outdated");
    assertEquals(5, q.version());
    assertEquals(5006, q.raw().length());
    assertEquals(0, q.trailing().length());
    TdReport td = assertInstanceOf(TdReport.class, q.body());
    assertEquals(BodyType.TD_REPORT_15, td.bodyType());
    assertEquals(Bytes.fromHex("07010300000000000000000000000000"), td.teeTcbSvn());
    assertEquals(Bytes.fromHex("0d010300000000000000000000000000"), td.teeTcbSvn2().orElseThrow());
    assertTrue(td.mrServiceTd().orElseThrow().isAllZero());
    assertEquals(Bytes.fromHex("0000001000000000"), td.tdAttributes());
    // v5 signs the 6-byte body descriptor too.
    assertEquals(QuoteLayout.HEADER_SIZE + QuoteLayout.BODY_DESCRIPTOR_SIZE + 648, q.signedLength());
    assertEquals(54, q.bodyOffset());
    assertEquals(7, q.qeReportCertificationData().qeReport().isvSvn());
    PckExtension pck = q.certificationData().pckCertChain().pckExtension();
    assertEquals(Bytes.fromHex("90C06F000000"), pck.fmspc());
    assertEquals(13, pck.pceSvn());
    assertEquals(Bytes.fromHex("03030202040100030000000000000000"), pck.cpuSvn());
  }

  @Test
  void hexQuotesFromDcapQvlWithAndWithoutPrefix() throws Exception {
    for (String path : List.of("dcap-qvl/quote-from-tappd.hex", "dcap-qvl/tdx-quote.hex")) {
      Quote q = parse(path);
      assertEquals(4, q.version(), path);
      assertEquals(5006, q.raw().length(), path);
      assertEquals(70, q.trailing().length(), path);
      PckExtension pck = q.certificationData().pckCertChain().pckExtension();
      assertEquals(Bytes.fromHex("B0C06F000000"), pck.fmspc(), path);
      assertEquals(11, pck.pceSvn(), path);
      assertEquals(Bytes.fromHex("02020202030100030000000000000000"), pck.cpuSvn(), path);
      assertEquals(CaType.PLATFORM, q.certificationData().pckCertChain().caType(), path);
    }
    assertTrue(new String(Vectors.bytes("dcap-qvl/tdx-quote.hex"), StandardCharsets.US_ASCII).startsWith("0x"));
  }

  @Test
  void goTdxGuestQuotes() throws Exception {
    Quote spr = parse("go-tdx-guest/tdx_prod_quote_SPR_E4.dat");
    assertEquals(4, spr.version());
    assertEquals(4974, spr.raw().length());
    assertEquals(4974 - 39, spr.length());
    TdReport sprTd = (TdReport) spr.body();
    assertEquals(Bytes.fromHex("03000400000000000000000000000000"), sprTd.teeTcbSvn());
    assertEquals(Bytes.fromHex("0000004000000000"), sprTd.tdAttributes());
    assertEquals(Bytes.fromHex("e71a060000000000"), sprTd.xfam());
    assertEquals(4, spr.qeReportCertificationData().qeReport().isvSvn());
    assertEquals(2, spr.qeReportCertificationData().qeReport().isvProdId());
    assertTrue(spr.qeReportCertificationData().qeReport().mrSigner().hex().startsWith("dc9e2a7c"));
    assertEquals(Bytes.fromHex("50806f000000"), spr.certificationData().pckCertChain().pckExtension().fmspc());
    assertEquals(CaType.PLATFORM, spr.certificationData().pckCertChain().caType());

    Quote v5 = parse("go-tdx-guest/quote_v5_sample.dat");
    assertEquals(5, v5.version());
    assertEquals(5006, v5.raw().length());
    TdReport v5Td = (TdReport) v5.body();
    assertEquals(BodyType.TD_REPORT_15, v5Td.bodyType());
    assertEquals(Bytes.fromHex("0b010400000000000000000000000000"), v5Td.teeTcbSvn());
    assertEquals(Bytes.fromHex("0d010400000000000000000000000000"), v5Td.teeTcbSvn2().orElseThrow());
    assertEquals(7, v5.qeReportCertificationData().qeReport().isvSvn());
    assertEquals(Bytes.fromHex("90c06f000000"), v5.certificationData().pckCertChain().pckExtension().fmspc());

    Quote cos = parse("go-tdx-guest/cos-113-tdx-quote.dat");
    assertEquals(4, cos.version());
    assertEquals(8000, cos.raw().length());
    assertTrue(cos.length() < 8000);
    assertEquals(8000 - cos.length(), cos.trailing().length());
    TdReport cosTd = (TdReport) cos.body();
    assertEquals(Bytes.fromHex("04010700000000000000000000000000"), cosTd.teeTcbSvn());
    assertEquals(Bytes.of(Vectors.bytes("go-tdx-guest/cos-113-nonce.dat")), cosTd.reportData());
    assertEquals(6, cos.qeReportCertificationData().qeReport().isvSvn());
    assertEquals(Bytes.fromHex("00806f050000"), cos.certificationData().pckCertChain().pckExtension().fmspc());
  }

  @Test
  void intelQvlSamples() throws Exception {
    Quote sgx = parse("intel/qvl-sample-sgx/quote.dat");
    assertEquals(3, sgx.version());
    assertEquals(1054, sgx.raw().length());
    assertEquals(0, sgx.header().qeSvn());
    assertEquals(3, sgx.header().pceSvn());
    assertEquals(CertificationData.TYPE_PPID_CLEARTEXT, sgx.certificationData().type());
    DcapException noChain = assertThrows(DcapException.class, () -> sgx.certificationData().pckCertChain());
    assertEquals(FailureCode.UNSUPPORTED_CERTIFICATION_DATA, noChain.code());

    Quote tdx = parse("intel/qvl-sample-tdx/quote.dat");
    assertEquals(4, tdx.version());
    assertEquals(3696, tdx.raw().length());
    assertEquals(TeeType.TDX, tdx.teeType());
    TdReport td = (TdReport) tdx.body();
    assertEquals(Bytes.fromHex("52c1a38cf7edf30a524b4ebb049f59c7"), td.teeTcbSvn());
    assertTrue(td.mrSignerSeam().isAllZero());
    assertTrue(td.seamAttributes().isAllZero());
    // Its inner type-5 data is DER, not PEM; Intel's verifier cannot extract it and neither do we.
    assertEquals(CertificationData.TYPE_PCK_CERT_CHAIN, tdx.certificationData().type());
    DcapException der = assertThrows(DcapException.class, () -> tdx.certificationData().pckCertChain());
    assertEquals(FailureCode.PCK_CERTIFICATE_MALFORMED, der.code());
  }

  @Test
  void dstackQuotes() throws Exception {
    Quote legacy = parse("dstack/simulator-legacy-v0.5.0-0.5.5/quote.hex");
    TdReport l = (TdReport) legacy.body();
    assertEquals(Bytes.fromHex("c68518a0ebb42136c12b2275164f8c72f25fa9a34392228687ed6e9caeb9c0f1dbd895e9cf475121c029dc47e70e91fd"), l.mrTd());
    assertEquals(Bytes.fromHex("85e0855a6384fa1c8a6ab36d0dcbfaa11a5753e5a070c08218ae5fe872fcb86967fd2449c29e22e59dc9fec998cb6547"), l.rtmr(0));
    assertEquals(Bytes.fromHex("6ba8f87f35d0641e8abca07e75e3882abdc9f19d7cc8f6e3fe04435bd5f694d4e3cf008b60d7c7233896e8d1f23c34a7"), l.rtmr(1));
    assertEquals(Bytes.fromHex("03b1c4afcac07d00d8e853163aff3ba3f9af68ddfbdbeafab70210a8dc601b409c28873d74fb6dbe7dc33a8da7c09621"), l.rtmr(2));
    assertEquals(Bytes.fromHex("6d1a3da994b6611ee602f25f07b41671ece90cd2898689f1ad4448fdf1155e3668736cca4499659caae2d8044070de57"), l.rtmr(3));
    assertTrue(l.reportData().isAllZero());
    assertTrue(l.mrConfigId().isAllZero());

    Quote current = parse("dstack/simulator-v0.5.6-plus/attestation.extracted-quote.hex");
    assertEquals(5010, current.raw().length());
    TdReport c = (TdReport) current.body();
    assertEquals(Bytes.fromHex("e53236d44a074bc78e784cdfa1a2c858a5f6b53afc1b60d8f079662314978b64241b646d8498dd767d5ea48e1e115822"), c.mrTd());
    assertEquals(Bytes.fromHex("01c143116fef3940e7f776bfc0919c256232ae5338a6e948c96b711e0b2383483a000000000000000000000000000000"), c.mrConfigId());
    assertEquals(Bytes.fromHex("f28a1490ee924e9396c2ccf2d93ad536b83cbe159a1d45024d1fd7acdcc102145efcfcd0cfa209416446c70226affadf"), c.rtmr(3));

    Quote raTls = parse("dstack/ra-tls/tdx_quote.bin");
    TdReport r = (TdReport) raTls.body();
    assertEquals(Bytes.fromHex("91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407de03ae6dc5f87f27428b2538873118b7"), r.mrTd());
    assertTrue(r.rtmr(3).isAllZero());
    assertTrue(new String(r.reportData().toByteArray(), StandardCharsets.US_ASCII).startsWith("# ~/.bashrc: executed by bash(1)"));
  }
}
