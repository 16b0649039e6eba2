package dev.dcapd.client;

import static dev.dcapd.daemon.testing.LiveDaemon.TDX;
import static dev.dcapd.daemon.testing.LiveDaemon.TDX_AT;
import static dev.dcapd.daemon.testing.LiveDaemon.TDX_CHECKSUM;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.dcapd.daemon.Listeners;
import dev.dcapd.daemon.testing.LiveDaemon;
import dev.dcapd.daemon.testing.TestCertificates;
import dev.dcapd.proto.v1.CheckRequest;
import dev.dcapd.proto.v1.CheckResponse;
import dev.dcapd.proto.v1.GetChallengeResponse;
import dev.dcapd.proto.v1.GetResponse;
import dev.dcapd.proto.v1.RecentRequest;
import dev.dcapd.proto.v1.VerifyResponse;
import dev.dcapd.token.Ear;
import dev.dcapd.token.EarVerifier;
import dev.dcapd.token.VerifiedEar;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.FailureCode;
import dev.dcapd.verifier.Vectors;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.collateral.TcbStatus;
import dev.dcapd.verifier.policy.Policy;
import dev.dcapd.verifier.policy.PolicyException;
import dev.dcapd.verifier.policy.PolicyViolation;
import dev.dcapd.verifier.quote.TdReport;
import dev.dcapd.verifier.quote.TeeType;
import io.grpc.Status;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client library against a real daemon: every RPC, errors, policies, TLS, and retries across a restart. */
class DcapClientTest {
  @TempDir Path dir;
  private LiveDaemon daemon;

  @AfterEach
  void stop() {
    if (daemon != null) {
      daemon.close();
    }
  }

  private static <T> T unwrap(CompletableFuture<T> f) throws Throwable {
    try {
      return f.get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause();
    }
  }

  @Test
  void everyRpcBlockingAndAsync() throws Throwable {
    daemon = LiveDaemon.start(dir);
    try (DcapClient client = DcapClient.builder(daemon.target()).build()) {
      Attested<VerifyResponse> v = client.verify(TDX);
      assertTrue(v.success());
      assertEquals(TDX_CHECKSUM, v.checksum());
      assertEquals(TcbStatus.UP_TO_DATE, v.verdict().tcbStatus().orElseThrow());
      assertEquals(TDX_AT, v.verdict().verifiedAt());
      assertFalse(v.response().getAlreadyStored());

      Attested<VerifyResponse> again = unwrap(client.verifyAsync(TDX, false));
      assertTrue(again.response().getAlreadyStored());

      GetResponse g = unwrap(client.getAsync(TDX_CHECKSUM.toUpperCase()));
      assertTrue(g.getVerified());
      assertEquals(v.response().getVerdict(), g.getVerdict());
      assertArrayEquals(TDX, client.getRaw(TDX_CHECKSUM));
      assertArrayEquals(TDX, unwrap(client.getRawAsync(TDX_CHECKSUM)));
      assertEquals(TDX.length, client.statRaw(TDX_CHECKSUM).getSize());
      assertTrue(unwrap(client.statRawAsync(TDX_CHECKSUM)).getExists());
      assertFalse(client.statRaw("00".repeat(32)).getExists());

      QuoteCollateral served = Collaterals.fromProto(client.getCollateral(TDX_CHECKSUM).getQuoteCollateral());
      QuoteCollateral expected = QuoteCollateral.fromJson(Vectors.text("dcap-qvl/tdx_quote_collateral.json"));
      assertEquals(expected.tcbInfo(), served.tcbInfo());
      assertEquals(expected.qeIdentity(), served.qeIdentity());
      assertEquals(expected.pckCrl(), served.pckCrl());
      assertEquals(v.verdict().collateralId(), unwrap(client.getCollateralAsync(TDX_CHECKSUM)).getCollateralId());

      assertEquals(List.of(TDX_CHECKSUM), client.recent(RecentRequest.getDefaultInstance()).getItemsList().stream()
          .map(i -> i.getChecksum()).toList());
      assertEquals(1, unwrap(client.recentAsync(RecentRequest.newBuilder().setLimit(5).build())).getItemsCount());

      // Check with the caller's collateral and instant: one second past the collateral's window is stale.
      CheckRequest late = CheckRequest.newBuilder()
          .setQuote(ByteString.copyFrom(TDX))
          .setCollateral(Collaterals.toProto(expected))
          .setAt(Timestamp.newBuilder().setSeconds(TDX_AT.getEpochSecond() + 86_400))
          .build();
      Attested<CheckResponse> c = client.check(late);
      assertFalse(c.success());
      assertEquals(FailureCode.COLLATERAL_EXPIRED, c.verdict().failure().orElseThrow().code());
      assertTrue(unwrap(client.checkAsync(late.toBuilder().setAt(Timestamp.newBuilder()
          .setSeconds(TDX_AT.getEpochSecond())).build())).success());
    }
  }

