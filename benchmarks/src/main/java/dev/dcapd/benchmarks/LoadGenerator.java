package dev.dcapd.benchmarks;

import com.google.protobuf.ByteString;
import dev.dcapd.daemon.store.QuoteStore;
import dev.dcapd.proto.v1.AttestationServiceGrpc;
import dev.dcapd.proto.v1.GetRawRequest;
import dev.dcapd.proto.v1.GetRequest;
import dev.dcapd.proto.v1.VerifyRequest;
import dev.dcapd.testkit.Forge;
import dev.dcapd.testkit.ForgeSpec;
import dev.dcapd.testkit.QuoteBatch;
import dev.dcapd.verifier.quote.TeeType;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The daemon under load, as a relying party's fleet would use it: starts {@code dcapd serve} as
 * its own process on 127.0.0.1 (trusting the testkit root, collateral from a folder of the forged
 * collateral), uploads N distinct testkit TDX v4 quotes of one platform from C concurrent clients,
 * then reads them back with Get and GetRaw for a fixed time, and reports Verify/s, p50/p99
 * latency, Get/s, GetRaw/s, the daemon's start time and peak RSS, bytes on disk per stored quote
 * (after the daemon's own flush at shutdown, and after a full compaction), and how many cores the
 * daemon and the generator each kept busy in each phase.
 *
 * <p>A client is one call kept outstanding; calls are asynchronous over up to eight connections.
 * {@code --warmup N} distinct uploads (default 50,000) run before the timed ones, then six seconds
 * each of Get and GetRaw on those warm-up quotes, and each read phase runs two uncounted seconds
 * first: the JIT takes tens of seconds to settle on two shared cores, and the figures are the
 * steady state (the timed uploads' throughput per five seconds is printed to stderr, and so is the
 * wall-clock start of each read phase, to cut a daemon profile to one phase). Bytes on disk are
 * per stored quote, warm-up included. Answers are read only for their success flag and checksum
 * ({@link LeanAnswer}): the daemon still builds and sends them in full, but the generator, sharing
 * the two cores, parses no more than it checks.
 *
 * <p>Run: {@code ./mvnw -q -pl benchmarks -am package -DskipTests && java -cp
 * benchmarks/target/benchmarks.jar dev.dcapd.benchmarks.LoadGenerator --quotes 100000 --clients 32
 * --out benchmarks/results/load.json}
 */
public final class LoadGenerator {
  /** Connections the clients share, as a fleet of relying parties would open several. */
  private static final int MAX_CONNECTIONS = 8;
  private static final int READ_WARMUP_SECONDS = 2;
  private static final int READ_JIT_WARMUP_SECONDS = 6;
  private static final Pattern READY = Pattern.compile("^dcapd serving grpc 127\\.0\\.0\\.1:(\\d+) .*\\(ready (\\d+) ms.*");

  /** What one run measured. */
  public record Result(int quotes, int clients, double verifyPerSecond, double p50Millis, double p99Millis,
      double getPerSecond, double getRawPerSecond, long startMillis, long peakRssKib, double bytesPerQuote,
      double bytesPerQuoteCompacted, int failures, CpuShare verifyCpu, CpuShare getCpu, CpuShare getRawCpu,
      int warmupUploads) {
    String json() {
      return String.format(Locale.ROOT, "{\"quotes\":%d,\"warmup_uploads\":%d,\"clients\":%d,\"verify_per_s\":%.0f,\"verify_p50_ms\":%.2f,"
          + "\"verify_p99_ms\":%.2f,\"get_per_s\":%.0f,\"get_raw_per_s\":%.0f,\"start_ms\":%d,\"peak_rss_kib\":%d,"
          + "\"bytes_per_quote\":%.0f,\"bytes_per_quote_compacted\":%.0f,\"failures\":%d,"
          + "\"cores_used\":{\"verify\":%s,\"get\":%s,\"get_raw\":%s}}", quotes, warmupUploads, clients,
          verifyPerSecond, p50Millis, p99Millis, getPerSecond, getRawPerSecond, startMillis, peakRssKib,
          bytesPerQuote, bytesPerQuoteCompacted, failures, verifyCpu.json(), getCpu.json(), getRawCpu.json());
    }
  }

  /** Cores each process kept busy during a phase: CPU time over wall time, from /proc. */
  public record CpuShare(double daemon, double generator) {
    String json() {
      return String.format(Locale.ROOT, "{\"daemon\":%.2f,\"generator\":%.2f}", daemon, generator);
    }
  }

  /** CPU time of the daemon and of this process, read at the start of a phase. */
  private record CpuMark(long wallNanos, long daemonNanos, long selfNanos) {
    static CpuMark now(List<Long> daemonPids) throws IOException {
      long daemons = 0;
      for (long pid : daemonPids) {
        daemons += cpuNanos(pid);
      }
      return new CpuMark(System.nanoTime(), daemons, cpuNanos(ProcessHandle.current().pid()));
    }

    CpuShare until(List<Long> daemonPids) throws IOException {
      CpuMark end = now(daemonPids);
      double wall = end.wallNanos - wallNanos;
      return new CpuShare((end.daemonNanos - daemonNanos) / wall, (end.selfNanos - selfNanos) / wall);
    }

    /** utime + stime of a Linux process, from /proc/PID/stat (fields 14 and 15, in clock ticks of 10 ms). */
    private static long cpuNanos(long pid) throws IOException {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000_000L;
    }
  }

  public static void main(String[] args) throws Exception {
    int quotes = 100_000;
    int warmup = 50_000;
    int clients = 32;
    int readSeconds = 10;
    Path out = null;
    List<String> daemonJavaOpts = List.of();
    List<String> daemonArgs = List.of();
    int daemons = 1;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--quotes" -> quotes = Integer.parseInt(args[++i]);
        case "--warmup" -> warmup = Integer.parseInt(args[++i]);
        case "--clients" -> clients = Integer.parseInt(args[++i]);
        case "--read-seconds" -> readSeconds = Integer.parseInt(args[++i]);
        case "--out" -> out = Path.of(args[++i]);
        case "--daemon-java-opts" -> daemonJavaOpts = List.of(args[++i].trim().split("\\s+"));
        case "--daemon-args" -> daemonArgs = List.of(args[++i].trim().split("\\s+"));
        case "--daemons" -> daemons = Integer.parseInt(args[++i]);
        default -> {
          System.err.println("usage: LoadGenerator [--quotes N] [--warmup N] [--clients C] [--read-seconds S] [--out FILE]"
              + " [--daemon-java-opts \"-XX:... (e.g. a profiler)\"] [--daemon-args \"--workers 2 ...\"]"
              + " [--daemons N (each with --daemon-args: several on one --store cassandra://...)]");
          System.exit(2);
        }
      }
    }
    Path work = Files.createTempDirectory("dcapd-load");
    try {
      Result r = run(quotes, warmup, clients, readSeconds, daemonJavaOpts, daemonArgs, daemons, work);
      System.out.println(r.json());
      if (out != null) {
        Files.writeString(out, r.json() + "\n");
      }
    } finally {
      deleteTree(work);
    }
  }

  /** One run in {@code work}; the daemon process is started and stopped here. */
  public static Result run(int quotes, int warmup, int clients, int readSeconds, List<String> daemonJavaOpts,
      List<String> daemonArgs, Path work) throws Exception {
    return run(quotes, warmup, clients, readSeconds, daemonJavaOpts, daemonArgs, 1, work);
  }

  /**
   * One run against {@code daemons} daemon processes started with the same options (on a store
   * they share, given in {@code daemonArgs}), the connections spread over them. Bytes on disk are
   * measured for a RocksDB store only (-1 otherwise: a Cassandra cluster's are its nodes').
   */
  public static Result run(int quotes, int warmup, int clients, int readSeconds, List<String> daemonJavaOpts,
      List<String> daemonArgs, int daemons, Path work)
      throws Exception {
    QuoteBatch batch = Forge.batch(ForgeSpec.builder().tee(TeeType.TDX).quoteVersion(4).seed(20261122).build());
    Path root = work.resolve("root.pem");
    Files.writeString(root, batch.template().rootPem());
    Path collateralDir = Files.createDirectories(work.resolve("collateral"));
    Files.writeString(collateralDir.resolve("collateral.json"), batch.collateral().toJson());
    // Quotes 0..quotes-1 are measured; the warm-up uploads the ones after them.
    byte[][] raw = new byte[quotes + warmup][];
    for (int i = 0; i < raw.length; i++) {
      raw[i] = batch.quote(i).raw().toByteArray();
    }

    boolean rocks = !daemonArgs.contains("--store");
    Path data = work.resolve("data");
    List<Process> started = new ArrayList<>();
    List<Integer> ports = new ArrayList<>();
    long startMillis = 0;
    try {
      // One after another: the first makes the schema of a shared store the others then find.
      for (int d = 0; d < daemons; d++) {
        List<String> command = new ArrayList<>(List.of(javaBin()));
        command.addAll(daemonJavaOpts);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"),
            "dev.dcapd.daemon.Dcapd", "serve", "--grpc", "127.0.0.1:0", "--data", (d == 0 ? data : work.resolve("data-" + d)).toString(),
            "--collateral-dir", collateralDir.toString(), "--insecure-trust-root", root.toString(),
            "--max-in-flight", Integer.toString(Math.max(512, clients * 2))));
        command.addAll(daemonArgs);
        Process daemon = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        started.add(daemon);
        BufferedReader lines = new BufferedReader(new InputStreamReader(daemon.getInputStream(), StandardCharsets.UTF_8));
        // The ready line comes first, unless JVM options (a profiler) print something before it.
        String ready;
        Matcher m = null;
        while ((ready = lines.readLine()) != null && !(m = READY.matcher(ready)).matches()) {
          System.err.println("daemon: " + ready);
        }
        if (ready == null) {
          throw new IOException("the daemon did not start");
        }
        ports.add(Integer.parseInt(m.group(1)));
        startMillis = Math.max(startMillis, Long.parseLong(m.group(2)));
      }
      List<Long> pids = started.stream().map(Process::pid).toList();
      // One event loop per core for all connections: like the daemon, fewer threads than gRPC's default.
      EventLoopGroup loops = new EpollEventLoopGroup(Runtime.getRuntime().availableProcessors());
      List<ManagedChannel> channels = new ArrayList<>();
      for (int c = 0; c < Math.max(daemons, Math.min(clients, MAX_CONNECTIONS)); c++) {
        channels.add(NettyChannelBuilder.forAddress("127.0.0.1", ports.get(c % ports.size())).usePlaintext().directExecutor()
            .eventLoopGroup(loops).channelType(EpollSocketChannel.class)
            // No transparent retries: a failure is counted, and retry buffering wraps every call.
            .disableRetry()
            .maxInboundMessageSize(1 << 20).build());
      }
      try {
        long[] latencies = new long[quotes];
        long[] finishedAt = new long[quotes];
        String[] checksums = new String[quotes];
        AtomicInteger failures = new AtomicInteger();
        // The JIT needs tens of seconds on two cores shared with the generator; the figures are the
        // steady state after it, and the warm-up's distinct uploads are stored like the others.
        String[] warmupChecksums = new String[warmup];
        drive(channels, clients, warmup, Long.MAX_VALUE, VERIFY,
            i -> VerifyRequest.newBuilder().setQuote(ByteString.copyFrom(raw[quotes + i])).build(),
            (i, answer, nanos) -> {
              warmupChecksums[i] = answer.checksum();
              if (!answer.success()) {
                failures.incrementAndGet();
              }
            });
        // The read paths need their own JIT warm-up: with only the read phases' settling seconds,
        // a profile showed the compiler taking a third of the daemon's CPU in the first timed
        // seconds of Get. They warm up on the warm-up quotes, so the timed quotes' blocks start cold.
        if (warmup > 0) {
          for (Read<?> read : READS) {
            readUntil(channels, clients, read, i -> warmupChecksums[i % warmup],
                System.nanoTime() + TimeUnit.SECONDS.toNanos(READ_JIT_WARMUP_SECONDS), IGNORE);
          }
        }
        long t0 = System.nanoTime();
        CpuMark verifyMark = CpuMark.now(pids);
        drive(channels, clients, quotes, Long.MAX_VALUE, VERIFY,
            i -> VerifyRequest.newBuilder().setQuote(ByteString.copyFrom(raw[i])).build(),
            (i, answer, nanos) -> {
              latencies[i] = nanos;
              finishedAt[i] = System.nanoTime();
              checksums[i] = answer.checksum();
              if (!answer.success()) {
                failures.incrementAndGet();
              }
            });
        double verifySeconds = (System.nanoTime() - t0) / 1e9;
        printTimeline(t0, finishedAt, latencies);
        CpuShare verifyCpu = verifyMark.until(pids);
        Arrays.sort(latencies);
        for (String c : checksums) {
          if (c == null || c.isEmpty()) {
            throw new IOException("an upload got no checksum back; the run is not valid");
          }
        }

        Measured get = timedRead(channels, clients, readSeconds, failures, GET, checksums, pids);
        Measured getRaw = timedRead(channels, clients, readSeconds, failures, GET_RAW, checksums, pids);
        phaseStarts("end");
        long rss = 0;
        for (long pid : pids) {
          rss += peakRssKib(pid);
        }

        channels.forEach(ManagedChannel::shutdownNow);
        for (Process daemon : started) {
          daemon.destroy();
          if (!daemon.waitFor(60, TimeUnit.SECONDS)) {
            throw new IOException("the daemon did not stop after SIGTERM");
          }
        }
        double perQuote = -1;
        double perQuoteCompacted = -1;
        if (rocks) {
          perQuote = (double) treeSize(data) / (quotes + warmup);
          try (QuoteStore store = QuoteStore.open(data, false)) {
            store.compact();
          }
          perQuoteCompacted = (double) treeSize(data) / (quotes + warmup);
        }
        return new Result(quotes, clients, quotes / verifySeconds, percentile(latencies, 0.50),
            percentile(latencies, 0.99), get.perSecond(), getRaw.perSecond(), startMillis, rss, perQuote,
            perQuoteCompacted, failures.get(), verifyCpu, get.cpu(), getRaw.cpu(), warmup);
      } finally {
        channels.forEach(ManagedChannel::shutdownNow);
        loops.shutdownGracefully();
      }
    } finally {
      for (Process daemon : started) {
        daemon.destroyForcibly();
        daemon.waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  @FunctionalInterface
  private interface Done {
    void accept(int index, LeanAnswer answer, long nanos);
  }

  /**
   * Keeps {@code clients} calls outstanding, spread over the connections, until {@code count}
   * calls have been issued or {@code deadline} (System.nanoTime) has passed; returns the number
   * completed. Calls are asynchronous, so the generator spends its CPU on gRPC, not on threads.
   */
  private static <Q> long drive(List<ManagedChannel> channels, int clients, int count, long deadline,
      MethodDescriptor<Q, LeanAnswer> method, IntFunction<Q> request, Done done)
      throws InterruptedException {
    AtomicInteger next = new AtomicInteger();
    AtomicLong completed = new AtomicLong();
    CountDownLatch idle = new CountDownLatch(clients);
    for (int c = 0; c < clients; c++) {
      ManagedChannel channel = channels.get(c % channels.size());
      new Object() {
        void issue() {
          int i = next.getAndIncrement();
          if (i >= count || System.nanoTime() >= deadline) {
            idle.countDown();
            return;
          }
          long started = System.nanoTime();
          ClientCalls.asyncUnaryCall(channel.newCall(method, CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS)),
              request.apply(i), new StreamObserver<>() {
                @Override
                public void onNext(LeanAnswer answer) {
                  done.accept(i, answer, System.nanoTime() - started);
                }

                @Override
                public void onError(Throwable t) {
                  done.accept(i, LeanAnswer.FAILED, System.nanoTime() - started);
                  completed.incrementAndGet();
                  issue();
                }

                @Override
                public void onCompleted() {
                  completed.incrementAndGet();
                  issue();
                }
              });
        }
      }.issue();
    }
    idle.await();
    return completed.get();
  }

  /** A timed read: its phase name, its method, and its request for a checksum. */
  private record Read<Q>(String phase, MethodDescriptor<Q, LeanAnswer> method, Function<String, Q> request) {}

  private static final MethodDescriptor<VerifyRequest, LeanAnswer> VERIFY =
      LeanAnswer.method(AttestationServiceGrpc.getVerifyMethod(), 3);
  private static final Read<GetRequest> GET = new Read<>("get", LeanAnswer.method(AttestationServiceGrpc.getGetMethod(), 2),
      c -> GetRequest.newBuilder().setChecksum(c).build());
  private static final Read<GetRawRequest> GET_RAW = new Read<>("get_raw",
      LeanAnswer.method(AttestationServiceGrpc.getGetRawMethod(), 0), c -> GetRawRequest.newBuilder().setChecksum(c).build());
  /** The read phases, in order. */
  private static final List<Read<?>> READS = List.of(GET, GET_RAW);

  /** The stored quotes reads pick, in one fixed random order, so every run reads the same sequence. */
  private static final int[] ORDER = new java.util.SplittableRandom(7).ints(1 << 20, 0, Integer.MAX_VALUE).toArray();

  private static final Done IGNORE = (i, answer, nanos) -> { };

  /** A read phase's rate and the cores each process kept busy in it. */
  private record Measured(double perSecond, CpuShare cpu) {}

  /** Two uncounted seconds of {@code read}, then {@code seconds} counted: the steady state, not the JIT's warm-up. */
  private static <Q> Measured timedRead(List<ManagedChannel> channels, int clients, int seconds, AtomicInteger failures,
      Read<Q> read, String[] checksums, List<Long> daemonPid) throws InterruptedException, IOException {
    phaseStarts(read.phase());
    CpuMark mark = CpuMark.now(daemonPid);
    IntFunction<String> randomStored = i -> checksums[ORDER[i & (ORDER.length - 1)] % checksums.length];
    readUntil(channels, clients, read, randomStored, System.nanoTime() + TimeUnit.SECONDS.toNanos(READ_WARMUP_SECONDS),
        IGNORE);
    long t0 = System.nanoTime();
    long n = readUntil(channels, clients, read, randomStored, t0 + TimeUnit.SECONDS.toNanos(seconds),
        (i, answer, nanos) -> {
          if (!answer.success()) {
            failures.incrementAndGet();
          }
        });
    double perSecond = n / ((System.nanoTime() - t0) / 1e9);
    return new Measured(perSecond, mark.until(daemonPid));
  }

  /** Reads the checksum {@code checksumOf} picks for each call until {@code deadline}; returns the calls completed. */
  private static <Q> long readUntil(List<ManagedChannel> channels, int clients, Read<Q> read,
      IntFunction<String> checksumOf, long deadline, Done done) throws InterruptedException {
    return drive(channels, clients, Integer.MAX_VALUE, deadline, read.method(),
        i -> read.request().apply(checksumOf.apply(i)), done);
  }



  /**
   * The wall-clock start of a read phase (including its settling seconds), to stderr, so a profile
   * of the daemon recorded with {@code --daemon-java-opts} can be cut to one phase.
   */
  private static void phaseStarts(String phase) {
    System.err.println("phase " + phase + " starts at " + System.currentTimeMillis() + " ms since the epoch");
  }

  /** Uploads per second and p99 latency in each five-second window, to stderr: warm-up shows. */
  private static void printTimeline(long t0, long[] finishedAt, long[] latencies) {
    long window = TimeUnit.SECONDS.toNanos(5);
    int windows = (int) ((Arrays.stream(finishedAt).max().orElse(t0) - t0) / window) + 1;
    List<List<Long>> byWindow = new ArrayList<>();
    for (int w = 0; w < windows; w++) {
      byWindow.add(new ArrayList<>());
    }
    for (int i = 0; i < finishedAt.length; i++) {
      byWindow.get((int) ((finishedAt[i] - t0) / window)).add(latencies[i]);
    }
    StringBuilder sb = new StringBuilder("uploads per 5 s window (per second, p99 ms):");
    for (List<Long> w : byWindow) {
      long[] sorted = w.stream().mapToLong(Long::longValue).sorted().toArray();
      sb.append(String.format(Locale.ROOT, " %.0f/%.1f", sorted.length / 5.0, sorted.length == 0 ? 0 : percentile(sorted, 0.99)));
    }
    System.err.println(sb);
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
