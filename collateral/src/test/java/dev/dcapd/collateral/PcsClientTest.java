package dev.dcapd.collateral;

import static dev.dcapd.collateral.TestVectors.SGX_KEY;
import static dev.dcapd.collateral.TestVectors.TDX_KEY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import dev.dcapd.verifier.Vectors;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.quote.TeeType;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The PCS/PCCS client against a fake server serving the real vectors as PCS and PCCS send them. */
class PcsClientTest {
  private final FakePcs server = new FakePcs();
  private final TestVectors.RecordingSleeper sleeper = new TestVectors.RecordingSleeper();

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void pccsTdxCollateralEqualsTheVectorFieldForField() throws Exception {
    QuoteCollateral expected = TestVectors.tdxCollateral();
    server.serve(TeeType.TDX, expected);
    QuoteCollateral fetched = TestVectors.pccs(server, TestVectors.getter(sleeper)).fetch(TDX_KEY);

    assertEquals(expected, fetched);
    assertTrue(java.util.Arrays.equals(expected.tcbInfo().getBytes(StandardCharsets.UTF_8),
        fetched.tcbInfo().getBytes(StandardCharsets.UTF_8)));
    assertTrue(java.util.Arrays.equals(expected.qeIdentity().getBytes(StandardCharsets.UTF_8),
        fetched.qeIdentity().getBytes(StandardCharsets.UTF_8)));
    ObjectMapper json = new ObjectMapper();
    assertEquals(json.readTree(Vectors.text("dcap-qvl/tdx_quote_collateral.json")), json.readTree(fetched.toJson()));
    assertEquals(1, server.requests(FakePcs.ROOT_CA_CRL), "a PCCS serves the root CA CRL as hex at /rootcacrl");
    assertEquals(0, server.requests(FakePcs.ROOT_CRL_DP));
    assertEquals(List.of("fmspc=B0C06F000000&update=standard"), server.queries(FakePcs.TCB));
    assertEquals(List.of("ca=platform&encoding=der"), server.queries(FakePcs.PCK_CRL));
    assertEquals(List.of(), sleeper.waits);
  }

  @Test
  void intelPcsSgxCollateralEqualsTheVectorWithTheV3HeaderAndTheDistributionPoint() throws Exception {
    QuoteCollateral expected = TestVectors.sgxCollateral();
    server.serve(TeeType.SGX, expected).tcbChainHeader(IssuerChainHeader.TCB_INFO_V3);
    PcsClient pcs = PcsClient.builder(server.baseUrl(), TestVectors.getter(sleeper))
        .kind(PcsClient.Kind.INTEL_PCS)
        .rootCaCrlUrl(server.rootCrlUri())
        .build();

    assertEquals(expected, pcs.fetch(SGX_KEY));
    assertEquals(0, server.requests(FakePcs.ROOT_CA_CRL), "Intel PCS has no /rootcacrl");
    assertEquals(1, server.requests(FakePcs.ROOT_CRL_DP));
    assertEquals(List.of("fmspc=00A067110000&update=standard"), server.queries(FakePcs.TCB));
    assertEquals(List.of("ca=processor&encoding=der"), server.queries(FakePcs.PCK_CRL));
  }

  @Test
  void pccsWithoutRootCaCrlFallsBackToTheDistributionPoint() throws Exception {
    server.serve(TeeType.TDX, TestVectors.tdxCollateral()).fault(FakePcs.ROOT_CA_CRL, FakePcs.status(404));
    PcsClient pccs = PcsClient.builder(server.baseUrl(), TestVectors.getter(sleeper))
        .rootCaCrlUrl(server.rootCrlUri())
        .build();

    assertEquals(PcsClient.Kind.PCCS, pccs.kind());
    assertEquals(TestVectors.tdxCollateral(), pccs.fetch(TDX_KEY));
    assertEquals(1, server.requests(FakePcs.ROOT_CA_CRL));
    assertEquals(1, server.requests(FakePcs.ROOT_CRL_DP));
  }

  @Test
  void aPckCrlSentAsHexTextIsAccepted() throws Exception {
    server.serve(TeeType.TDX, TestVectors.tdxCollateral()).fault(FakePcs.PCK_CRL, (ex, normal) -> {
      byte[] hex = dev.dcapd.verifier.Bytes.of(normal.body()).hex().getBytes(StandardCharsets.US_ASCII);
      normal.headers().forEach((k, v) -> ex.getResponseHeaders().add(k, v));
      ex.sendResponseHeaders(200, hex.length);
      ex.getResponseBody().write(hex);
      return true;
    });
    assertEquals(TestVectors.tdxCollateral(), TestVectors.pccs(server, TestVectors.getter(sleeper)).fetch(TDX_KEY));
  }

