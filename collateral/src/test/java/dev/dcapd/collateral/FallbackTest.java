package dev.dcapd.collateral;

import static dev.dcapd.collateral.TestVectors.TDX_AT;
import static dev.dcapd.collateral.TestVectors.TDX_KEY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.FailureCode;
import dev.dcapd.verifier.Vectors;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.quote.TeeType;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Each way a source can fail, with the expected reason and the fallback to the second source,
 * which serves the real TDX vector; the result must be that vector exactly.
 */
class FallbackTest {
  private static final int ATTEMPTS = 3;

  private final FakePcs primary = new FakePcs();
  private final FakePcs secondary = new FakePcs().serve(TeeType.TDX, TestVectors.tdxCollateral());
  private final TestVectors.RecordingSleeper sleeper = new TestVectors.RecordingSleeper();
  private final Clock clock = Clock.fixed(TDX_AT.plusSeconds(5), ZoneOffset.UTC);

  @AfterEach
  void stop() {
    primary.close();
    secondary.close();
  }

  private CollateralFetcher.Result fetch(Duration timeout) throws Exception {
    HttpGetter http = TestVectors.getter(sleeper, ATTEMPTS, timeout);
    CollateralFetcher fetcher = new CollateralFetcher(
        List.of(TestVectors.pccs(primary, http), TestVectors.pccs(secondary, http)),
        VerifierCollateralCheck.intelRoot(), clock);
    return fetcher.fetch(TDX_KEY, TDX_AT);
  }

  private CollateralFetcher.Result fetch() throws Exception {
    return fetch(Duration.ofSeconds(5));
  }

  /** The primary was skipped for {@code code} and the secondary's vector was returned. */
  private void assertFellBack(CollateralFetcher.Result r, FailureCode code) {
    assertEquals(2, r.attempts().size(), r.attempts().toString());
    assertEquals(Optional.of(code), r.attempts().get(0).failure(), r.attempts().toString());
    assertTrue(r.attempts().get(1).succeeded());
    assertEquals(secondary.baseUrl(), r.collateral().source());
    assertEquals(TestVectors.tdxCollateral(), r.collateral().collateral());
    assertEquals(clock.instant(), r.collateral().fetchedAt());
  }

  private QuoteCollateral primaryServesEdited(java.util.function.UnaryOperator<QuoteCollateral> edit) {
    QuoteCollateral c = edit.apply(TestVectors.tdxCollateral());
    primary.serve(TeeType.TDX, c);
    return c;
  }

  @Test
  void notFoundIsNotRetried() throws Exception {
    CollateralFetcher.Result r = fetch(); // primary serves nothing: 404
    assertFellBack(r, FailureCode.COLLATERAL_NOT_FOUND);
    assertEquals(1, primary.requests(FakePcs.TCB));
    assertEquals(List.of(), sleeper.waits);
  }

  @Test
  void serverErrorsAreRetriedWithBackoffThenSkipped() throws Exception {
    primaryServesEdited(c -> c);
    primary.fault(FakePcs.TCB, FakePcs.status(500));
    assertFellBack(fetch(), FailureCode.COLLATERAL_UNAVAILABLE);
    assertEquals(ATTEMPTS, primary.requests(FakePcs.TCB));
    assertEquals(List.of(Duration.ofMillis(10), Duration.ofMillis(20)), sleeper.waits);
  }

  @Test
  void oneServerErrorIsRecoveredByARetry() throws Exception {
    primaryServesEdited(c -> c);
    primary.fault(FakePcs.QE_IDENTITY, FakePcs.times(1, FakePcs.status(503)));
    CollateralFetcher.Result r = fetch();
    assertEquals(primary.baseUrl(), r.collateral().source());
    assertEquals(TestVectors.tdxCollateral(), r.collateral().collateral());
    assertEquals(2, primary.requests(FakePcs.QE_IDENTITY));
    assertEquals(0, secondary.totalRequests());
  }

  @Test
  void tooManyRequestsHonoursRetryAfter() throws Exception {
    primaryServesEdited(c -> c);
    primary.fault(FakePcs.TCB, FakePcs.times(1, FakePcs.status(429, "2")));
    CollateralFetcher.Result r = fetch();
    assertEquals(primary.baseUrl(), r.collateral().source());
    assertEquals(List.of(Duration.ofSeconds(2)), sleeper.waits);
    assertEquals(2, primary.requests(FakePcs.TCB));
  }

  @Test
  void aRetryAfterBeyondTheBoundSkipsTheSourceAtOnce() throws Exception {
    primaryServesEdited(c -> c);
    primary.fault(FakePcs.TCB, FakePcs.status(429, "3600"));
    assertFellBack(fetch(), FailureCode.COLLATERAL_UNAVAILABLE);
    assertEquals(1, primary.requests(FakePcs.TCB));
    assertEquals(List.of(), sleeper.waits);
  }

