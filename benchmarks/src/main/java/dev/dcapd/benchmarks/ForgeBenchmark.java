package dev.dcapd.benchmarks;

import dev.dcapd.testkit.Forge;
import dev.dcapd.testkit.ForgeSpec;
import dev.dcapd.testkit.QuoteBatch;
import dev.dcapd.verifier.quote.Quote;
import dev.dcapd.verifier.quote.TeeType;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Forging 10,000 distinct quotes (different report data and measurements) of one platform under
 * one collateral set with {@link QuoteBatch}, single thread: each quote costs one deterministic
 * ECDSA signature and two encodings. The score is the time per quote; 10,000 quotes take 10,000
 * times that (the target is under 5 s). {@code setUp} (PKI, collateral, QE report) is not timed.
 *
 * <p>Run: {@code ./mvnw -q -pl benchmarks -am package -DskipTests && java -jar
 * benchmarks/target/benchmarks.jar ForgeBenchmark -rf json -rff benchmarks/results/forge.json}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ForgeBenchmark {
  private static final int QUOTES = 10_000;

  @Param({"sgx-v3", "tdx-v4", "tdx-v5"})
  public String shape;

  private QuoteBatch batch;

  @Setup
  public void setUp() {
    ForgeSpec.Builder b = ForgeSpec.builder().seed(1);
    switch (shape) {
      case "sgx-v3" -> b.tee(TeeType.SGX).quoteVersion(3);
      case "tdx-v4" -> b.tee(TeeType.TDX).quoteVersion(4);
      case "tdx-v5" -> b.tee(TeeType.TDX).quoteVersion(5);
      default -> throw new IllegalArgumentException(shape);
    }
    batch = Forge.batch(b.build());
  }

  /** 10,000 distinct quotes per invocation; the score is per quote. */
  @Benchmark
  @OperationsPerInvocation(QUOTES)
  public long tenThousandQuotes() {
    long bytes = 0;
    for (int i = 0; i < QUOTES; i++) {
      Quote q = batch.quote(i);
      bytes += q.length();
    }
    return bytes;
  }
}
