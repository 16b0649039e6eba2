package dev.dcapd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.dcapd.daemon.HonestVerdictTest.TestClock;
import dev.dcapd.daemon.api.AttestationServiceImpl;
import dev.dcapd.daemon.api.ProtoQuotes;
import dev.dcapd.daemon.api.ProtoVerdicts;
import dev.dcapd.daemon.http.HttpSettings;
import dev.dcapd.daemon.testing.Closer;
import dev.dcapd.daemon.testing.LoopbackStubs;
import dev.dcapd.daemon.testing.GrpcErrors;
import dev.dcapd.daemon.testing.TestStores;
import dev.dcapd.daemon.token.TokenSettings;
import dev.dcapd.proto.v1.AttestationServiceGrpc.AttestationServiceBlockingStub;
import dev.dcapd.proto.v1.CheckRequest;
import dev.dcapd.proto.v1.CheckResponse;
import dev.dcapd.proto.v1.GetChallengeRequest;
import dev.dcapd.proto.v1.GetKeysRequest;
import dev.dcapd.proto.v1.GetRequest;
import dev.dcapd.proto.v1.GetResponse;
import dev.dcapd.proto.v1.RecentRequest;
import dev.dcapd.proto.v1.Verdict;
import dev.dcapd.proto.v1.VerifyRequest;
import dev.dcapd.proto.v1.VerifyResponse;
import dev.dcapd.testkit.Forge;
import dev.dcapd.testkit.ForgeSpec;
import dev.dcapd.testkit.ForgedCase;
import dev.dcapd.token.Ear;
import dev.dcapd.token.EarVerifier;
import dev.dcapd.token.TokenException;
import dev.dcapd.token.VerifiedEar;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.quote.TeeType;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
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
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every answer that says "verified" or "affirming" stays true for as long as it claims, replayed
 * against a real daemon on 127.0.0.1: a token is only ever the daemon's own judgement against the
 * collateral it holds (never a caller's superseded collateral), a stored verdict is judged again
 * once the policy's clocks have run out, a token expires no later than its verdict stops holding,
 * a verdict under a test root never affirms, and a cached collateral answer follows a re-appraisal.
 */
class SignedTruthTest {
  /** Forge's collateral is issued on 2025-01-01; the quote is judged on 2026-11-01. */
  private static final String MAX_COLLATERAL_AGE = "P700D";
  /** 2025-01-01 plus 700 days. */
  private static final Instant COLLATERAL_TOO_OLD_FROM = Instant.parse("2026-12-02T00:00:00Z");
  /** thisUpdate of the CRL that revokes the forged PCK. */
  private static final Instant REVOKED_ON = Instant.parse("2026-06-01T00:00:00Z");
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  @AutoClose final Closer open = new Closer();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  private Path rootPem(ForgedCase c) throws Exception {
    return ForgedFiles.rootPem(dir, c);
  }

  private Path collateralDir(QuoteCollateral c) throws Exception {
    return ForgedFiles.collateralDir(dir, c);
  }

  private Path policy(String json) throws Exception {
    Path p = dir.resolve("policy.json");
    Files.writeString(p, json, StandardCharsets.UTF_8);
    return p;
  }

  /** A daemon on the forged case's test root with this collateral folder, its HTTP API on, tokens of a day. */
  private Daemon start(ForgedCase c, Path collateral, Optional<Path> policy, java.time.Clock clock) throws Exception {
    DaemonConfig config = new DaemonConfig(Optional.of(new InetSocketAddress("127.0.0.1", 0)), Optional.empty(),
        dir.resolve("data"), List.of(), Optional.of(collateral), Optional.of(rootPem(c)), Optional.empty(), false,
        Optional.empty(), 2, 64, 1 << 17, 16 << 20, Duration.ofSeconds(5), Duration.ofSeconds(1))
        .withPolicy(policy, false)
        .withHttp(Optional.of(new HttpSettings(new InetSocketAddress("127.0.0.1", 0), 10_000)))
        .withTokens(new TokenSettings(Optional.empty(), Duration.ofDays(1), false));
    Daemon d = Daemon.start(TestStores.on(config), clock);
    open.add(d);
    return d;
  }

  private AttestationServiceBlockingStub stub(Daemon d) {
    return LoopbackStubs.stub(d, open);
  }

  private static EarVerifier keys(AttestationServiceBlockingStub s) throws Exception {
    return EarVerifier.fromJwks(s.getKeys(GetKeysRequest.getDefaultInstance()).getJwks());
  }

  /** The token's claims; these daemons run on the forged case's test root, so verifiers are told to allow it. */
  private static VerifiedEar token(AttestationServiceBlockingStub s, String token, Instant at) throws Exception {
    return keys(s).allowInsecureRoot().verify(token, Optional.empty(), at);
  }

  private static QuoteCollateral revoking(ForgedCase c) {
    return ForgedFiles.revoking(c, REVOKED_ON);
  }

  private static ForgedCase tdx() {
    return Forge.forge(ForgeSpec.builder().tee(TeeType.TDX).build());
  }


  private JsonNode getJson(Daemon d, String path) throws Exception {
    HttpResponse<String> r = get(d, path, Optional.empty());
    assertEquals(200, r.statusCode(), r.body());
    return JSON.readTree(r.body());
  }

  private HttpResponse<String> get(Daemon d, String path, Optional<String> ifNoneMatch) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + d.httpAddress().orElseThrow().getPort() + path))
        .timeout(Duration.ofSeconds(30));
    ifNoneMatch.ifPresent(t -> b.header("If-None-Match", t));
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /**
   * Hole 1: the daemon holds a CRL that revokes the PCK; a caller hands Check the older collateral
   * that does not. The answer may say what that collateral gives (and says whose it is), but no
   * token may carry it: the daemon's word is its own judgement, which is PCK_REVOKED.
   */
  @Test
  void checkWithCallerCollateralNeverCarriesAToken() throws Exception {
    ForgedCase c = tdx();
    Daemon d = start(c, collateralDir(revoking(c)), Optional.empty(), java.time.Clock.fixed(c.at(), ZoneOffset.UTC));
    AttestationServiceBlockingStub s = stub(d);
    ByteString quote = ByteString.copyFrom(c.quoteBytes());

    VerifyResponse verified = s.verify(VerifyRequest.newBuilder().setQuote(quote).setToken("ear").build());
    assertEquals("PCK_REVOKED", verified.getVerdict().getFailure().getCode());
    assertEquals(Ear.CONTRAINDICATED, token(s, verified.getToken(), c.at()).status());

    CheckRequest withOlder = CheckRequest.newBuilder().setQuote(quote)
        .setCollateral(ProtoQuotes.collateral(c.collateral())).build();
    StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
        () -> s.check(withOlder.toBuilder().setToken("ear").build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode());
    assertEquals(AttestationServiceImpl.TOKEN_NEEDS_DAEMON_COLLATERAL, GrpcErrors.reason(refused));
    // A daemon-issued nonce does not change that.
    byte[] nonce = s.getChallenge(GetChallengeRequest.getDefaultInstance()).getNonce().toByteArray();
    StatusRuntimeException withNonce = assertThrows(StatusRuntimeException.class,
        () -> s.check(withOlder.toBuilder().setToken("ear").setNonce(ByteString.copyFrom(nonce)).build()));
    assertEquals(AttestationServiceImpl.TOKEN_NEEDS_DAEMON_COLLATERAL, GrpcErrors.reason(withNonce));

    CheckResponse answer = s.check(withOlder);
    assertTrue(answer.getSuccess(), "the caller's collateral does not revoke the PCK: an answer, not the daemon's word");
    assertEquals(AttestationServiceImpl.COLLATERAL_FROM_CALLER, answer.getCollateralSource());
    assertEquals("", answer.getToken());

    CheckResponse own = s.check(CheckRequest.newBuilder().setQuote(quote).setToken("ear").build());
    assertEquals(AttestationServiceImpl.COLLATERAL_FROM_DAEMON, own.getCollateralSource());
    assertEquals("PCK_REVOKED", own.getVerdict().getFailure().getCode());
    assertEquals(Ear.CONTRAINDICATED, token(s, own.getToken(), c.at()).status());
  }

  /**
   * Hole 2: a policy limits the collateral's age. Once that limit passes, every read path (Get,
   * re-upload, Recent, view, the report page, a token) answers what a fresh Check answers:
   * POLICY_VIOLATION with COLLATERAL_TOO_OLD, not the stored success.
   */
  @Test
  void aStoredVerdictIsJudgedAgainOnceThePolicysCollateralAgeHasPassed() throws Exception {
    ForgedCase c = tdx();
    TestClock clock = new TestClock(c.at());
    Daemon d = start(c, collateralDir(c.collateral()),
        Optional.of(policy("{\"name\": \"fresh\", \"max_collateral_age\": \"" + MAX_COLLATERAL_AGE + "\"}")), clock);
    AttestationServiceBlockingStub s = stub(d);
    ByteString quote = ByteString.copyFrom(c.quoteBytes());
    VerifyResponse first = s.verify(VerifyRequest.newBuilder().setQuote(quote).build());
    assertTrue(first.getSuccess(), first.getVerdict().toString());
    assertEquals(COLLATERAL_TOO_OLD_FROM, ProtoVerdicts.instant(first.getVerdict().getHoldsUntil()),
        "the verdict names the instant the policy's collateral age runs out");
    String checksum = first.getChecksum();

    clock.advance(Duration.between(c.at(), COLLATERAL_TOO_OLD_FROM).plusHours(1));
    CheckResponse fresh = s.check(CheckRequest.newBuilder().setQuote(quote).build());
    assertTooOld(fresh.getVerdict());

    assertFalse(s.recent(RecentRequest.getDefaultInstance()).getItems(0).getVerified(), "listed before any read judged it again");
    assertTrue(getJson(d, "/api/v1/attestations/recent").get(0).get("verified").asBoolean() == false);
    JsonNode view = getJson(d, "/api/v1/attestations/view/" + checksum);
    assertFalse(view.get("verified").asBoolean(), view.toString());
    GetResponse got = s.get(GetRequest.newBuilder().setChecksum(checksum).setToken("ear").build());
    assertTooOld(got.getVerdict());
    assertEquals(Ear.CONTRAINDICATED, token(s, got.getToken(), clock.instant()).status());
    VerifyResponse again = s.verify(VerifyRequest.newBuilder().setQuote(quote).build());
    assertTrue(again.getAlreadyStored());
    assertTooOld(again.getVerdict());
    HttpResponse<String> page = get(d, "/reports/" + checksum, Optional.empty());
    assertEquals(200, page.statusCode());
    assertTrue(page.body().contains("id=\"failure-code\">POLICY_VIOLATION<"), "the report page shows the refusal");
  }

  private static void assertTooOld(Verdict v) {
    assertFalse(v.getSuccess(), v.toString());
    assertEquals("POLICY_VIOLATION", v.getFailure().getCode());
    assertEquals(List.of("COLLATERAL_TOO_OLD"), v.getViolationsList().stream().map(f -> f.getCode()).toList());
  }

  /**
   * Hole 2, max_age: a verdict older than the policy's maximum age is never served as it stands;
   * it is judged again (and, nothing else having changed, verified anew at the time of the read).
   */
  @Test
  void aStoredVerdictOlderThanThePolicysMaxAgeIsJudgedAgain() throws Exception {
    ForgedCase c = tdx();
    TestClock clock = new TestClock(c.at());
    Daemon d = start(c, collateralDir(c.collateral()), Optional.of(policy("{\"name\": \"hourly\", \"max_age\": \"PT1H\"}")),
        clock);
    AttestationServiceBlockingStub s = stub(d);
    VerifyResponse first = s.verify(VerifyRequest.newBuilder().setQuote(ByteString.copyFrom(c.quoteBytes())).build());
    assertTrue(first.getSuccess());
    assertEquals(c.at().plus(Duration.ofHours(1)), ProtoVerdicts.instant(first.getVerdict().getHoldsUntil()));

    clock.advance(Duration.ofMinutes(30));
    GetResponse within = s.get(GetRequest.newBuilder().setChecksum(first.getChecksum()).build());
    assertEquals(c.at(), ProtoVerdicts.instant(within.getVerdict().getVerifiedAt()), "still the stored verdict");

    clock.advance(Duration.ofMinutes(31));
    GetResponse after = s.get(GetRequest.newBuilder().setChecksum(first.getChecksum()).build());
    assertTrue(after.getSuccess());
    assertEquals(clock.instant(), ProtoVerdicts.instant(after.getVerdict().getVerifiedAt()), "judged again at the read");
    assertEquals(clock.instant().plus(Duration.ofHours(1)), ProtoVerdicts.instant(after.getVerdict().getHoldsUntil()));
  }

  /** Hole 3: whatever --token-lifetime says (a day here), a token expires when its verdict stops holding. */
  @Test
  void aTokenExpiresNoLaterThanItsVerdictHolds() throws Exception {
    ForgedCase c = tdx();
    TestClock clock = new TestClock(COLLATERAL_TOO_OLD_FROM.minus(Duration.ofHours(2)));
    Daemon d = start(c, collateralDir(c.collateral()),
        Optional.of(policy("{\"name\": \"fresh\", \"max_collateral_age\": \"" + MAX_COLLATERAL_AGE + "\"}")), clock);
    AttestationServiceBlockingStub s = stub(d);
    VerifyResponse r = s.verify(VerifyRequest.newBuilder().setQuote(ByteString.copyFrom(c.quoteBytes())).setToken("ear")
        .build());
    assertTrue(r.getSuccess());
    VerifiedEar ear = token(s, r.getToken(), clock.instant());
    assertEquals(COLLATERAL_TOO_OLD_FROM, ear.expiresAt(), "two hours, not a day");
    assertEquals(COLLATERAL_TOO_OLD_FROM.toString(), ear.dcapd().get("holds_until"));
  }

  /**
   * Hole 4: under --insecure-trust-root a verified quote's token is never affirming: at best a
   * warning, with the insecure_root claim verifiers refuse; the policy's name says so too.
   */
  @Test
  void aVerdictUnderAnInsecureRootIsAtBestAWarning() throws Exception {
    ForgedCase c = tdx();
    Daemon d = start(c, collateralDir(c.collateral()), Optional.empty(), java.time.Clock.fixed(c.at(), ZoneOffset.UTC));
    AttestationServiceBlockingStub s = stub(d);
    VerifyResponse r = s.verify(VerifyRequest.newBuilder().setQuote(ByteString.copyFrom(c.quoteBytes())).setToken("ear")
        .build());
    assertTrue(r.getSuccess());
    assertTrue(r.getVerdict().getInsecureRoot());
    VerifiedEar ear = token(s, r.getToken(), c.at());
    assertEquals(Ear.WARNING, ear.status());
    assertEquals(true, ear.dcapd().get("insecure_root"));
    assertNotEquals(2, ((Number) ear.vector().get("instance-identity")).intValue());
    assertNotEquals(2, ((Number) ear.vector().get("hardware")).intValue());
    TokenException refused = assertThrows(TokenException.class,
        () -> keys(s).verify(r.getToken(), Optional.empty(), c.at()));
    assertEquals(TokenException.Reason.INSECURE_ROOT, refused.reason(), "refused unless the verifier is told otherwise");
  }

  /**
   * Hole 6: the collateral answer's ETag names the collateral served. After new collateral (a CRL
   * revoking the PCK) moves the quote's verdict, a client revalidating with the old ETag gets the
   * new collateral, not a 304.
   */
  @Test
  void aRevalidatedCollateralAnswerFollowsTheVerdictToNewCollateral() throws Exception {
    ForgedCase c = tdx();
    Path collateral = collateralDir(c.collateral());
    TestClock clock = new TestClock(c.at());
    Daemon d = start(c, collateral, Optional.empty(), clock);
    AttestationServiceBlockingStub s = stub(d);
    VerifyResponse first = s.verify(VerifyRequest.newBuilder().setQuote(ByteString.copyFrom(c.quoteBytes())).build());
    String path = "/api/v1/attestations/collateral/" + first.getChecksum();
    HttpResponse<String> before = get(d, path, Optional.empty());
    assertEquals(200, before.statusCode());
    String etag = before.headers().firstValue("ETag").orElseThrow();
    assertEquals("\"" + first.getVerdict().getCollateralId() + "\"", etag, "the ETag is the collateral's content id");
    assertEquals(304, get(d, path, Optional.of(etag)).statusCode());
    assertTrue(before.headers().firstValue("Cache-Control").orElseThrow().contains("no-cache"));

    Files.writeString(collateral.resolve("platform.json"), revoking(c).toJson(), StandardCharsets.UTF_8);
    clock.advance(Duration.ofDays(2)); // due for a refresh: the next read of the platform installs the newer CRL
    HttpResponse<String> after = get(d, path, Optional.of(etag));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (after.statusCode() == 304 && System.nanoTime() < deadline) {
      Thread.sleep(50);
      after = get(d, path, Optional.of(etag));
    }
    assertEquals(200, after.statusCode(), "revalidating with the old ETag gets the new collateral");
    Verdict now = s.get(GetRequest.newBuilder().setChecksum(first.getChecksum()).build()).getVerdict();
    assertEquals("PCK_REVOKED", now.getFailure().getCode());
    assertEquals("\"" + now.getCollateralId() + "\"", after.headers().firstValue("ETag").orElseThrow());
    assertNotEquals(JSON.readTree(before.body()).get("pck_crl"), JSON.readTree(after.body()).get("pck_crl"),
        "the revoking CRL is served");
    HttpResponse<String> view = get(d, "/api/v1/attestations/view/" + first.getChecksum(), Optional.empty());
    assertTrue(view.headers().firstValue("Cache-Control").orElseThrow().contains("no-cache"));
  }
}