  @Test
  void aHangingServerTimesOut() throws Exception {
    primaryServesEdited(c -> c);
    primary.fault(FakePcs.TCB, primary.hang());
    assertFellBack(fetch(Duration.ofMillis(300)), FailureCode.COLLATERAL_UNAVAILABLE);
    assertEquals(ATTEMPTS, primary.requests(FakePcs.TCB));
  }

  @Test
  void aConnectionDroppedMidBodyIsRetriedThenSkipped() throws Exception {
    try (DroppingServer dropping = new DroppingServer()) {
      HttpGetter http = TestVectors.getter(sleeper, ATTEMPTS, Duration.ofSeconds(5));
      CollateralFetcher fetcher = new CollateralFetcher(
          List.of(PcsClient.builder(dropping.baseUrl(), http).build(), TestVectors.pccs(secondary, http)),
          VerifierCollateralCheck.intelRoot(), clock);
      CollateralFetcher.Result r = fetcher.fetch(TDX_KEY, TDX_AT);
      assertEquals(Optional.of(FailureCode.COLLATERAL_UNAVAILABLE), r.attempts().get(0).failure());
      assertEquals(secondary.baseUrl(), r.collateral().source());
      assertEquals(ATTEMPTS, dropping.connections.get());
    }
  }

  /** Announces a 1000-byte body, sends 10 bytes and closes the socket, for every request. */
  private static final class DroppingServer implements AutoCloseable {
    final java.util.concurrent.atomic.AtomicInteger connections = new java.util.concurrent.atomic.AtomicInteger();
    private final ServerSocket socket;
    private final Thread thread;

    DroppingServer() throws java.io.IOException {
      socket = new ServerSocket(0, 8, java.net.InetAddress.getLoopbackAddress());
      thread = new Thread(this::serve, "dropping-server");
      thread.setDaemon(true);
      thread.start();
    }

    String baseUrl() {
      return "http://127.0.0.1:" + socket.getLocalPort();
    }

