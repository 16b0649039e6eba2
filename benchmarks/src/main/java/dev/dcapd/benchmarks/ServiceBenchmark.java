package dev.dcapd.benchmarks;

import com.google.protobuf.ByteString;
import dev.dcapd.collateral.CollateralFetcher;
import dev.dcapd.collateral.CollateralKey;
import dev.dcapd.collateral.CollateralService;
import dev.dcapd.collateral.CollateralSource;
import dev.dcapd.collateral.InMemoryCollateralCache;
import dev.dcapd.collateral.VerifierCollateralCheck;
import dev.dcapd.daemon.CollateralProvider;
import dev.dcapd.daemon.Metrics;
import dev.dcapd.daemon.ServiceCollateralProvider;
import dev.dcapd.daemon.api.AttestationServiceImpl;
import dev.dcapd.daemon.crypto.EcdsaChoice;
import dev.dcapd.daemon.store.QuoteStore;
import dev.dcapd.proto.v1.GetRequest;
import dev.dcapd.proto.v1.GetResponse;
import dev.dcapd.proto.v1.VerifyRequest;
import dev.dcapd.proto.v1.VerifyResponse;
import dev.dcapd.testkit.Forge;
import dev.dcapd.testkit.ForgeSpec;
import dev.dcapd.testkit.QuoteBatch;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.quote.TeeType;
import dev.dcapd.verifier.verify.CollateralVerifier;
import dev.dcapd.verifier.verify.QuoteVerifier;
import dev.dcapd.verifier.verify.TrustAnchor;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The daemon's service without the network, one thread: {@code verify} uploads a distinct testkit
 * TDX v4 quote of one platform (parse, collateral from the cache, verification, the RocksDB write
 * and the answer, as {@code Verify} does them), {@code get} reads a stored record back as
 * {@code Get} answers it. The gap between these and the load generator's figures is gRPC and the
 * load generator itself. Verification logs are off (the daemon writes one line per upload).
 *
 * <p>Run: {@code ./mvnw -q -pl benchmarks -am package -DskipTests && java
 * -Djava.util.logging.config.file=/dev/null -jar benchmarks/target/benchmarks.jar ServiceBenchmark
 * -rf json -rff benchmarks/results/service.json}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ServiceBenchmark {
  private static final int QUOTES = 100_000;

  private Path dir;
  private QuoteStore store;
  private AttestationServiceImpl service;
  private byte[][] quotes;
  private int next;
  private String[] stored;
  private int read;

  /** Receives one unary answer; a failure here is a broken benchmark, not a figure. */
  private static final class Sink<T> implements StreamObserver<T> {
    T value;

    @Override
    public void onNext(T v) {
      value = v;
    }

    @Override
    public void onError(Throwable t) {
      throw new IllegalStateException("the service failed", t);
    }

    @Override
    public void onCompleted() {}
  }

  /** The ECDSA engine installed in the verifier, as {@code dcapd serve --ecdsa-engine} takes it. */
  @Param({"auto"})
  public String ecdsa;

  @Setup(Level.Trial)
  public void setUp() throws IOException, DcapException {
    EcdsaChoice.parse(ecdsa).install();
    QuoteBatch batch = Forge.batch(ForgeSpec.builder().tee(TeeType.TDX).quoteVersion(4).seed(21).build());
    // Forged before timing starts, so the figure is the service's alone.
    quotes = new byte[QUOTES][];
    for (int i = 0; i < QUOTES; i++) {
      quotes[i] = batch.quote(i).raw().toByteArray();
    }
    dir = Files.createTempDirectory("dcapd-service-bench");
    store = QuoteStore.open(dir, false);
    QuoteCollateral collateral = batch.collateral();
    QuoteVerifier verifier = QuoteVerifier.withTrustAnchor(TrustAnchor.insecureCustomRoot(batch.template().root()));
    // The collateral is in memory, as the daemon's cache holds it, so Verify runs on the calling
    // thread; reads check a stored verdict against it as the daemon does.
    TrustAnchor anchor = verifier.trustAnchor();
    CollateralSource source = new CollateralSource() {
      @Override
      public String name() {
        return "batch";
      }

      @Override
      public QuoteCollateral fetch(CollateralKey key) {
        return collateral;
      }
    };
    Clock clock = Clock.fixed(batch.template().at(), ZoneOffset.UTC);
    CollateralService cached = new CollateralService(InMemoryCollateralCache.builder(new CollateralFetcher(
        List.of(source), new VerifierCollateralCheck(new CollateralVerifier(), anchor), clock)).clock(clock).build());
    cached.forQuote(batch.quote(0), clock.instant());
    CollateralProvider inMemory = new ServiceCollateralProvider(cached, new Metrics());
    service = new AttestationServiceImpl(store, verifier, inMemory, Clock.fixed(batch.template().at(), ZoneOffset.UTC),
        new Metrics(), Runnable::run);
    stored = new String[1024];
    for (int i = 0; i < stored.length; i++) {
      stored[i] = upload().getChecksum();
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    store.close();
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private VerifyResponse upload() {
    if (next >= QUOTES) {
      throw new IllegalStateException("out of distinct quotes");
    }
    byte[] raw = quotes[next++];
    Sink<VerifyResponse> sink = new Sink<>();
    service.verify(VerifyRequest.newBuilder().setQuote(ByteString.copyFrom(raw)).build(), sink);
    if (!sink.value.getSuccess() || sink.value.getAlreadyStored()) {
      throw new IllegalStateException("benchmark quote not freshly verified: " + sink.value.getVerdict());
    }
    return sink.value;
  }

  @Benchmark
  public VerifyResponse verify() {
    return upload();
  }

  @Benchmark
  public GetResponse get() {
    Sink<GetResponse> sink = new Sink<>();
    service.get(GetRequest.newBuilder().setChecksum(stored[read++ & (stored.length - 1)]).build(), sink);
    return sink.value;
  }
}
