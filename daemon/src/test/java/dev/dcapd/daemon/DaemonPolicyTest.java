package dev.dcapd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
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
import dev.dcapd.verifier.policy.Policy;
import dev.dcapd.verifier.policy.PolicyCheck;
import dev.dcapd.verifier.policy.PolicyJson;
import dev.dcapd.verifier.quote.QuoteParser;
import dev.dcapd.verifier.quote.TeeType;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
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
 * The policy a real daemon judges by (issue 14, hole 4): a debug TD or enclave, correctly signed,
 * once verified UpToDate with {@code success: true}; the default policy refuses it, only
 * {@code --insecure-allow-debug} accepts it, and a policy file's violations are an answer
 * ({@code success=false} with every rule broken), never an RPC error.
 */
class DaemonPolicyTest {
  @TempDir Path dir;
  @AutoClose final Closer open = new Closer();

  /** A daemon on 127.0.0.1 trusting the forged case's root, with its collateral in a folder. */
  private AttestationServiceBlockingStub daemon(ForgedCase c, Optional<Path> policy, boolean allowDebug) throws Exception {
    Path root = Files.writeString(dir.resolve("root.pem"), c.rootPem(), StandardCharsets.US_ASCII);
    Path collateral = Files.createDirectories(dir.resolve("collateral"));
    Files.writeString(collateral.resolve("platform.json"), c.collateral().toJson(), StandardCharsets.UTF_8);
    DaemonConfig config = new DaemonConfig(Optional.of(new InetSocketAddress("127.0.0.1", 0)), Optional.empty(),
        dir.resolve("data"), List.of(), Optional.of(collateral), Optional.of(root), Optional.empty(), false,
        Optional.empty(), 2, 64, 1 << 17, 16 << 20, Duration.ofSeconds(5), Duration.ofSeconds(1))
        .withPolicy(policy, allowDebug);
    Daemon d = Daemon.start(TestStores.on(config), Clock.fixed(c.at(), ZoneOffset.UTC));
    open.add(d);
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", d.grpcAddress().orElseThrow().getPort())
        .usePlaintext().build();
    open.add(ch::shutdownNow);
    return AttestationServiceGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  private static ForgedCase debug(TeeType tee) throws Exception {
    ForgedCase c = Forge.forge(ForgeSpec.builder().tee(tee).debug(true).build());
    assertTrue(PolicyCheck.isDebug(QuoteParser.parse(c.quoteBytes())));
    return c;
  }

  private static VerifyRequest upload(ForgedCase c) {
    return VerifyRequest.newBuilder().setQuote(ByteString.copyFrom(c.quoteBytes())).build();
  }

  @ParameterizedTest
  @EnumSource(TeeType.class)
  void theDefaultPolicyRefusesADebugQuote(TeeType tee) throws Exception {
    ForgedCase c = debug(tee);
    AttestationServiceBlockingStub s = daemon(c, Optional.empty(), false);

    VerifyResponse v = s.verify(upload(c));
    assertFalse(v.getSuccess());
    assertFalse(v.getVerdict().getSuccess());
    assertEquals("UpToDate", v.getVerdict().getTcbStatus(), "Intel's checks pass; the policy refuses");
    assertEquals("DEBUG_NOT_ALLOWED", v.getVerdict().getFailure().getCode());
    assertEquals(List.of("DEBUG_NOT_ALLOWED"), v.getVerdict().getViolationsList().stream().map(Failure::getCode).toList());
    // The daemon trusts the forged case's root (--insecure-trust-root): the policy's name says so.
    assertEquals("default+insecure-trust-root", v.getVerdict().getPolicy().getName());
    assertEquals(Policy.daemonDefault().withInsecureOptions(false, true).sha256(), v.getVerdict().getPolicy().getSha256());
    assertFalse(v.getQuote().getVerified());

    GetResponse g = s.get(GetRequest.newBuilder().setChecksum(v.getChecksum()).build());
    assertFalse(g.getVerified());
    assertEquals("DEBUG_NOT_ALLOWED", g.getVerdict().getFailure().getCode());
    CheckResponse checked = s.check(CheckRequest.newBuilder().setQuote(ByteString.copyFrom(c.quoteBytes())).build());
    assertFalse(checked.getSuccess());
    assertEquals("DEBUG_NOT_ALLOWED", checked.getVerdict().getFailure().getCode());
  }

  @Test
  void onlyTheInsecureOptionAcceptsADebugQuote() throws Exception {
    ForgedCase c = debug(TeeType.TDX);
    VerifyResponse v = daemon(c, Optional.empty(), true).verify(upload(c));
    assertTrue(v.getSuccess());
    assertEquals(0, v.getVerdict().getViolationsCount());
    assertTrue(v.getVerdict().getPolicy().getSha256().length() == 64);
    assertFalse(Policy.daemonDefault().withInsecureOptions(false, true).sha256().equals(v.getVerdict().getPolicy().getSha256()),
        "a policy that lets debug in is another policy, and verdicts say so");
    assertEquals("default+insecure-allow-debug+insecure-trust-root", v.getVerdict().getPolicy().getName());
  }

  @Test
  void aPolicyFileJudgesEveryQuoteAndItsViolationsAreAnAnswer() throws Exception {
    ForgedCase c = Forge.forge(ForgeSpec.builder().tee(TeeType.TDX).build());
    Path file = Files.writeString(dir.resolve("policy.json"), "{\"name\": \"prod\", \"tcb_status\": [\"OutOfDate\"],"
        + " \"tdx\": {\"mrtd\": [\"0x" + "00".repeat(48) + "\"]}}");
    AttestationServiceBlockingStub s = daemon(c, Optional.of(file), false);
    VerifyResponse v = s.verify(upload(c));
    assertFalse(v.getSuccess());
    assertEquals("UpToDate", v.getVerdict().getTcbStatus());
    assertEquals("POLICY_VIOLATION", v.getVerdict().getFailure().getCode());
    assertEquals(List.of("TCB_STATUS", "MRTD"), v.getVerdict().getViolationsList().stream().map(Failure::getCode).toList());
    assertEquals("prod+insecure-trust-root", v.getVerdict().getPolicy().getName());
    // The policy in force is the file's plus the daemon's own (insecure, test) root: verdicts name that one.
    assertEquals(PolicyJson.parse(file).withInsecureOptions(false, true).sha256(),
        v.getVerdict().getPolicy().getSha256());
  }

  @Test
  void aPolicyFileThatDoesNotParseStopsTheDaemonFromStarting() throws Exception {
    ForgedCase c = Forge.forge(ForgeSpec.builder().tee(TeeType.TDX).build());
    Path file = Files.writeString(dir.resolve("policy.json"), "{\"name\": \"prod\", \"allow_debug\": true}");
    org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, () -> daemon(c, Optional.of(file), false));
    assertFalse(Files.exists(dir.resolve("data")), "nothing opened, nothing written");
  }
}
