package dev.dcapd.benchmarks;

import dev.dcapd.daemon.crypto.EcdsaChoice;
import dev.dcapd.testkit.Forge;
import dev.dcapd.testkit.ForgeSpec;
import dev.dcapd.testkit.ForgedCase;
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
 * In-process verification of distinct testkit quotes, single thread, per quote shape; all quotes
 * of a shape come from one seed, so they share one root, one pair of PCK CAs and one collateral
 * set (the same object, as the daemon's collateral cache hands it out).
 *
 * <ul>
 *   <li>{@code warm}: distinct quotes of ONE platform through one long-lived verifier; the
 *       platform's PCK chain, QE report and the collateral are already proven (the daemon's
 *       steady state), so a quote costs its own signature plus parsing and hashing.
 *   <li>{@code newPlatform}: one long-lived verifier remembering {@value #NEW_PLATFORM_CAPACITY}
 *       platforms, fed quotes of {@value #PLATFORMS} platforms in turn, so every quote brings a
 *       PCK chain and QE report it has forgotten: it checks the leaf certificate's signature, the
 *       QE report signature and the quote signature, while the PCK CA certificates and the
 *       collateral are recognised from its memo. This is DESIGN.md's "cold verification (new
 *       platform)" in a running daemon.
 *   <li>{@code cold}: a new verifier per quote (one platform, shared collateral verifier), so
 *       the PCK chain is proven from scratch, CA certificate included, and the QE report again:
 *       the costliest first contact, as right after a restart.
 * </ul>
 *
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
  /** Platforms {@code newPlatform} cycles through: far more than its verifier remembers. */
  static final int PLATFORMS = 1024;
  /** Platforms the {@code newPlatform} verifier remembers. */
  static final int NEW_PLATFORM_CAPACITY = 16;

  @Param({"sgx-v3", "tdx-v4", "tdx-v5"})
  public String shape;

  private ForgeSpec spec;
  private Quote[] quotes;
  private QuoteCollateral collateral;
  private Instant at;
  private TrustAnchor anchor;
  private CollateralVerifier collaterals;
  private QuoteVerifier warm;
  private int next;

  /** The ECDSA engine installed in the verifier, as {@code dcapd serve --ecdsa-engine} takes it. */
  @Param({"auto"})
  public String ecdsa;

  @Setup
  public void setUp() {
    EcdsaChoice.parse(ecdsa).install();
    ForgeSpec.Builder b = ForgeSpec.builder().seed(11);
    switch (shape) {
      case "sgx-v3" -> b.tee(TeeType.SGX).quoteVersion(3);
      case "tdx-v4" -> b.tee(TeeType.TDX).quoteVersion(4);
      case "tdx-v5" -> b.tee(TeeType.TDX).quoteVersion(5);
      default -> throw new IllegalArgumentException(shape);
    }
    spec = b.build();
    QuoteBatch batch = Forge.batch(spec);
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

  @Benchmark
  public Verdict newPlatform(Platforms p) {
    return check(p.verifier.verify(p.next(), collateral, at));
  }

  /** One quote from each of {@link #PLATFORMS} platforms; forged only when {@code newPlatform} runs. */
  @State(Scope.Benchmark)
  public static class Platforms {
    private Quote[] quotes;
    private QuoteVerifier verifier;
    private int next;

    @Setup
    public void setUp(VerifyBenchmark b) {
      quotes = new Quote[PLATFORMS];
      for (int i = 0; i < PLATFORMS; i++) {
        ForgedCase c = Forge.forge(b.spec.toBuilder().platform(i + 1).build());
        // Collateral recognised by content is the premise: a platform that needed its own would
        // measure collateral verification instead.
        if (!c.collateral().equals(b.collateral)) {
          throw new IllegalStateException("platform " + (i + 1) + " does not share the collateral");
        }
        quotes[i] = c.quote();
      }
      verifier = QuoteVerifier.create(b.anchor, new CollateralVerifier(), NEW_PLATFORM_CAPACITY);
      check(verifier.verify(quotes[0], b.collateral, b.at));
    }

    Quote next() {
      Quote q = quotes[next];
      next = (next + 1) % PLATFORMS;
      return q;
    }
  }
}
