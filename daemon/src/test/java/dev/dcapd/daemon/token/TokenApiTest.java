package dev.dcapd.daemon.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import com.google.rpc.ErrorInfo;
import dev.dcapd.daemon.testing.LiveDaemon;
import dev.dcapd.proto.json.AnswerJson;
import dev.dcapd.proto.v1.AttestationServiceGrpc;
import dev.dcapd.proto.v1.CheckRequest;
import dev.dcapd.proto.v1.GetChallengeRequest;
import dev.dcapd.proto.v1.GetChallengeResponse;
import dev.dcapd.proto.v1.GetKeysRequest;
import dev.dcapd.proto.v1.GetRequest;
import dev.dcapd.proto.v1.Verdict;
import dev.dcapd.proto.v1.VerifyRequest;
import dev.dcapd.proto.v1.VerifyResponse;
import dev.dcapd.token.Ear;
import dev.dcapd.token.EarVerifier;
import dev.dcapd.token.VerifiedEar;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.StatusProto;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signed results from a real daemon, over gRPC and HTTP: the token verifies with the published
 * keys and its claims are the verdict's fields, for real vectors and a forged quote; nonces bind.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TokenApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int TD_REPORTDATA = 48 + 520;

  @TempDir
  static Path dir;
  private LiveDaemon daemon;
  private ManagedChannel channel;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @BeforeAll
  void start() throws Exception {
    daemon = LiveDaemon.startWithHttp(dir);
    channel = NettyChannelBuilder.forTarget(daemon.target()).usePlaintext().build();
  }

  @AfterAll
  void stop() {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (daemon != null) {
      daemon.close();
    }
  }

  private AttestationServiceGrpc.AttestationServiceBlockingStub stub() {
    return AttestationServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  private EarVerifier verifier() throws Exception {
    return EarVerifier.fromJwks(stub().getKeys(GetKeysRequest.getDefaultInstance()).getJwks());
  }

  @Test
  void theClaimsAreTheVerdictsFieldsForRealVectorsAndAForgedQuote() throws Exception {
    byte[] forged = LiveDaemon.TDX.clone();
    forged[TD_REPORTDATA] ^= 1;
    Map<byte[], String> cases = Map.of(LiveDaemon.TDX, Ear.AFFIRMING, LiveDaemon.SGX, Ear.WARNING, forged, Ear.CONTRAINDICATED);
    for (Map.Entry<byte[], String> c : cases.entrySet()) {
      VerifyResponse r = stub().verify(VerifyRequest.newBuilder().setQuote(ByteString.copyFrom(c.getKey())).setToken("ear").build());
      VerifiedEar ear = verifier().verify(r.getToken(), Optional.empty(), LiveDaemon.TDX_AT);
      assertEquals(c.getValue(), ear.status(), r.getVerdict().toString());
      assertClaimsAre(r.getVerdict(), ear);
      assertEquals(AnswerJson.quote(r.getQuote()).at("/body/reportdata").textValue(), ear.dcapd().get("report_data"));
    }
    // Get judges again and signs what it judged.
    VerifiedEar got = verifier().verify(stub().get(GetRequest.newBuilder().setChecksum(LiveDaemon.TDX_CHECKSUM)
        .setToken("ear").build()).getToken(), Optional.empty(), LiveDaemon.TDX_AT);
    assertEquals(LiveDaemon.TDX_CHECKSUM, got.checksum());
    assertTrue(((Map<?, ?>) got.dcapd().get("measurements")).get("mrtd").toString().startsWith("0x91eb2b44"));
  }

  /** The verdict's fields, as AnswerJson renders them, equal the token's claims. */
  private static void assertClaimsAre(Verdict v, VerifiedEar ear) {
    JsonNode j = AnswerJson.verdict(v);
    Map<String, Object> d = ear.dcapd();
    for (String f : List.of("checksum", "tee_type", "fmspc", "ca", "tcb_status", "tcb_date", "collateral_id",
        "earliest_expiry", "verified_at", "trust_root")) {
      assertEquals(j.get(f).isNull() ? null : j.get(f).asText(), d.get(f) == null ? null : d.get(f).toString(), f);
    }
    assertEquals(j.get("success").booleanValue(), d.get("success"));
    assertEquals(j.get("failure").isNull() ? null : j.at("/failure/code").textValue(), d.get("failure"));
    assertEquals(JSON.convertValue(j.get("advisory_ids"), List.class), d.get("advisory_ids"));
    assertEquals(j.at("/policy/sha256").textValue(), ((Map<?, ?>) d.get("policy")).get("sha256"));
    assertEquals("policy:" + j.at("/policy/name").textValue() + "#" + j.at("/policy/sha256").textValue(), ear.policyId());
  }

  @Test
  void aChallengedNonceInReportDataIsInTheTokenOnceOnly() throws Exception {
    GetChallengeResponse c = stub().getChallenge(GetChallengeRequest.getDefaultInstance());
    byte[] quote = LiveDaemon.TDX.clone();
    System.arraycopy(c.getNonce().toByteArray(), 0, quote, TD_REPORTDATA, 32);
    VerifyRequest ask = VerifyRequest.newBuilder().setQuote(ByteString.copyFrom(quote)).setToken("ear").setNonce(c.getNonce()).build();
    VerifyResponse r = stub().verify(ask);
    String hex = HexFormat.of().formatHex(c.getNonce().toByteArray());
    assertEquals(Optional.of(hex), verifier().verify(r.getToken(), Optional.of(hex), LiveDaemon.TDX_AT).nonce());

    assertReason("NONCE_REPLAYED", () -> stub().verify(ask));
    GetChallengeResponse other = stub().getChallenge(GetChallengeRequest.getDefaultInstance());
    assertReason("NONCE_NOT_BOUND", () -> stub().verify(ask.toBuilder().setNonce(other.getNonce()).build()));
    byte[] madeUp = new byte[32];
    madeUp[0] = 42;
    byte[] carrying = LiveDaemon.TDX.clone();
    System.arraycopy(madeUp, 0, carrying, TD_REPORTDATA, 32);
    assertReason("NONCE_UNKNOWN", () -> stub().verify(ask.toBuilder().setQuote(ByteString.copyFrom(carrying))
        .setNonce(ByteString.copyFrom(madeUp)).build()));
    // A refused nonce stores nothing.
    String carryingChecksum = HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(carrying));
    StatusRuntimeException notStored = assertThrows(StatusRuntimeException.class,
        () -> stub().get(GetRequest.newBuilder().setChecksum(carryingChecksum).build()));
    assertEquals(Status.Code.NOT_FOUND, notStored.getStatus().getCode());
    assertReason("INVALID_ARGUMENT", () -> stub().verify(ask.toBuilder().setToken("jwt").build()));
    assertReason("INVALID_ARGUMENT", () -> stub().check(CheckRequest.newBuilder().setQuote(ByteString.copyFrom(LiveDaemon.TDX))
        .setToken("ear").setAt(com.google.protobuf.Timestamp.newBuilder().setSeconds(1)).build()));
  }

  private static void assertReason(String reason, org.junit.jupiter.api.function.Executable call) throws Exception {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    com.google.rpc.Status s = StatusProto.fromThrowable(e);
    assertEquals(reason, s.getDetails(0).unpack(ErrorInfo.class).getReason());
  }

  @Test
  void overHttpTheTokenComesInTheJsonOrAloneAndTheKeysAreAtTheWellKnownPath() throws Exception {
    String api = daemon.httpUrl() + "/api/v1/attestations/";
    HttpResponse<String> jwks = http.send(HttpRequest.newBuilder(URI.create(daemon.httpUrl() + "/.well-known/jwks.json")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, jwks.statusCode());
    EarVerifier v = EarVerifier.fromJwks(jwks.body());

    HttpResponse<String> inJson = http.send(HttpRequest.newBuilder(URI.create(api + "verify?token=ear"))
        .header("Content-Type", "application/octet-stream")
        .POST(HttpRequest.BodyPublishers.ofByteArray(LiveDaemon.TDX)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, inJson.statusCode(), inJson.body());
    assertEquals(LiveDaemon.TDX_CHECKSUM,
        v.verify(JSON.readTree(inJson.body()).get("token").textValue(), Optional.empty(), LiveDaemon.TDX_AT).checksum());

    HttpResponse<String> alone = http.send(HttpRequest.newBuilder(URI.create(api + "view/" + LiveDaemon.TDX_CHECKSUM))
        .header("Accept", "application/eat+jwt").build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, alone.statusCode());
    assertEquals("application/eat+jwt", alone.headers().firstValue("Content-Type").orElseThrow());
    assertEquals(Ear.AFFIRMING, v.verify(alone.body(), Optional.empty(), LiveDaemon.TDX_AT).status());

    HttpResponse<String> challenge = http.send(HttpRequest.newBuilder(URI.create(daemon.httpUrl() + "/api/v1/challenge"))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    String nonce = JSON.readTree(challenge.body()).get("nonce").textValue();
    HttpResponse<String> unbound = http.send(HttpRequest.newBuilder(URI.create(api + "view/" + LiveDaemon.TDX_CHECKSUM
        + "?token=ear&nonce=" + nonce)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(400, unbound.statusCode());
    assertEquals("NONCE_NOT_BOUND", JSON.readTree(unbound.body()).get("code").textValue());
  }
}