  @Test
  void updateAndTcbEvaluationDataNumberGoIntoTheQuery() throws Exception {
    server.serve(TeeType.TDX, TestVectors.tdxCollateral());
    PcsClient early = PcsClient.builder(server.baseUrl(), TestVectors.getter(sleeper)).update(UpdateType.EARLY).build();
    early.fetch(TDX_KEY);
    PcsClient pinned = PcsClient.builder(server.baseUrl(), TestVectors.getter(sleeper)).tcbEvaluationDataNumber(17).build();
    pinned.fetch(TDX_KEY);

    assertEquals(List.of("fmspc=B0C06F000000&update=early", "fmspc=B0C06F000000&tcbEvaluationDataNumber=17"),
        server.queries(FakePcs.TCB));
    assertEquals(List.of("update=early", "tcbEvaluationDataNumber=17"), server.queries(FakePcs.QE_IDENTITY));
  }

  @Test
  void aBaseUrlWithTheApiPathWorksToo() throws Exception {
    server.serve(TeeType.TDX, TestVectors.tdxCollateral());
    PcsClient pccs = PcsClient.builder(server.baseUrl() + "/tdx/certification/v4/", TestVectors.getter(sleeper)).build();
    assertEquals(server.baseUrl(), pccs.name());
    assertEquals(TestVectors.tdxCollateral(), pccs.fetch(TDX_KEY));
  }

  @Test
  void baseUrlNormalisation() {
    assertEquals("https://pccs.phala.network", PcsClient.normalizeBaseUrl("https://pccs.phala.network/"));
    assertEquals("https://pccs.phala.network", PcsClient.normalizeBaseUrl(" https://pccs.phala.network//sgx/certification/v4// "));
    assertEquals("https://h:8081/pccs", PcsClient.normalizeBaseUrl("https://h:8081/pccs/tdx/certification/v4"));
    assertEquals("https://api.trustedservices.intel.com", PcsClient.normalizeBaseUrl(PcsClient.INTEL_PCS_URL));
    assertThrows(IllegalArgumentException.class, () -> PcsClient.normalizeBaseUrl("ftp://h"));
    assertThrows(IllegalArgumentException.class, () -> PcsClient.normalizeBaseUrl("pccs.phala.network"));
    assertThrows(IllegalArgumentException.class, () -> PcsClient.normalizeBaseUrl("https://h/?x=1"));
  }

  @Test
  void intelHostMeansTheIntelDialect() {
    HttpGetter http = TestVectors.getter(sleeper);
    assertEquals(PcsClient.Kind.INTEL_PCS, PcsClient.builder(PcsClient.INTEL_PCS_URL, http).build().kind());
    assertEquals(PcsClient.Kind.PCCS, PcsClient.builder(PcsClient.PHALA_PCCS_URL, http).build().kind());
    assertEquals(List.of("https://api.trustedservices.intel.com/INTEL_PCS", "https://pccs.phala.network/PCCS"),
        PcsClient.defaults(http, UpdateType.STANDARD).stream().map(c -> c.name() + "/" + c.kind()).toList());
  }

  @Test
  void rootCrlDistributionPointIsReadFromTheRootCertificate() throws Exception {
    assertEquals(URI.create("https://certificates.trustedservices.intel.com/IntelSGXRootCA.der"),
        PcsClient.distributionPointOfRoot(TestVectors.tdxCollateral().qeIdentityIssuerChain()).orElseThrow());
  }

  @Test
  void aMissingIssuerChainHeaderIsMalformed() {
    server.serve(TeeType.TDX, TestVectors.tdxCollateral())
        .fault(FakePcs.QE_IDENTITY, (ex, normal) -> {
          ex.sendResponseHeaders(200, normal.body().length);
          ex.getResponseBody().write(normal.body());
          return true;
        });
    DcapException e = assertThrows(DcapException.class,
        () -> TestVectors.pccs(server, TestVectors.getter(sleeper)).fetch(TDX_KEY));
    assertEquals(FailureCode.COLLATERAL_MALFORMED, e.code());
  }

  @Test
  void anUnknownFmspcIsNotFound() {
    server.serve(TeeType.TDX, TestVectors.tdxCollateral());
    CollateralKey other = new CollateralKey(TeeType.TDX, dev.dcapd.verifier.Bytes.fromHex("00906ED50000"), TDX_KEY.ca());
    DcapException e = assertThrows(DcapException.class,
        () -> TestVectors.pccs(server, TestVectors.getter(sleeper)).fetch(other));
    assertEquals(FailureCode.COLLATERAL_NOT_FOUND, e.code());
    assertEquals(1, server.requests(FakePcs.TCB), "404 is not retried");
    assertEquals(0, server.requests(FakePcs.QE_IDENTITY));
  }
}
