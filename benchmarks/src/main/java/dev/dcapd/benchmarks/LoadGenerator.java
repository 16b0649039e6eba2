package dev.dcapd.benchmarks;

import com.google.protobuf.ByteString;
import dev.dcapd.daemon.store.QuoteStore;
import dev.dcapd.proto.v1.AttestationServiceGrpc;
import dev.dcapd.proto.v1.AttestationServiceGrpc.AttestationServiceBlockingStub;
import dev.dcapd.proto.v1.GetRawRequest;
import dev.dcapd.proto.v1.GetRequest;
import dev.dcapd.proto.v1.VerifyRequest;
import dev.dcapd.proto.v1.VerifyResponse;
import dev.dcapd.testkit.Forge;
import dev.dcapd.testkit.ForgeSpec;
import dev.dcapd.testkit.QuoteBatch;
import dev.dcapd.verifier.quote.TeeType;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The daemon under load, as a relying party's fleet would use it: starts {@code dcapd serve} as
 * its own process on 127.0.0.1 (trusting the testkit root, collateral from a folder of the forged
 * collateral), uploads N distinct testkit TDX v4 quotes of one platform from C concurrent clients,
 * then reads them back with Get and GetRaw for a fixed time, and reports Verify/s, p50/p99
 * latency, Get/s, GetRaw/s, the daemon's start time and peak RSS, and bytes on disk per stored
 * quote (after the daemon's own flush at shutdown, and after a full compaction).
 *
 * <p>Run: {@code ./mvnw -q -pl benchmarks -am package -DskipTests && java -cp
 * benchmarks/target/benchmarks.jar dev.dcapd.benchmarks.LoadGenerator --quotes 100000 --clients 32
 * --out benchmarks/results/load.json}
 */
public final class LoadGenerator {
  private static final Pattern READY = Pattern.compile("^dcapd serving grpc 127\\.0\\.0\\.1:(\\d+) .*\\(ready (\\d+) ms.*");

  /** What one run measured. */
  public record Result(int quotes, int clients, double verifyPerSecond, double p50Millis, double p99Millis,
      double getPerSecond, double getRawPerSecond, long startMillis, long peakRssKib, double bytesPerQuote,
      double bytesPerQuoteCompacted, int failures) {
    String json() {
      return String.format(Locale.ROOT, "{\"quotes\":%d,\"clients\":%d,\"verify_per_s\":%.0f,\"verify_p50_ms\":%.2f,"
          + "\"verify_p99_ms\":%.2f,\"get_per_s\":%.0f,\"get_raw_per_s\":%.0f,\"start_ms\":%d,\"peak_rss_kib\":%d,"
          + "\"bytes_per_quote\":%.0f,\"bytes_per_quote_compacted\":%.0f,\"failures\":%d}", quotes, clients,
          verifyPerSecond, p50Millis, p99Millis, getPerSecond, getRawPerSecond, startMillis, peakRssKib,
          bytesPerQuote, bytesPerQuoteCompacted, failures);
    }
  }

  public static void main(String[] args) throws Exception {
    int quotes = 100_000;
    int clients = 32;
    int readSeconds = 10;
    Path out = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--quotes" -> quotes = Integer.parseInt(args[++i]);
        case "--clients" -> clients = Integer.parseInt(args[++i]);
        case "--read-seconds" -> readSeconds = Integer.parseInt(args[++i]);
        case "--out" -> out = Path.of(args[++i]);
        default -> {
          System.err.println("usage: LoadGenerator [--quotes N] [--clients C] [--read-seconds S] [--out FILE]");
          System.exit(2);
        }
      }
    }
    Path work = Files.createTempDirectory("dcapd-load");
    try {
      Result r = run(quotes, clients, readSeconds, work);
      System.out.println(r.json());
      if (out != null) {
        Files.writeString(out, r.json() + "\n");
      }
    } finally {
      deleteTree(work);
    }
  }

  /** One run in {@code work}; the daemon process is started and stopped here. */
  public static Result run(int quotes, int clients, int readSeconds, Path work) throws Exception {
    QuoteBatch batch = Forge.batch(ForgeSpec.builder().tee(TeeType.TDX).quoteVersion(4).seed(20261122).build());
    Path root = work.resolve("root.pem");
    Files.writeString(root, batch.template().rootPem());
    Path collateralDir = Files.createDirectories(work.resolve("collateral"));
    Files.writeString(collateralDir.resolve("collateral.json"), batch.collateral().toJson());
    byte[][] raw = new byte[quotes][];
    for (int i = 0; i < quotes; i++) {
      raw[i] = batch.quote(i).raw().toByteArray();
    }

    Path data = work.resolve("data");
    Process daemon = new ProcessBuilder(javaBin(), "-cp", System.getProperty("java.class.path"),
        "dev.dcapd.daemon.Dcapd", "serve", "--grpc", "127.0.0.1:0", "--data", data.toString(),
        "--collateral-dir", collateralDir.toString(), "--insecure-trust-root", root.toString(),
        "--max-in-flight", Integer.toString(Math.max(512, clients * 2)))
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    try {
      BufferedReader lines = new BufferedReader(new InputStreamReader(daemon.getInputStream(), StandardCharsets.UTF_8));
      String ready = lines.readLine();
      Matcher m = ready == null ? null : READY.matcher(ready);
      if (m == null || !m.matches()) {
        throw new IOException("the daemon did not start: " + ready);
      }
      int port = Integer.parseInt(m.group(1));
      long startMillis = Long.parseLong(m.group(2));
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext()
          .maxInboundMessageSize(1 << 20).build();
      try {
        AttestationServiceBlockingStub stub = AttestationServiceGrpc.newBlockingStub(channel);
        long[] latencies = new long[quotes];
        String[] checksums = new String[quotes];
        AtomicInteger next = new AtomicInteger();
        AtomicInteger failures = new AtomicInteger();
        long t0 = System.nanoTime();
        runClients(clients, () -> {
          int i;
          while ((i = next.getAndIncrement()) < quotes) {
            long s = System.nanoTime();
            VerifyResponse r = stub.withDeadlineAfter(60, TimeUnit.SECONDS)
                .verify(VerifyRequest.newBuilder().setQuote(ByteString.copyFrom(raw[i])).build());
            latencies[i] = System.nanoTime() - s;
            checksums[i] = r.getChecksum();
            if (!r.getSuccess()) {
              failures.incrementAndGet();
            }
          }
        });
        double verifySeconds = (System.nanoTime() - t0) / 1e9;
        Arrays.sort(latencies);

        double getRate = readFor(clients, readSeconds, checksums,
            c -> stub.withDeadlineAfter(30, TimeUnit.SECONDS).get(GetRequest.newBuilder().setChecksum(c).build()));
        double getRawRate = readFor(clients, readSeconds, checksums,
            c -> stub.withDeadlineAfter(30, TimeUnit.SECONDS).getRaw(GetRawRequest.newBuilder().setChecksum(c).build()));
        long rss = peakRssKib(daemon.pid());

        channel.shutdownNow();
        daemon.destroy();
        if (!daemon.waitFor(60, TimeUnit.SECONDS)) {
          throw new IOException("the daemon did not stop after SIGTERM");
        }
        double perQuote = (double) treeSize(data) / quotes;
        try (QuoteStore store = QuoteStore.open(data, false)) {
          store.compact();
        }
        double perQuoteCompacted = (double) treeSize(data) / quotes;
        return new Result(quotes, clients, quotes / verifySeconds, percentile(latencies, 0.50),
            percentile(latencies, 0.99), getRate, getRawRate, startMillis, rss, perQuote, perQuoteCompacted,
            failures.get());
      } finally {
        channel.shutdownNow();
      }
    } finally {
      daemon.destroyForcibly();
      daemon.waitFor(30, TimeUnit.SECONDS);
    }
  }

  @FunctionalInterface
  private interface Call {
    void run(String checksum);
  }

  private static double readFor(int clients, int seconds, String[] checksums, Call call) throws Exception {
    AtomicLong done = new AtomicLong();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    long t0 = System.nanoTime();
    runClients(clients, () -> {
      java.util.SplittableRandom rnd = new java.util.SplittableRandom(Thread.currentThread().getId());
      while (System.nanoTime() < end) {
        call.run(checksums[rnd.nextInt(checksums.length)]);
        done.incrementAndGet();
      }
    });
    return done.get() / ((System.nanoTime() - t0) / 1e9);
  }

  private static void runClients(int clients, Runnable body) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    try {
      List<Future<?>> fs = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        fs.add(pool.submit(body));
      }
      for (Future<?> f : fs) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static double percentile(long[] sortedNanos, double p) {
    int i = (int) Math.min(sortedNanos.length - 1, Math.ceil(p * sortedNanos.length) - 1);
    return sortedNanos[Math.max(0, i)] / 1e6;
  }

  /** VmHWM of a Linux process, in KiB. */
  private static long peakRssKib(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      if (line.startsWith("VmHWM:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    return -1;
  }

  private static long treeSize(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private static String javaBin() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
