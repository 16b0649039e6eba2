package dev.dcapd.benchmarks;

import dev.dcapd.testkit.Forge;
import dev.dcapd.testkit.ForgeSpec;
import dev.dcapd.testkit.QuoteBatch;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.quote.Quote;
import dev.dcapd.verifier.quote.TeeType;
import dev.dcapd.verifier.verify.CollateralVerifier;
import dev.dcapd.verifier.verify.QuoteVerifier;
import dev.dcapd.verifier.verify.TrustAnchor;
import dev.dcapd.verifier.verify.Verdict;
import java.time.Instant;
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
 * In-process verification of distinct testkit quotes of one platform, single thread, per quote
 * shape. {@code warm}: the platform's PCK chain, QE report and collateral are already proven (the
 * daemon's steady state), so a quote costs its own signature plus parsing and hashing.
 * {@code cold}: a new verifier per quote, so the PCK chain and QE report are proven again (a
 * platform seen for the first time); the collateral is shared, as the daemon's cache shares it.
 * Every verdict is checked to succeed, so a broken setup cannot report a fast failure.
 *
 * <p>Run: {@code ./mvnw -q -pl benchmarks -am package -DskipTests && java -jar
 * benchmarks/target/benchmarks.jar VerifyBenchmark -rf json -rff benchmarks/results/verify.json}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class VerifyBenchmark {
  private static final int QUOTES = 4096;

  @Param({"sgx-v3", "tdx-v4", "tdx-v5"})
  public String shape;

  private Quote[] quotes;
  private QuoteCollateral collateral;
  private Instant at;
  private TrustAnchor anchor;
  private CollateralVerifier collaterals;
  private QuoteVerifier warm;
  private int next;

  @Setup
  public void setUp() {
    ForgeSpec.Builder b = ForgeSpec.builder().seed(11);
    switch (shape) {
      case "sgx-v3" -> b.tee(TeeType.SGX).quoteVersion(3);
      case "tdx-v4" -> b.tee(TeeType.TDX).quoteVersion(4);
      case "tdx-v5" -> b.tee(TeeType.TDX).quoteVersion(5);
      default -> throw new IllegalArgumentException(shape);
    }
    QuoteBatch batch = Forge.batch(b.build());
    quotes = new Quote[QUOTES];
    for (int i = 0; i < QUOTES; i++) {
      quotes[i] = batch.quote(i);
    }
    collateral = batch.collateral();
    at = batch.template().at();
    anchor = TrustAnchor.insecureCustomRoot(batch.template().root());
    collaterals = new CollateralVerifier();
    warm = QuoteVerifier.create(anchor, collaterals, QuoteVerifier.DEFAULT_PLATFORM_CAPACITY);
    check(warm.verify(quotes[0], collateral, at));
  }

  private static Verdict check(Verdict v) {
    if (!v.success()) {
      throw new IllegalStateException("benchmark quote rejected: " + v.failure());
    }
    return v;
  }

  private Quote nextQuote() {
    Quote q = quotes[next];
    next = (next + 1) % QUOTES;
    return q;
  }

  @Benchmark
  public Verdict warm() {
    return check(warm.verify(nextQuote(), collateral, at));
  }

  @Benchmark
  public Verdict cold() {
    return check(QuoteVerifier.create(anchor, collaterals, 4).verify(nextQuote(), collateral, at));
  }
}
