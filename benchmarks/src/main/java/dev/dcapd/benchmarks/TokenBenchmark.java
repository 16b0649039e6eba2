package dev.dcapd.benchmarks;

import dev.dcapd.token.EarIssuer;
import dev.dcapd.token.EarVerifier;
import dev.dcapd.token.KeyRing;
import dev.dcapd.token.TokenException;
import dev.dcapd.token.VerifiedEar;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a signed result costs: issuing an EAR token (claims to JSON, ES256 sign) and verifying one
 * against a JWKS, single thread, with claims the size of a TDX verdict's. Compare with
 * {@code openssl speed ecdsap256} run beside it: ES256 sign and verify dominate.
 *
 * <p>Run: {@code ./mvnw -q -pl benchmarks -am package -DskipTests && java -jar
 * benchmarks/target/benchmarks.jar TokenBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TokenBenchmark {
  private static final Instant NOW = Instant.parse("2026-12-05T00:00:00Z");

  /** The JCA provider that signs: the JDK's, or AWS-LC's (the daemon's native engine). */
  @Param({"jdk", "aws-lc"})
  public String provider;

  private EarIssuer issuer;
  private EarVerifier verifier;
  private EarIssuer.Appraisal appraisal;
  private String token;

  @Setup
  public void setUp() throws TokenException {
    issuer = new EarIssuer(KeyRing.generate(NOW), Duration.ofMinutes(5), "bench", "bench",
        provider.equals("aws-lc") ? com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider.INSTANCE : null);
    verifier = EarVerifier.fromJwks(issuer.jwks(NOW));
    String h48 = "0x" + "ab".repeat(48);
    Map<String, Object> measurements = Map.of("mrtd", h48, "rtmr0", h48, "rtmr1", h48, "rtmr2", h48, "rtmr3", h48,
        "mrseam", h48, "tdattributes", "0x0000001000000000", "xfam", "0xe702060000000000");
    Map<String, Object> claims = new java.util.HashMap<>(Map.of(
        "checksum", "c4".repeat(32), "success", true, "tee_type", "TEE_TDX", "fmspc", "0xb0c06f000000",
        "tcb_status", "UpToDate", "advisory_ids", List.of(), "measurements", measurements,
        "report_data", "0x" + "00".repeat(64), "collateral_id", "ef".repeat(32), "trust_root", "44a0".repeat(16)));
    // As the daemon's tokens say: without it the verifier refuses (INSECURE_ROOT) and the benchmark would time a refusal.
    claims.put("insecure_root", false);
    appraisal = new EarIssuer.Appraisal(Map.of("instance-identity", 2, "hardware", 2, "configuration", 2,
        "runtime-opaque", 2), "policy:default#" + "cd".repeat(32), claims, Optional.of("01".repeat(32)));
    token = issuer.issue(appraisal, NOW);
  }

  @Benchmark
  public String issue() {
    return issuer.issue(appraisal, NOW);
  }

  @Benchmark
  public VerifiedEar verify() throws TokenException {
    return verifier.verify(token, Optional.of("01".repeat(32)), NOW);
  }
}
