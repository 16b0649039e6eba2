package dev.dcapd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.dcapd.collateral.FakePcs;
import dev.dcapd.collateral.MutableClock;
import dev.dcapd.daemon.http.HttpSettings;
import dev.dcapd.daemon.testing.Closer;
import dev.dcapd.daemon.testing.TestStores;
import dev.dcapd.proto.ErrorReasons;
import dev.dcapd.proto.v1.AttestationServiceGrpc;
import dev.dcapd.proto.v1.AttestationServiceGrpc.AttestationServiceBlockingStub;
import dev.dcapd.proto.v1.CheckRequest;
import dev.dcapd.proto.v1.CheckResponse;
import dev.dcapd.proto.v1.VerifyRequest;
import dev.dcapd.proto.v1.VerifyResponse;
import dev.dcapd.testkit.Corruption;
import dev.dcapd.testkit.Forge;
import dev.dcapd.testkit.ForgeSpec;
import dev.dcapd.testkit.ForgedCase;
import dev.dcapd.verifier.quote.TeeType;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a quote makes the daemon ask of the collateral sources, against a real daemon on 127.0.0.1
 * whose only source is a counting PCS double: a quote whose PCK chain does not lead to the daemon's
 * trust root asks nothing (it could name any FMSPC and turn the daemon into a request amplifier
 * against Intel PCS), and a platform the source answers 404 for is asked about once per
 * negative-cache period, whoever uploads it how often.
 */
class CollateralFetchGateTest {
  private static final int UPLOADS = 4;
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  @AutoClose final Closer open = new Closer();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  private static ForgedCase tdx(Optional<Corruption> corruption) {
    ForgeSpec.Builder b = ForgeSpec.builder().tee(TeeType.TDX);
    corruption.ifPresent(b::corruption);
    return Forge.forge(b.build());
  }

  /** A daemon with HTTP, trusting {@code root} (the Intel root when empty), whose only source is {@code pcs}. */
  private Daemon start(Optional<ForgedCase> root, FakePcs pcs, MutableClock clock) throws Exception {
    Optional<Path> rootPem = Optional.empty();
    if (root.isPresent()) {
      rootPem = Optional.of(Files.writeString(dir.resolve("root.pem"), root.get().rootPem(), StandardCharsets.US_ASCII));
    }
    DaemonConfig config = new DaemonConfig(Optional.of(new InetSocketAddress("127.0.0.1", 0)), Optional.empty(),
        dir.resolve("data"), List.of(pcs.baseUrl()), Optional.empty(), rootPem, Optional.empty(), false,
        Optional.empty(), 2, 64, 1 << 17, 16 << 20, Duration.ofSeconds(5), Duration.ofSeconds(1))
        .withHttp(Optional.of(new HttpSettings(new InetSocketAddress("127.0.0.1", 0), HttpSettings.DEFAULT_REQUESTS_PER_SECOND)));
    Daemon d = Daemon.start(TestStores.on(config), clock);
    open.add(d);
    return d;
  }

