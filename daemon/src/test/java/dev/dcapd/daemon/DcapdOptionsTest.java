package dev.dcapd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dcapd.daemon.crypto.EcdsaChoice;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code dcapd serve} options: flags over environment over config file, and one-line errors. */
class DcapdOptionsTest {
  @TempDir Path dir;

  private static DaemonConfig parse(Map<String, String> env, Optional<Path> file, String... args) throws Exception {
    CommandLine cl = new CommandLine(new Dcapd());
    cl.setDefaultValueProvider(new Dcapd.EnvironmentAndFile(env, file));
    CommandLine.ParseResult r = cl.parseArgs(args);
    Dcapd.Serve serve = (Dcapd.Serve) r.subcommand().commandSpec().userObject();
    return serve.toConfig();
  }

  @Test
  void defaultsAreLocalAndIntelFirst() throws Exception {
    DaemonConfig c = parse(Map.of(), Optional.empty(), "serve");
    assertEquals("127.0.0.1", c.grpc().orElseThrow().getHostString());
    assertEquals(50051, c.grpc().orElseThrow().getPort());
    assertEquals(Path.of("./dcapd-data"), c.dataDir());
    assertEquals(List.of("https://api.trustedservices.intel.com", "https://pccs.phala.network"), c.pccs());
    assertTrue(c.insecureTrustRoot().isEmpty());
    assertEquals(256L << 20, c.blockCacheBytes());
    assertEquals(EcdsaChoice.AUTO, c.ecdsaEngine());
  }

  @Test
  void theEcdsaEngineIsChosenByOptionOrEnvironment() throws Exception {
    assertEquals(EcdsaChoice.BOUNCYCASTLE, parse(Map.of(), Optional.empty(), "serve", "--ecdsa-engine", "bouncycastle").ecdsaEngine());
    assertEquals(EcdsaChoice.AWS_LC, parse(Map.of("DCAPD_ECDSA_ENGINE", "aws-lc"), Optional.empty(), "serve").ecdsaEngine());
  }

  @Test
  void flagsOverEnvironmentOverFile() throws Exception {
    Path file = dir.resolve("dcapd.properties");
    Files.writeString(file, "grpc=127.0.0.1:7001\ndata=/from/file\nsync-writes=true\ncollateral-dir=/offline\n");
    Map<String, String> env = Map.of("DCAPD_DATA", "/from/env", "DCAPD_MAX_IN_FLIGHT", "9", "DCAPD_BLOCK_CACHE_MIB", "32");
    DaemonConfig c = parse(env, Optional.of(file), "serve", "--grpc", "127.0.0.1:7002");
    assertEquals(7002, c.grpc().orElseThrow().getPort());
    assertEquals(Path.of("/from/env"), c.dataDir());
    assertEquals(9, c.maxInFlight());
    assertEquals(32L << 20, c.blockCacheBytes());
    assertTrue(c.syncWrites());
    assertEquals(Optional.of(Path.of("/offline")), c.collateralDir());
    assertEquals(List.of(), c.pccs(), "an offline folder alone means no network");
  }

  @Test
  void theStoreIsRocksDbInTheDataDirectoryOrACassandraKeyspace() throws Exception {
    DaemonConfig rocks = parse(Map.of(), Optional.empty(), "serve", "--store", "rocksdb:/var/lib/dcapd");
    assertEquals(Path.of("/var/lib/dcapd"), rocks.dataDir());
    assertTrue(rocks.cassandra().isEmpty());
    DaemonConfig shared = parse(Map.of("DCAPD_STORE", "cassandra://10.0.0.1:9042,10.0.0.2/dcapd?dc=dc1&rf=3"),
        Optional.empty(), "serve", "--data", "/var/lib/dcapd-keys");
    assertEquals("dcapd", shared.cassandra().orElseThrow().keyspace());
    assertEquals(2, shared.cassandra().orElseThrow().contactPoints().size());
    assertEquals(Path.of("/var/lib/dcapd-keys"), shared.dataDir(), "the token keys stay in the data directory");
  }

