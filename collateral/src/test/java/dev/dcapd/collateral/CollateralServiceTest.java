package dev.dcapd.collateral;

import static dev.dcapd.collateral.TestVectors.SGX_AT;
import static dev.dcapd.collateral.TestVectors.SGX_KEY;
import static dev.dcapd.collateral.TestVectors.TDX_AT;
import static dev.dcapd.collateral.TestVectors.TDX_KEY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.quote.Quote;
import dev.dcapd.verifier.quote.TeeType;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A quote's collateral, end to end from the fake server, with the quote's own PCK chain. */
class CollateralServiceTest {
  private final FakePcs server = new FakePcs()
      .serve(TeeType.TDX, TestVectors.tdxCollateral())
      .serve(TeeType.SGX, TestVectors.sgxCollateral());

  @AfterEach
  void stop() {
    server.close();
  }

  private CollateralService service(Clock clock) {
    return service(clock, Runnable::run);
  }

  private CollateralService service(Clock clock, java.util.concurrent.Executor refresher) {
    CollateralFetcher fetcher = new CollateralFetcher(
        List.of(TestVectors.pccs(server, TestVectors.getter(new TestVectors.RecordingSleeper()))),
        VerifierCollateralCheck.intelRoot(), clock);
    return new CollateralService(InMemoryCollateralCache.builder(fetcher).refreshExecutor(refresher).build());
  }

  @Test
  void keysComeFromThePckLeaf() throws Exception {
    assertEquals(TDX_KEY, CollateralService.keyOf(TestVectors.tdxQuote()));
    assertEquals(SGX_KEY, CollateralService.keyOf(TestVectors.sgxQuote()));
  }

  @Test
  void tdxQuoteGetsTheVectorCollateralWithItsPckChain() throws Exception {
    Quote quote = TestVectors.tdxQuote();
    QuoteCollateral c = service(Clock.fixed(TDX_AT, ZoneOffset.UTC)).forQuote(quote, TDX_AT);
    QuoteCollateral expected = TestVectors.tdxCollateral();
    assertEquals(quote.certificationData().pckCertChain().pem(), c.pckCertificateChain().orElseThrow());
    assertTrue(c.pckCertificateChain().get().startsWith("-----BEGIN CERTIFICATE-----"));
    assertEquals(expected, CollateralFetcher.withoutPckChain(c));
  }

  @Test
  void sgxQuoteGetsTheVectorCollateralWithItsPckChain() throws Exception {
    Quote quote = TestVectors.sgxQuote();
    QuoteCollateral c = service(Clock.fixed(SGX_AT, ZoneOffset.UTC)).forQuote(quote, SGX_AT);
    assertEquals(TestVectors.sgxCollateral(), CollateralFetcher.withoutPckChain(c));
    assertEquals(quote.certificationData().pckCertChain().pem(), c.pckCertificateChain().orElseThrow());
  }

  @Test
  void cachedForQuoteAnswersOnlyFromMemoryAndNeverFetches() throws Exception {
    Quote quote = TestVectors.tdxQuote();
    // Refreshes ahead of expiry are queued, not run: only the calling path's requests are counted.
    List<Runnable> refreshes = new java.util.ArrayList<>();
    CollateralService service = service(Clock.fixed(TDX_AT, ZoneOffset.UTC), refreshes::add);
    assertTrue(service.cachedForQuote(quote, TDX_AT).isEmpty());
    assertEquals(0, server.totalRequests());
    QuoteCollateral fetched = service.forQuote(quote, TDX_AT);
    int afterFetch = server.totalRequests();
    // Held now: the same object forQuote hands out, and no source is asked again.
    assertSame(fetched, service.cachedForQuote(quote, TDX_AT).orElseThrow());
    assertEquals(afterFetch, server.totalRequests());
    // Outside the held collateral's window: empty, for forQuote to decide, still without a fetch.
    assertTrue(service.cachedForQuote(quote, TDX_AT.plus(java.time.Duration.ofDays(3650))).isEmpty());
    assertTrue(service.cachedForQuote(TestVectors.sgxQuote(), TDX_AT).isEmpty());
    assertEquals(afterFetch, server.totalRequests());
  }
}