    private void serve() {
      while (!socket.isClosed()) {
        try (java.net.Socket s = socket.accept()) {
          connections.incrementAndGet();
          java.io.BufferedReader in = new java.io.BufferedReader(
              new java.io.InputStreamReader(s.getInputStream(), java.nio.charset.StandardCharsets.US_ASCII));
          for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
            // read the request head
          }
          java.io.OutputStream out = s.getOutputStream();
          out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"tcbInfo\"")
              .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
          out.flush();
        } catch (java.io.IOException e) {
          return;
        }
      }
    }

    @Override
    public void close() throws java.io.IOException {
      socket.close();
    }
  }

  @Test
  void aTruncatedBodyIsMalformed() throws Exception {
    primaryServesEdited(c -> c);
    primary.fault(FakePcs.TCB, FakePcs.truncatedBody());
    assertFellBack(fetch(), FailureCode.COLLATERAL_MALFORMED);
    assertEquals(1, primary.requests(FakePcs.TCB));
  }

  @Test
  void anOversizedBodyIsRefusedWithoutRetry() throws Exception {
    primaryServesEdited(c -> c);
    String padding = " ".repeat(HttpGetter.MAX_BODY_BYTES);
    primary.fault(FakePcs.TCB, FakePcs.body(b -> b + padding));
    assertFellBack(fetch(), FailureCode.COLLATERAL_UNAVAILABLE);
    assertEquals(1, primary.requests(FakePcs.TCB));
  }

  @Test
  void aWrongTcbInfoSignatureIsRefused() throws Exception {
    primaryServesEdited(c -> CollateralCheckCasesTest.with(c, CollateralCheckCasesTest.Field.TCB_SIGNATURE,
        CollateralCheckCasesTest.flip(c.tcbInfoSignature())));
    assertFellBack(fetch(), FailureCode.TCB_INFO_INVALID_SIGNATURE);
  }

  @Test
  void aReformattedTcbInfoIsRefused() throws Exception {
    // A server that re-serialises the JSON (here: one space) serves text that is not the compact
    // form Intel signs: refused as such, before its signature is looked at.
    primaryServesEdited(c -> c);
    primary.fault(FakePcs.TCB, FakePcs.body(b -> b.replaceFirst("\"version\":3", "\"version\": 3")));
    assertFellBack(fetch(), FailureCode.COLLATERAL_MALFORMED);
  }

  @Test
  void aWrongIssuerChainIsRefused() throws Exception {
    QuoteCollateral c = primaryServesEdited(x -> x);
    primary.fault(FakePcs.TCB, FakePcs.header(IssuerChainHeader.TCB_INFO, FakePcs.percentEncode(c.pckCrlIssuerChain())));
    assertFellBack(fetch(), FailureCode.TCB_SIGNING_CHAIN_UNTRUSTED);
  }

  @Test
  void collateralSignedByAForgedChainIsRefused() throws Exception {
    ForgedChain forged = new ForgedChain();
    QuoteCollateral real = TestVectors.tdxCollateral();
    Bytes forgedSignature = forged.sign(real.tcbInfo());
    String forgedPem = forged.pem();
    primaryServesEdited(c -> CollateralCheckCasesTest.with(
        CollateralCheckCasesTest.with(c, CollateralCheckCasesTest.Field.TCB_CHAIN, forgedPem),
        CollateralCheckCasesTest.Field.TCB_SIGNATURE, forgedSignature));
    assertFellBack(fetch(), FailureCode.TCB_SIGNING_CHAIN_UNTRUSTED);
  }

  @Test
  void expiredCollateralIsRefused() throws Exception {
    // A real Intel root CA CRL, correctly signed, that ran out in 2024.
    Bytes oldRootCrl = Bytes.of(Vectors.bytes("go-tdx-guest/rootcrl.der"));
    primaryServesEdited(c -> CollateralCheckCasesTest.with(c, CollateralCheckCasesTest.Field.ROOT_CRL, oldRootCrl));
    assertFellBack(fetch(), FailureCode.COLLATERAL_EXPIRED);
  }

  @Test
  void anotherPlatformsTcbInfoIsRefused() throws Exception {
    primary.serve(TeeType.TDX, TestVectors.tdxOutdatedCollateral()).anyFmspc();
    assertFellBack(fetch(), FailureCode.TCB_INFO_MISMATCH);
  }

  @Test
  void aRefusedConnectionIsSkipped() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    HttpGetter http = TestVectors.getter(sleeper, ATTEMPTS, Duration.ofSeconds(5));
    CollateralFetcher fetcher = new CollateralFetcher(
        List.of(PcsClient.builder("http://127.0.0.1:" + closedPort, http).build(), TestVectors.pccs(secondary, http)),
        VerifierCollateralCheck.intelRoot(), clock);
    CollateralFetcher.Result r = fetcher.fetch(TDX_KEY, TDX_AT);
    assertEquals(Optional.of(FailureCode.COLLATERAL_UNAVAILABLE), r.attempts().get(0).failure());
    assertEquals(secondary.baseUrl(), r.collateral().source());
  }

  @Test
  void whenEverySourceFailsEachAttemptIsReported() throws Exception {
    secondary.fault(FakePcs.TCB, FakePcs.truncatedBody());
    CollateralUnavailableException e = assertThrows(CollateralUnavailableException.class, this::fetch);
    assertEquals(FailureCode.COLLATERAL_UNAVAILABLE, e.code());
    assertEquals(2, e.attempts().size());
    assertEquals(List.of(primary.baseUrl(), secondary.baseUrl()),
        e.attempts().stream().map(SourceAttempt::source).toList());
    assertEquals(Optional.of(FailureCode.COLLATERAL_NOT_FOUND), e.attempts().get(0).failure());
    assertEquals(Optional.of(FailureCode.COLLATERAL_MALFORMED), e.attempts().get(1).failure());
    assertFalse(e.attempts().get(0).message().contains("\n"));
  }

  @Test
  void whenEverySourceKnowsNoSuchPlatformTheFetchIsNotFound() throws Exception {
    CollateralKey unknown = new CollateralKey(TeeType.TDX, dev.dcapd.verifier.Bytes.fromHex("00906ED50000"), TDX_KEY.ca());
    CollateralUnavailableException e = assertThrows(CollateralUnavailableException.class,
        () -> new CollateralFetcher(List.of(TestVectors.pccs(primary, TestVectors.getter(sleeper)),
            TestVectors.pccs(secondary, TestVectors.getter(sleeper))), VerifierCollateralCheck.intelRoot(), clock)
            .fetch(unknown, TDX_AT));
    assertEquals(FailureCode.COLLATERAL_NOT_FOUND, e.code());
    assertEquals(1, primary.requests(FakePcs.TCB));
    assertEquals(1, secondary.requests(FakePcs.TCB));
    assertEquals(List.of(), sleeper.waits);
  }

  @Test
  void oneSourceDownIsNotANotFound() throws Exception {
    secondary.fault(FakePcs.TCB, FakePcs.status(503));
    CollateralKey unknown = new CollateralKey(TeeType.TDX, dev.dcapd.verifier.Bytes.fromHex("00906ED50000"), TDX_KEY.ca());
    CollateralUnavailableException e = assertThrows(CollateralUnavailableException.class,
        () -> new CollateralFetcher(List.of(TestVectors.pccs(primary, TestVectors.getter(sleeper)),
            TestVectors.pccs(secondary, TestVectors.getter(sleeper))), VerifierCollateralCheck.intelRoot(), clock)
            .fetch(unknown, TDX_AT));
    assertEquals(FailureCode.COLLATERAL_UNAVAILABLE, e.code());
  }
}