  @Test
  void aRocksDbStoreAndTheDataDirectoryAreOneDirectory() throws Exception {
    // The same directory given both ways is one directory: the store and the token keys live there.
    DaemonConfig same = parse(Map.of(), Optional.empty(), "serve", "--store", "rocksdb:/var/lib/dcapd/",
        "--data", "/var/lib/other/../dcapd");
    assertEquals(Path.of("/var/lib/dcapd"), same.dataDir());
    // A different --data, from a flag, the environment or the file, is refused rather than ignored.
    for (Map<String, String> env : List.of(Map.<String, String>of(), Map.of("DCAPD_DATA", "/var/lib/keys"))) {
      String[] args = env.isEmpty()
          ? new String[] {"serve", "--store", "rocksdb:/var/lib/dcapd", "--data", "/var/lib/keys"}
          : new String[] {"serve", "--store", "rocksdb:/var/lib/dcapd"};
      StringWriter err = new StringWriter();
      int code = Dcapd.execute(args, env, new PrintWriter(new StringWriter()), new PrintWriter(err));
      assertEquals(2, code, env + " " + String.join(" ", args) + ": " + err);
      assertEquals(1, err.toString().strip().lines().count(), err.toString());
    }
    StringWriter err = new StringWriter();
    int code = Dcapd.execute(new String[] {"serve", "--store", "rocksdb:/var/lib/dcapd", "--data", "./dcapd-data"},
        Map.of(), new PrintWriter(new StringWriter()), new PrintWriter(err));
    assertEquals(2, code, "the default spelled out is a directory given: " + err);
  }

  @Test
  void theHttpListenerServesTlsWithACertificateAndItsKey() throws Exception {
    DaemonConfig plain = parse(Map.of(), Optional.empty(), "serve", "--http", "127.0.0.1:8080");
    assertEquals(Optional.empty(), plain.http().orElseThrow().tls());
    DaemonConfig tls = parse(Map.of("DCAPD_HTTP_TLS_KEY", "/etc/dcapd/key.pem"), Optional.empty(),
        "serve", "--http", "127.0.0.1:8443", "--http-tls-cert", "/etc/dcapd/chain.pem");
    assertEquals(Optional.of(new Listeners.Tls(Path.of("/etc/dcapd/chain.pem"), Path.of("/etc/dcapd/key.pem"))),
        tls.http().orElseThrow().tls());
    assertEquals(Optional.empty(), tls.tls(), "the gRPC listener's TLS is its own");
  }

  @Test
  void thePerClientBoundsAreOptions() throws Exception {
    assertEquals(PeerLimits.DEFAULTS, parse(Map.of(), Optional.empty(), "serve").peers());
    PeerLimits p = parse(Map.of("DCAPD_MAX_CHALLENGES_PER_PEER", "500"), Optional.empty(),
        "serve", "--max-watchers-per-peer", "64").peers();
    assertEquals(64, p.watchersPerPeer());
    assertEquals(500, p.challengesPerPeer());
  }

  @Test
  void badOptionsAreOneLineAndExitTwo() {
    for (String[] args : new String[][] {
        {"serve", "--grpc", "nonsense"},
        {"serve", "--grpc", "none"},
        {"serve", "--tls-cert", "c.pem"},
        {"serve", "--http", "127.0.0.1:0", "--http-tls-cert", "c.pem"},
        {"serve", "--http", "127.0.0.1:0", "--http-tls-key", "k.pem"},
        {"serve", "--http-tls-cert", "c.pem", "--http-tls-key", "k.pem"},
        {"serve", "--workers", "x"},
        {"serve", "--block-cache-mib", "0"},
        {"serve", "--max-watchers-per-peer", "0"},
        {"serve", "--max-watchers-per-peer", "257"},
        {"serve", "--max-challenges-per-peer", "0"},
        {"serve", "--ecdsa-engine", "openssl"},
        {"serve", "--store", "postgres://db/dcapd"},
        {"serve", "--store", "rocksdb:"},
        {"serve", "--store", "cassandra://127.0.0.1/Bad-Keyspace"},
        {"schema", "apply", "--store", "cassandra://127.0.0.1:9042"},
        {"schema", "apply"},
        {"serve", "--config", dir.resolve("missing").toString()}}) {
      StringWriter err = new StringWriter();
      int code = Dcapd.execute(args, Map.of(), new PrintWriter(new StringWriter()), new PrintWriter(err));
      assertEquals(2, code, String.join(" ", args) + ": " + err);
      assertEquals(1, err.toString().strip().lines().count(), err.toString());
    }
  }
}