  @Test
  void signedResultsAndTheKeysThatVerifyThem() throws Throwable {
    daemon = LiveDaemon.start(dir);
    try (DcapClient client = DcapClient.builder(daemon.target()).build()) {
      // The client only carries tokens; the token module (a test dependency here) verifies them.
      EarVerifier keys = EarVerifier.fromJwks(unwrap(client.getKeysAsync()));
      Attested<VerifyResponse> v = client.verifyWithToken(TDX, Optional.empty());
      VerifiedEar ear = keys.verify(v.response().getToken(), Optional.empty(), TDX_AT);
      assertEquals(TDX_CHECKSUM, ear.checksum());
      assertEquals(Ear.AFFIRMING, ear.status());
      assertEquals("", client.verify(TDX).response().getToken(), "no token unless asked for");

      GetResponse g = unwrap(client.getWithTokenAsync(TDX_CHECKSUM, Optional.empty()));
      assertEquals(TDX_CHECKSUM, keys.verify(g.getToken(), Optional.empty(), TDX_AT).checksum());
      assertEquals("", client.get(TDX_CHECKSUM).getToken());

      GetChallengeResponse challenge = client.getChallenge();
      assertEquals(32, challenge.getNonce().size());
      assertEquals(TDX_AT.plus(Duration.ofMinutes(5)).getEpochSecond(), challenge.getExpiresAt().getSeconds());
      // The nonce is sent: the daemon refuses it, as the vector's report_data cannot carry a fresh one.
      DcapClientException unbound = assertThrows(DcapClientException.class,
          () -> client.verifyWithToken(TDX, Optional.of(challenge.getNonce().toByteArray())));
      assertEquals("NONCE_NOT_BOUND", unbound.reason());
      assertEquals("NONCE_NOT_BOUND", assertThrows(DcapClientException.class,
          () -> client.getWithToken(TDX_CHECKSUM, Optional.of(unwrap(client.getChallengeAsync()).getNonce().toByteArray())))
          .reason());
    }
  }

  @Test
  void policiesAreCheckedAgainstTheQuoteParsedHere() throws Exception {
    daemon = LiveDaemon.start(dir);
    try (DcapClient client = DcapClient.builder(daemon.unixTarget()).build()) {
      Attested<VerifyResponse> v = client.verify(TDX);
      TdReport td = (TdReport) v.quote().body();
      Policy good = Policy.builder().teeType(TeeType.TDX).allowMrTd(td.mrTd()).reportData(td.reportData())
          .maxAge(Duration.ofMinutes(1)).build();
      assertEquals(v.quote(), v.check(good, TDX_AT));
      PolicyException e = assertThrows(PolicyException.class,
          () -> v.check(Policy.builder().allowMrTd(Bytes.zeros(48)).build(), TDX_AT));
      assertEquals(PolicyViolation.MRTD, e.violation());

      Attested<GetResponse> stored = client.getAttested(TDX_CHECKSUM);
      assertEquals(v.quote(), stored.check(good, TDX_AT.plusSeconds(30)));
      assertEquals(PolicyViolation.TOO_OLD,
          assertThrows(PolicyException.class, () -> stored.check(good, TDX_AT.plusSeconds(61))).violation());
    }
  }

  @Test
  void errorsCarryStatusAndFailureCodeAndAreNotRetried() throws Throwable {
    daemon = LiveDaemon.start(dir, 1024, Optional.empty());
    List<String> retries = new CopyOnWriteArrayList<>();
    try (DcapClient client = DcapClient.builder(daemon.target())
        .retryListener((method, attempt, status, backoff) -> retries.add(method)).build()) {
      DcapClientException notFound = assertThrows(DcapClientException.class, () -> client.get("ab".repeat(32)));
      assertEquals(Status.Code.NOT_FOUND, notFound.code());
      assertEquals("NOT_FOUND", notFound.reason());
      assertEquals(1, notFound.attempts());

      DcapClientException badChecksum = assertThrows(DcapClientException.class, () -> client.getRaw("xyz"));
      assertEquals(Status.Code.INVALID_ARGUMENT, badChecksum.code());

      byte[] truncated = java.util.Arrays.copyOf(TDX, 100);
      DcapClientException malformed = assertThrows(DcapClientException.class, () -> client.verify(truncated));
      assertEquals(Status.Code.INVALID_ARGUMENT, malformed.code());
      assertEquals(FailureCode.QUOTE_TRUNCATED, malformed.failureCode().orElseThrow());

      // Over the daemon's 1 KiB message limit: RESOURCE_EXHAUSTED, which is never retried.
      Throwable exhausted = assertThrows(DcapClientException.class, () -> unwrap(client.verifyAsync(TDX, false)));
      assertEquals(Status.Code.RESOURCE_EXHAUSTED, ((DcapClientException) exhausted).code());
      assertEquals(1, ((DcapClientException) exhausted).attempts());
    }
    assertEquals(List.of(), retries);
  }

