package dev.dcapd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.dcapd.daemon.api.ProtoVerdicts;
import dev.dcapd.daemon.http.HttpSettings;
import dev.dcapd.daemon.testing.Closer;
import dev.dcapd.daemon.testing.TestStores;
import dev.dcapd.proto.v1.AttestationServiceGrpc;
import dev.dcapd.proto.v1.AttestationServiceGrpc.AttestationServiceBlockingStub;
import dev.dcapd.proto.v1.CheckRequest;
import dev.dcapd.proto.v1.CheckResponse;
import dev.dcapd.proto.v1.Failure;
import dev.dcapd.proto.v1.GetRequest;
import dev.dcapd.proto.v1.GetResponse;
import dev.dcapd.proto.v1.VerifyRequest;
import dev.dcapd.proto.v1.VerifyResponse;
import dev.dcapd.testkit.Forge;
import dev.dcapd.testkit.ForgeSpec;
import dev.dcapd.testkit.ForgedCase;
import dev.dcapd.verifier.collateral.TcbStatus;
import dev.dcapd.verifier.quote.TeeType;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 28, secure defaults: an outdated platform is not "verified" by default. A forged quote
 * whose platform Intel's rules call OutOfDate (or OutOfDateConfigurationNeeded) once answered 200
 * with {@code success: true} on the Phala API and on gRPC; Phala's own API answers 400 for it. Now
 * the default policy refuses it with {@code TCB_STATUS}, keeping Intel's status and advisories in
 * the verdict, and only a policy that lists the status (within its grace, if it sets one) accepts it.
 */
class OutdatedPlatformTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  @TempDir Path dir;
  @AutoClose final Closer open = new Closer();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
  private Daemon daemon;

  /** A daemon on 127.0.0.1 (gRPC and HTTP) trusting the forged case's root, with its collateral in a folder. */
  private AttestationServiceBlockingStub daemon(ForgedCase c, Optional<String> policy) throws Exception {
    Path root = Files.writeString(dir.resolve("root.pem"), c.rootPem(), StandardCharsets.US_ASCII);
    Path collateral = Files.createDirectories(dir.resolve("collateral"));
    Files.writeString(collateral.resolve("platform.json"), c.collateral().toJson(), StandardCharsets.UTF_8);
    Optional<Path> file = policy.isEmpty() ? Optional.empty()
        : Optional.of(Files.writeString(dir.resolve("policy.json"), policy.get()));
    DaemonConfig config = new DaemonConfig(Optional.of(new InetSocketAddress("127.0.0.1", 0)), Optional.empty(),
        dir.resolve("data"), List.of(), Optional.of(collateral), Optional.of(root), Optional.empty(), false,
        Optional.empty(), 2, 64, 1 << 17, 16 << 20, Duration.ofSeconds(5), Duration.ofSeconds(1))
        .withPolicy(file, false)
        .withHttp(Optional.of(new HttpSettings(new InetSocketAddress("127.0.0.1", 0), 1000)));
    daemon = open.add(Daemon.start(TestStores.on(config), Clock.fixed(c.spec().at(), ZoneOffset.UTC)));
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", daemon.grpcAddress().orElseThrow().getPort())
        .usePlaintext().build();
    open.add(ch::shutdownNow);
    return AttestationServiceGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  private static ForgedCase forged(TcbStatus status) throws Exception {
    ForgedCase c = Forge.forge(ForgeSpec.builder().tee(TeeType.TDX).tcbStatus(status).build());
    assertEquals(Optional.of(status.intelName()), c.expected().tcbStatus(), "Intel's rules give the status asked for");
    return c;
  }

  private HttpResponse<String> phalaVerify(ForgedCase c) throws Exception {
    HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + daemon.httpAddress().orElseThrow().getPort()
            + "/api/v1/attestations/verify"))
        .timeout(TIMEOUT)
        .header("Content-Type", "application/octet-stream")
        .POST(HttpRequest.BodyPublishers.ofByteArray(c.quoteBytes()))
        .build();
    return http.send(r, HttpResponse.BodyHandlers.ofString());
  }

  private static VerifyRequest upload(ForgedCase c) {
    return VerifyRequest.newBuilder().setQuote(ByteString.copyFrom(c.quoteBytes())).build();
  }

  private static List<String> codes(dev.dcapd.proto.v1.Verdict v) {
    return v.getViolationsList().stream().map(Failure::getCode).toList();
  }

  @ParameterizedTest
  @EnumSource(value = TcbStatus.class, names = {"OUT_OF_DATE", "OUT_OF_DATE_CONFIGURATION_NEEDED"})
  void theDefaultPolicyRefusesAnOutdatedPlatform(TcbStatus status) throws Exception {
    ForgedCase c = forged(status);
    AttestationServiceBlockingStub s = daemon(c, Optional.empty());

    HttpResponse<String> phala = phalaVerify(c);
    JsonNode body = JSON.readTree(phala.body());
    assertEquals(400, phala.statusCode(), body.at("/verdict").toString());
    assertEquals("POLICY_VIOLATION", body.at("/code").textValue());
    assertFalse(body.at("/success").booleanValue());
    assertEquals(status.intelName(), body.at("/verdict/tcb_status").textValue());
    assertEquals("TCB_STATUS", body.at("/verdict/violations/0/code").textValue());

    VerifyResponse v = s.verify(upload(c));
    assertFalse(v.getSuccess());
    assertEquals("POLICY_VIOLATION", v.getVerdict().getFailure().getCode());
    assertEquals(List.of("TCB_STATUS"), codes(v.getVerdict()));
    assertEquals(status.intelName(), v.getVerdict().getTcbStatus(), "Intel's status stays in the verdict");
    assertEquals(c.expected().advisoryIds(), v.getVerdict().getAdvisoryIdsList(), "and its advisories");
    assertEquals("default+insecure-trust-root", v.getVerdict().getPolicy().getName());

    CheckResponse checked = s.check(CheckRequest.newBuilder().setQuote(ByteString.copyFrom(c.quoteBytes())).build());
    assertFalse(checked.getSuccess());
    assertEquals(List.of("TCB_STATUS"), codes(checked.getVerdict()));
    GetResponse g = s.get(GetRequest.newBuilder().setChecksum(v.getChecksum()).build());
    assertFalse(g.getVerified());
    assertEquals(List.of("TCB_STATUS"), codes(g.getVerdict()));
  }

  @ParameterizedTest
  @EnumSource(value = TcbStatus.class,
      names = {"SW_HARDENING_NEEDED", "CONFIGURATION_NEEDED", "CONFIGURATION_AND_SW_HARDENING_NEEDED"})
  void everyOtherStatusStaysAccepted(TcbStatus status) throws Exception {
    ForgedCase c = forged(status);
    daemon(c, Optional.empty());
    HttpResponse<String> phala = phalaVerify(c);
    JsonNode body = JSON.readTree(phala.body());
    assertEquals(200, phala.statusCode(), body.at("/verdict").toString());
    assertEquals(status.intelName(), body.at("/verdict/tcb_status").textValue());
    assertTrue(body.at("/success").booleanValue());
  }

  @Test
  void aPolicyThatListsOutOfDateAcceptsIt() throws Exception {
    ForgedCase c = forged(TcbStatus.OUT_OF_DATE);
    AttestationServiceBlockingStub s = daemon(c, Optional.of("{\"name\": \"lenient\", \"tcb_status\": [\"UpToDate\", \"OutOfDate\"]}"));
    HttpResponse<String> phala = phalaVerify(c);
    assertEquals(200, phala.statusCode(), JSON.readTree(phala.body()).at("/verdict").toString());
    VerifyResponse v = s.verify(upload(c));
    assertTrue(v.getSuccess());
    assertEquals("OutOfDate", v.getVerdict().getTcbStatus());
    assertEquals("lenient+insecure-trust-root", v.getVerdict().getPolicy().getName());
  }

  /**
   * The forged OutOfDate level is dated 2024-03-13 and the daemon judges at 2026-11-01, 963 days
   * later: a grace of 1000 days still covers it, one of 900 days no longer does.
   */
  @Test
  void aGraceCountsFromTheMatchedLevelsTcbDate() throws Exception {
    ForgedCase c = forged(TcbStatus.OUT_OF_DATE);
    AttestationServiceBlockingStub s = daemon(c,
        Optional.of("{\"tcb_status\": [\"UpToDate\", \"OutOfDate\"], \"out_of_date_grace\": \"P1000D\"}"));
    VerifyResponse accepted = s.verify(upload(c));
    assertTrue(accepted.getSuccess());
    assertEquals(Duration.ofDays(963), Duration.between(Instant.parse(accepted.getVerdict().getTcbDate()), c.spec().at()));
    // Accepted within the grace only: the verdict, and any token about it, hold until the grace ends.
    assertEquals(Instant.parse(accepted.getVerdict().getTcbDate()).plus(Duration.ofDays(1000)),
        ProtoVerdicts.instant(accepted.getVerdict().getHoldsUntil()));
    daemon.close();

    dir = Files.createDirectories(dir.resolve("again"));
    s = daemon(c, Optional.of("{\"tcb_status\": [\"UpToDate\", \"OutOfDate\"], \"out_of_date_grace\": \"P900D\"}"));
    assertEquals(400, phalaVerify(c).statusCode());
    VerifyResponse v = s.verify(upload(c));
    assertFalse(v.getSuccess());
    assertEquals(List.of("TCB_STATUS"), codes(v.getVerdict()));
  }
}