  private AttestationServiceBlockingStub grpc(Daemon d) {
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", d.grpcAddress().orElseThrow().getPort())
        .usePlaintext().build();
    open.add(ch::shutdownNow);
    return AttestationServiceGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  private HttpResponse<String> upload(Daemon d, byte[] quote) throws Exception {
    URI uri = URI.create("http://127.0.0.1:" + d.httpAddress().orElseThrow().getPort() + "/api/v1/attestations/verify");
    return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/octet-stream")
        .POST(HttpRequest.BodyPublishers.ofByteArray(quote)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String code(HttpResponse<String> r) throws Exception {
    return JSON.readTree(r.body()).path("code").asText();
  }

  private static VerifyRequest verify(byte[] quote) {
    return VerifyRequest.newBuilder().setQuote(ByteString.copyFrom(quote)).build();
  }

  private static CheckRequest check(byte[] quote) {
    return CheckRequest.newBuilder().setQuote(ByteString.copyFrom(quote)).build();
  }

  /** A Check at a caller's instant (an hour before the daemon's now): what is fetched for it answers that call only. */
  private static CheckRequest checkAt(byte[] quote, Instant now) {
    return CheckRequest.newBuilder().setQuote(ByteString.copyFrom(quote))
        .setAt(Timestamp.newBuilder().setSeconds(now.minus(Duration.ofHours(1)).getEpochSecond())).build();
  }

  /** A forged quote uploaded to a daemon on Intel's root: 400 PCK_CHAIN_UNTRUSTED, and PCS is never asked. */
  @Test
  void aQuoteNotChainedToIntelsRootNeverReachesPcs() throws Exception {
    ForgedCase forged = tdx(Optional.empty());
    try (FakePcs pcs = new FakePcs().serve(TeeType.TDX, forged.collateral()).anyFmspc()) {
      Daemon d = start(Optional.empty(), pcs, new MutableClock(forged.at()));
      assertUntrustedWithoutRequests(d, pcs, forged.quoteBytes(), forged.at());
    }
  }

  /**
   * Quotes whose chain is broken under the daemon's own (test) root — a PCK leaf signed by another
   * key, a root with the right names and another key — ask the source nothing either; the intact
   * quote of the same platform then does, and verifies, so the source is wired and counted.
   */
  @Test
  void aBrokenChainUnderTheDaemonsRootNeverReachesTheSource() throws Exception {
    ForgedCase genuine = tdx(Optional.empty());
    try (FakePcs pcs = new FakePcs().serve(TeeType.TDX, genuine.collateral())) {
      Daemon d = start(Optional.of(genuine), pcs, new MutableClock(genuine.at()));
      for (Corruption c : List.of(Corruption.PCK_CHAIN_SIGNATURE, Corruption.UNTRUSTED_ROOT)) {
        assertUntrustedWithoutRequests(d, pcs, tdx(Optional.of(c)).quoteBytes(), genuine.at());
      }
      HttpResponse<String> ok = upload(d, genuine.quoteBytes());
      assertEquals(200, ok.statusCode(), ok.body());
      assertTrue(pcs.requests(FakePcs.TCB) > 0, "the genuine quote's platform was fetched");
    }
  }

  private void assertUntrustedWithoutRequests(Daemon d, FakePcs pcs, byte[] quote, Instant now) throws Exception {
    for (int i = 0; i < UPLOADS; i++) {
      HttpResponse<String> r = upload(d, quote);
      assertEquals(400, r.statusCode(), r.body());
      assertEquals("PCK_CHAIN_UNTRUSTED", code(r), r.body());
      JsonNode body = JSON.readTree(r.body());
      assertFalse(body.path("success").asBoolean(true), r.body());
    }
    AttestationServiceBlockingStub stub = grpc(d);
    for (int i = 0; i < UPLOADS; i++) {
      VerifyResponse v = stub.verify(verify(quote));
      assertFalse(v.getSuccess());
      assertEquals("PCK_CHAIN_UNTRUSTED", v.getVerdict().getFailure().getCode());
      for (CheckRequest r : List.of(check(quote), checkAt(quote, now))) {
        CheckResponse c = stub.check(r);
        assertFalse(c.getSuccess());
        assertEquals("PCK_CHAIN_UNTRUSTED", c.getVerdict().getFailure().getCode());
      }
    }
    assertEquals(0, pcs.totalRequests(), "requests to the collateral source");
  }

  /**
   * A genuine quote checked at instants of the caller's choosing outside the collateral held: the
   * sources serve only their current collateral, so they are asked once per refresh interval, not
   * once per call (each call used to make a full fetch).
   */
  @Test
  void checksAtChosenInstantsAskTheSourceOncePerInterval() throws Exception {
    ForgedCase genuine = tdx(Optional.empty());
    try (FakePcs pcs = new FakePcs().serve(TeeType.TDX, genuine.collateral())) {
      MutableClock clock = new MutableClock(genuine.at());
      Daemon d = start(Optional.of(genuine), pcs, clock);
      AttestationServiceBlockingStub stub = grpc(d);
      assertTrue(stub.verify(verify(genuine.quoteBytes())).getSuccess());
      assertEquals(1, pcs.requests(FakePcs.TCB));
      clock.advance(Duration.ofMinutes(10));
      Instant beforeIssue = Forge.ISSUE_DATE.minus(Duration.ofDays(30));
      for (int i = 0; i < UPLOADS; i++) {
        CheckRequest r = CheckRequest.newBuilder().setQuote(ByteString.copyFrom(genuine.quoteBytes()))
            .setAt(Timestamp.newBuilder().setSeconds(beforeIssue.getEpochSecond() + i)).build();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub.check(r));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
      }
      assertEquals(2, pcs.requests(FakePcs.TCB), "one fetch for all the instants outside the collateral held");
    }
  }

  /**
   * A genuine quote (under the daemon's test root) whose FMSPC the source answers 404 for: every
   * upload is answered 400 / FAILED_PRECONDITION with {@code COLLATERAL_NOT_FOUND} (not 500, and
   * nothing stored), and the source is asked once until the negative answer expires; then once
   * more, and a platform the source has learnt of since verifies.
   */
  @Test
  void aPlatformTheSourceDoesNotKnowIsAskedAboutOncePerPeriod() throws Exception {
    ForgedCase genuine = tdx(Optional.empty());
    try (FakePcs pcs = new FakePcs()) {
      MutableClock clock = new MutableClock(genuine.at());
      Daemon d = start(Optional.of(genuine), pcs, clock);
      for (int i = 0; i < UPLOADS; i++) {
        HttpResponse<String> r = upload(d, genuine.quoteBytes());
        assertEquals(400, r.statusCode(), r.body());
        assertEquals("COLLATERAL_NOT_FOUND", code(r), r.body());
      }
      assertEquals(1, pcs.totalRequests(), "one request (the TCB info, answered 404)");
      AttestationServiceBlockingStub stub = grpc(d);
      for (int i = 0; i < UPLOADS; i++) {
        for (Runnable call : List.<Runnable>of(() -> stub.verify(verify(genuine.quoteBytes())),
            () -> stub.check(check(genuine.quoteBytes())), () -> stub.check(checkAt(genuine.quoteBytes(), genuine.at())))) {
          StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::run);
          assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode(), e.getMessage());
          assertEquals("COLLATERAL_NOT_FOUND", ErrorReasons.reason(e));
        }
      }
      assertEquals(1, pcs.totalRequests(), "still one request");

      clock.advance(Duration.ofMinutes(6));
      assertEquals(400, upload(d, genuine.quoteBytes()).statusCode());
      assertEquals(2, pcs.totalRequests(), "asked again once the negative answer expired");

      pcs.serve(TeeType.TDX, genuine.collateral());
      clock.advance(Duration.ofMinutes(6));
      HttpResponse<String> ok = upload(d, genuine.quoteBytes());
      assertEquals(200, ok.statusCode(), ok.body());
    }
  }
}