  @Test
  void boundedRetriesAgainstAStoppedDaemonEndUnavailable() throws Exception {
    daemon = LiveDaemon.start(dir);
    String target = daemon.target();
    daemon.stop();
    List<Integer> attempts = new CopyOnWriteArrayList<>();
    try (DcapClient client = DcapClient.builder(target)
        .retry(new RetryPolicy(3, Duration.ofMillis(10), Duration.ofMillis(20), 2.0))
        .retryListener((method, attempt, status, backoff) -> attempts.add(attempt)).build()) {
      DcapClientException e = assertThrows(DcapClientException.class, () -> client.get(TDX_CHECKSUM));
      assertEquals(Status.Code.UNAVAILABLE, e.code());
      assertNull(e.reason());
      assertEquals(3, e.attempts());
      assertEquals(List.of(1, 2), attempts);

      DcapClientException once = assertThrows(DcapClientException.class,
          () -> client.withRetry(RetryPolicy.NONE).statRaw(TDX_CHECKSUM));
      assertEquals(Status.Code.UNAVAILABLE, once.code());
      assertEquals(1, once.attempts());
    }
  }

  @Test
  void theDeadlineCoversEveryRetry() throws Exception {
    daemon = LiveDaemon.start(dir);
    String target = daemon.target();
    daemon.stop();
    try (DcapClient client = DcapClient.builder(target)
        .retry(new RetryPolicy(1_000_000, Duration.ofMillis(5), Duration.ofMillis(20), 2.0))
        .deadline(Duration.ofMillis(300)).build()) {
      DcapClientException e = assertThrows(DcapClientException.class, () -> client.verify(TDX));
      assertEquals(Status.Code.DEADLINE_EXCEEDED, e.code());
      assertTrue(e.attempts() < 1_000_000);
    }
  }

  @Test
  void aCallRetriedAcrossADaemonRestartSucceeds() throws Throwable {
    daemon = LiveDaemon.start(dir);
    CountDownLatch firstRetry = new CountDownLatch(1);
    List<Status.Code> seen = new CopyOnWriteArrayList<>();
    try (DcapClient client = DcapClient.builder(daemon.target())
        .retry(new RetryPolicy(200, Duration.ofMillis(20), Duration.ofMillis(200), 2.0))
        .deadline(Duration.ofSeconds(60))
        .retryListener((method, attempt, status, backoff) -> {
          seen.add(status.getCode());
          firstRetry.countDown();
        }).build()) {
      assertTrue(client.verify(TDX).success());

      daemon.stop();
      CompletableFuture<Attested<VerifyResponse>> pending = client.verifyAsync(TDX, false);
      assertTrue(firstRetry.await(60, TimeUnit.SECONDS));
      daemon.startAgain();
      Attested<VerifyResponse> answer = unwrap(pending);
      assertTrue(answer.success());
      // The record written before the restart is what answers.
      assertTrue(answer.response().getAlreadyStored());
      assertFalse(seen.isEmpty());
      assertTrue(seen.stream().allMatch(c -> c == Status.Code.UNAVAILABLE), seen.toString());
    }
  }

  @Test
  void tlsWithTheDaemonsCaAndRefusedWithAnother() throws Throwable {
    TestCertificates.Pair server = TestCertificates.selfSigned(dir.resolve("server"));
    TestCertificates.Pair other = TestCertificates.selfSigned(dir.resolve("other"));
    daemon = LiveDaemon.start(dir, 131072, Optional.of(new Listeners.Tls(server.certificate(), server.privateKey())));
    try (DcapClient client = DcapClient.builder(daemon.target()).tlsTrust(server.certificate()).build()) {
      assertTrue(client.verify(TDX).success());
    }
    try (DcapClient wrongCa = DcapClient.builder(daemon.target()).tlsTrust(other.certificate())
        .retry(RetryPolicy.NONE).build()) {
      DcapClientException e = assertThrows(DcapClientException.class, () -> wrongCa.get(TDX_CHECKSUM));
      assertEquals(Status.Code.UNAVAILABLE, e.code());
    }
    try (DcapClient plaintext = DcapClient.builder(daemon.target()).retry(RetryPolicy.NONE).build()) {
      assertInstanceOf(DcapClientException.class,
          assertThrows(DcapClientException.class, () -> plaintext.get(TDX_CHECKSUM)));
    }
  }
}
