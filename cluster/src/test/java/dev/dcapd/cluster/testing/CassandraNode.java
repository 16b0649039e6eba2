package dev.dcapd.cluster.testing;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.datastax.oss.driver.api.core.loadbalancing.NodeDistance;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One Apache Cassandra node, run as its own JVM on the server class path that the
 * cassandra-runtime module resolves. The node owns a directory under the caller's base directory
 * (its yaml, logback config, data, commit log, hints and logs) and listens on its own loopback
 * address, so every node keeps Cassandra's default ports.
 *
 * <p>Every process started here is also recorded for a JVM shutdown hook, which kills whatever is
 * still running when the test JVM exits without closing its nodes.
 */
public final class CassandraNode {
  /** The data center SimpleSnitch puts every node in; clients name it for LOCAL_* levels. */
  public static final String DATACENTER = "datacenter1";

  public static final int CQL_PORT = 9042;
  public static final int STORAGE_PORT = 7000;

  /** System property naming the file that holds the server's class path. */
  public static final String CLASSPATH_PROPERTY = "dcapd.cassandra.classpath";

  static final Duration START_TIMEOUT = Duration.ofSeconds(180);
  static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);

  private static final Set<ProcessHandle> RUNNING = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(new Thread(CassandraNode::killAllRunning, "cassandra-node-reaper"));
  }

  // The Java 17 flags of Cassandra 5.0's conf/jvm-server.options and conf/jvm17-server.options,
  // less those sized for production (AlwaysPreTouch would fault in the whole heap of every node,
  // UseNUMA, heap dumps into the working directory) and those Java 17 only warns about
  // (UseBiasedLocking).
  private static final List<String> SERVER_JVM_FLAGS =
      List.of(
          "-ea",
          "-da:net.openhft...",
          "-XX:+UseThreadPriorities",
          "-Xss256k",
          "-XX:+UseTLAB",
          "-XX:+ResizeTLAB",
          "-XX:+PerfDisableSharedMem",
          "-Djava.net.preferIPv4Stack=true",
          "-XX:+UseG1GC",
          "-XX:+ParallelRefProcEnabled",
          "-XX:MaxTenuringThreshold=1",
          "-XX:G1HeapRegionSize=16m",
          "-XX:G1RSetUpdatingPauseTimePercent=5",
          "-XX:MaxGCPauseMillis=300",
          "-XX:InitiatingHeapOccupancyPercent=70",
          "-Djdk.attach.allowAttachSelf=true",
          "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
          "--add-exports=java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED",
          "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
          "--add-exports=java.rmi/sun.rmi.server=ALL-UNNAMED",
          "--add-exports=java.sql/java.sql=ALL-UNNAMED",
          "--add-exports=java.base/java.lang.ref=ALL-UNNAMED",
          "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED",
          "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
          "--add-exports=jdk.attach/sun.tools.attach=ALL-UNNAMED",
          "--add-opens=java.base/java.lang.module=ALL-UNNAMED",
          "--add-opens=java.base/jdk.internal.loader=ALL-UNNAMED",
          "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED",
          "--add-opens=java.base/jdk.internal.reflect=ALL-UNNAMED",
          "--add-opens=java.base/jdk.internal.math=ALL-UNNAMED",
          "--add-opens=java.base/jdk.internal.module=ALL-UNNAMED",
          "--add-opens=java.base/jdk.internal.util.jar=ALL-UNNAMED",
          "--add-opens=jdk.management/com.sun.management.internal=ALL-UNNAMED",
          "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
          "--add-opens=java.base/java.io=ALL-UNNAMED",
          "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
          "--add-opens=jdk.compiler/com.sun.tools.javac=ALL-UNNAMED",
          "--add-opens=java.base/java.lang=ALL-UNNAMED",
          "--add-opens=java.base/java.util=ALL-UNNAMED",
          "-Dio.netty.tryReflectionSetAccessible=true",
          "-Dio.netty.allocator.useCacheForAllThreads=true",
          "-Dio.netty.allocator.maxOrder=11");

  // Sized for several nodes beside a build on a small machine, and for start-up time over
  // throughput: with C1 only, a node's start took 7 s of CPU instead of 11-12 s (two cores).
  private static final List<String> TEST_JVM_FLAGS =
      List.of(
          "-Xms256m",
          "-Xmx512m",
          "-XX:TieredStopAtLevel=1",
          // A node out of memory is dead for the test; Cassandra warns without one of these.
          "-XX:+ExitOnOutOfMemoryError",
          "-Dcassandra-foreground=true",
          // A fresh test cluster has nothing to wait for: no gossip settling, a 1 s ring delay
          // (default 30 s), the default superuser made at once.
          "-Dcassandra.skip_wait_for_gossip_to_settle=0",
          "-Dcassandra.ring_delay_ms=1000",
          "-Dcassandra.superuser_setup_delay_ms=0");

  private final InetAddress address;
  private final Path dir;
  private final InetAddress seed;
  private final String clusterName;
  private final String initialToken;
  private final int clusterSize;
  private Process process;
  /** Where the last launch began writing in {@code output.log}. */
  private long outputStart;

  /**
   * @param address the node's own loopback address (listen, RPC and broadcast)
   * @param baseDir where the node's directory (named after its address) is made
   * @param seed the address of the cluster's seed node (the node itself for a single node)
   * @param initialToken the node's one Murmur3 token; a node never moves
   * @param clusterSize how many nodes the cluster has: system_distributed is replicated to all
   *     of them, which {@link #seesAllNodesUp} relies on
   */
  public CassandraNode(
      InetAddress address,
      Path baseDir,
      InetAddress seed,
      String clusterName,
      long initialToken,
      int clusterSize) {
    if (!address.isLoopbackAddress() || !seed.isLoopbackAddress()) {
      throw new IllegalArgumentException("test nodes run on loopback addresses only: " + address);
    }
    this.address = address;
    this.dir = baseDir.resolve(address.getHostAddress()).toAbsolutePath();
    this.seed = seed;
    this.clusterName = clusterName;
    this.initialToken = Long.toString(initialToken);
    this.clusterSize = clusterSize;
  }

  public InetAddress address() {
    return address;
  }

  public InetSocketAddress cqlAddress() {
    return new InetSocketAddress(address, CQL_PORT);
  }

  public Path dir() {
    return dir;
  }

  /** The running process's id, or -1 when the node is not running. */
  public synchronized long pid() {
    return process != null && process.isAlive() ? process.pid() : -1;
  }

  public synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  /**
   * Starts the node (again, on the same directory, if it ran before) and waits until it answers
   * CQL on its address. Fails, and kills the process, if it exits first or is not up within
   * {@link #START_TIMEOUT}; the exception carries the tail of the node's logs.
   */
  public synchronized void start() {
    launch();
    awaitStarted();
  }

  /** Starts the process without waiting for it: see {@link #awaitStarted}. */
  synchronized void launch() {
    if (isRunning()) {
      throw new IllegalStateException(this + " is already running");
    }
    // A node left behind by an earlier run on the same address would answer the probes below.
    for (int port : new int[] {STORAGE_PORT, CQL_PORT}) {
      if (listening(new InetSocketAddress(address, port))) {
        throw new IllegalStateException(
            address.getHostAddress() + ":" + port
                + " is already taken (a Cassandra node left running? pgrep -af CassandraDaemon)");
      }
    }
    try {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve("cassandra.yaml"), yaml());
      Files.writeString(dir.resolve("logback.xml"), logback());
      Path output = dir.resolve("output.log");
      outputStart = Files.exists(output) ? Files.size(output) : 0;
      ProcessBuilder builder = new ProcessBuilder(command()).directory(dir.toFile());
      builder.redirectErrorStream(true);
      builder.redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()));
      // Options meant for the test JVM must not change the server's heap or flags.
      Map<String, String> env = builder.environment();
      env.remove("JAVA_TOOL_OPTIONS");
      env.remove("JDK_JAVA_OPTIONS");
      env.remove("_JAVA_OPTIONS");
      process = builder.start();
      RUNNING.add(process.toHandle());
    } catch (IOException e) {
      throw new UncheckedIOException("could not start " + this, e);
    }
  }

  /** Waits for a launched node as {@link #start} does, and kills it if it does not come up. */
  synchronized void awaitStarted() {
    try {
      awaitCql(System.nanoTime() + START_TIMEOUT.toNanos());
    } catch (RuntimeException | Error e) {
      killProcess();
      throw e;
    }
  }

  /** What a node logs when it exits because no seed answered its shadow round of gossip. */
  static final String NO_SEED_ANSWERED = "Unable to gossip with any peers";

  /**
   * {@link #awaitStarted}; if the node exited because no seed answered its first round of gossip,
   * it is launched once more (the caller has the seed up by now) and awaited again.
   */
  synchronized void awaitStartedOrRelaunchAfterShadowRound() {
    try {
      awaitStarted();
    } catch (IllegalStateException e) {
      if (isRunning() || !outputOfThisLaunch().contains(NO_SEED_ANSWERED)) {
        throw e;
      }
      launch();
      awaitStarted();
    }
  }

  /** What the process launched last wrote to {@code output.log} (earlier launches appended theirs before). */
  String outputOfThisLaunch() {
    try (RandomAccessFile f = new RandomAccessFile(dir.resolve("output.log").toFile(), "r")) {
      f.seek(Math.min(outputStart, f.length()));
      byte[] b = new byte[(int) (f.length() - f.getFilePointer())];
      f.readFully(b);
      return new String(b, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("could not read the output of " + this, e);
    }
  }

  /** Waits until a launched node's process has exited (a test's node that cannot start). */
  synchronized void awaitExit() {
    try {
      process.onExit().get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      RUNNING.remove(process.toHandle());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for " + this + " to exit", e);
    } catch (ExecutionException | TimeoutException e) {
      killProcess();
      throw new IllegalStateException(this + " did not exit within " + START_TIMEOUT.toSeconds() + " s", e);
    }
  }

  /** SIGKILL: the node gets no chance to flush or to tell its peers. Waits for the exit. */
  public synchronized int kill() {
    if (process == null) {
      throw new IllegalStateException(this + " was never started");
    }
    return killProcess();
  }

  /**
   * SIGTERM, which runs Cassandra's own shutdown (drain, gossip shutdown announcement); SIGKILL
   * if it has not exited within {@link #STOP_TIMEOUT}.
   */
  public synchronized int stop() {
    if (process == null) {
      throw new IllegalStateException(this + " was never started");
    }
    process.destroy();
    try {
      process.onExit().get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      RUNNING.remove(process.toHandle());
      return process.exitValue();
    } catch (TimeoutException e) {
      return killProcess();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      killProcess();
      throw new IllegalStateException("interrupted while stopping " + this, e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Whether this node, as a coordinator, takes every node of the cluster for alive: a read of
   * system_distributed (replicated to all nodes, see the constructor) at ALL fails at once with
   * "unavailable" while the node's failure detector holds any replica down.
   */
  public boolean seesAllNodesUp() {
    return livenessFailure() == null;
  }

  /** Why {@link #seesAllNodesUp} is false, or null when it is true. */
  RuntimeException livenessFailure() {
    try (CqlSession session = probeSession()) {
      session.execute(
          SimpleStatement.newInstance(
                  "SELECT host_id FROM system_distributed.view_build_status"
                      + " WHERE keyspace_name = 'dcapd' AND view_name = 'liveness'")
              .setConsistencyLevel(ConsistencyLevel.ALL));
      return null;
    } catch (RuntimeException e) {
      return e;
    }
  }

  @Override
  public String toString() {
    return "Cassandra node " + address.getHostAddress() + " (" + dir + ")";
  }

  private int killProcess() {
    process.destroyForcibly();
    try {
      int exit = process.onExit().get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).exitValue();
      RUNNING.remove(process.toHandle());
      return exit;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while killing " + this, e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException(this + " (pid " + process.pid() + ") did not die", e);
    }
  }

  private void awaitCql(long deadline) {
    RuntimeException last = null;
    while (true) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            this + " exited with status " + process.exitValue() + " while starting" + logTail());
      }
      if (System.nanoTime() - deadline > 0) {
        IllegalStateException timeout =
            new IllegalStateException(
                this + " did not answer CQL within " + START_TIMEOUT.toSeconds() + " s" + logTail());
        if (last != null) {
          timeout.addSuppressed(last);
        }
        throw timeout;
      }
      // The driver only once the port is open: building a session is far dearer than a connect.
      if (listening(cqlAddress())) {
        try (CqlSession session = probeSession()) {
          Row row = session.execute("SELECT release_version FROM system.local").one();
          if (row != null && row.getString("release_version") != null) {
            return;
          }
        } catch (RuntimeException e) {
          last = e;
        }
      }
      sleep(Duration.ofMillis(250));
    }
  }

  /** A session that talks to this node only, so that it coordinates every request. */
  CqlSession probeSession() {
    InetSocketAddress own = cqlAddress();
    return CqlSession.builder()
        .addContactPoint(own)
        .withLocalDatacenter(DATACENTER)
        .withNodeDistanceEvaluator(
            (node, localDc) ->
                own.equals(node.getEndPoint().resolve()) ? null : NodeDistance.IGNORED)
        .withConfigLoader(
            DriverConfigLoader.programmaticBuilder()
                .withDuration(DefaultDriverOption.CONNECTION_CONNECT_TIMEOUT, Duration.ofSeconds(2))
                .withDuration(DefaultDriverOption.CONNECTION_INIT_QUERY_TIMEOUT, Duration.ofSeconds(5))
                .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(10))
                // The probes read system tables only; schema and token metadata would be wasted.
                .withBoolean(DefaultDriverOption.METADATA_SCHEMA_ENABLED, false)
                .withBoolean(DefaultDriverOption.METADATA_TOKEN_MAP_ENABLED, false)
                // A probe session lives for one or two queries: one I/O thread, and no 2 s
                // quiet period on close (the default), which would dominate every probe.
                .withInt(DefaultDriverOption.NETTY_IO_SIZE, 1)
                .withInt(DefaultDriverOption.NETTY_IO_SHUTDOWN_QUIET_PERIOD, 0)
                .withInt(DefaultDriverOption.NETTY_ADMIN_SHUTDOWN_QUIET_PERIOD, 0)
                .build())
        .build();
  }

  private List<String> command() {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(SERVER_JVM_FLAGS);
    command.addAll(TEST_JVM_FLAGS);
    command.add("-XX:ErrorFile=" + dir.resolve("hs_err_%p.log"));
    command.add("-Dcassandra.config=" + dir.resolve("cassandra.yaml").toUri());
    command.add("-Dcassandra.storagedir=" + dir);
    command.add("-Dlogback.configurationFile=" + dir.resolve("logback.xml"));
    // Every node of the cluster holds a replica of every system_distributed row: see
    // seesAllNodesUp.
    command.add("-Dcassandra.system_distributed.default_rf=" + clusterSize);
    command.add("-cp");
    command.add(serverClasspath());
    command.add("org.apache.cassandra.service.CassandraDaemon");
    return command;
  }

  private static String serverClasspath() {
    String file = System.getProperty(CLASSPATH_PROPERTY);
    if (file == null) {
      throw new IllegalStateException(
          "system property " + CLASSPATH_PROPERTY + " does not name the file with Cassandra's"
              + " class path (cassandra-runtime/target/cassandra.classpath)");
    }
    try {
      String classpath = Files.readString(Path.of(file), StandardCharsets.UTF_8).strip();
      if (classpath.isEmpty()) {
        throw new IllegalStateException(file + " is empty");
      }
      return classpath;
    } catch (IOException e) {
      throw new UncheckedIOException(
          "no Cassandra class path at " + file + "; build the cassandra-runtime module first", e);
    }
  }

  private String yaml() {
    String host = address.getHostAddress();
    return String.join(
        "\n",
        "cluster_name: '" + clusterName + "'",
        "partitioner: org.apache.cassandra.dht.Murmur3Partitioner",
        "endpoint_snitch: SimpleSnitch",
        // One explicit token per node: a fixed, even ring without token allocation.
        "num_tokens: 1",
        "initial_token: " + initialToken,
        // Every node of a fresh test cluster starts empty; there is nothing to stream.
        "auto_bootstrap: false",
        "seed_provider:",
        "  - class_name: org.apache.cassandra.locator.SimpleSeedProvider",
        "    parameters:",
        "      - seeds: \"" + seed.getHostAddress() + ":" + STORAGE_PORT + "\"",
        "listen_address: " + host,
        "rpc_address: " + host,
        "storage_port: " + STORAGE_PORT,
        "native_transport_port: " + CQL_PORT,
        "start_native_transport: true",
        "data_file_directories:",
        "  - " + dir.resolve("data"),
        "commitlog_directory: " + dir.resolve("commitlog"),
        "saved_caches_directory: " + dir.resolve("saved_caches"),
        "hints_directory: " + dir.resolve("hints"),
        "cdc_raw_directory: " + dir.resolve("cdc_raw"),
        // A killed node replays its commit log; periodic sync is what production runs.
        "commitlog_sync: periodic",
        "commitlog_sync_period: 1000ms",
        "disk_failure_policy: stop",
        "commit_failure_policy: stop",
        // Tests drop and recreate keyspaces freely; snapshots would only fill the disk.
        "auto_snapshot: false",
        // Small pools and caches: several nodes share two cores and a few GB.
        "memtable_heap_space: 64MiB",
        "memtable_offheap_space: 64MiB",
        "key_cache_size: 8MiB",
        "counter_cache_size: 0MiB",
        "file_cache_size: 32MiB",
        "concurrent_reads: 4",
        "concurrent_writes: 4",
        "concurrent_counter_writes: 2",
        "concurrent_materialized_view_writes: 2",
        "concurrent_compactors: 1",
        "native_transport_max_threads: 16",
        "");
  }

  private String logback() {
    return String.join(
        "\n",
        "<configuration>",
        "  <appender name=\"FILE\" class=\"ch.qos.logback.core.FileAppender\">",
        "    <file>" + dir.resolve("system.log") + "</file>",
        "    <encoder>",
        "      <pattern>%-5level [%thread] %date{ISO8601} %F:%L - %msg%n</pattern>",
        "    </encoder>",
        "  </appender>",
        "  <root level=\"INFO\">",
        "    <appender-ref ref=\"FILE\"/>",
        "  </root>",
        "</configuration>",
        "");
  }

  /** The last lines of the node's system log and of its stdout/stderr, for failure messages. */
  String logTail() {
    StringBuilder tail = new StringBuilder();
    for (String name : new String[] {"system.log", "output.log"}) {
      Path file = dir.resolve(name);
      tail.append("\n--- last lines of ").append(file).append(" ---\n");
      try {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        lines.subList(Math.max(0, lines.size() - 40), lines.size())
            .forEach(line -> tail.append(line).append('\n'));
      } catch (IOException e) {
        tail.append("(unreadable: ").append(e).append(")\n");
      }
    }
    return tail.toString();
  }

  private static boolean listening(InetSocketAddress socketAddress) {
    try (Socket socket = new Socket()) {
      socket.connect(socketAddress, 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** Whether any process started by this class is still running. */
  static boolean anyRunning() {
    return RUNNING.stream().anyMatch(ProcessHandle::isAlive);
  }

  private static void killAllRunning() {
    for (ProcessHandle handle : RUNNING) {
      handle.destroyForcibly();
    }
    for (ProcessHandle handle : RUNNING) {
      try {
        handle.onExit().get(10, TimeUnit.SECONDS);
      } catch (InterruptedException | ExecutionException | TimeoutException e) {
        // Exiting anyway; nothing more can be done from a shutdown hook.
      }
    }
  }
}
