package dev.dcapd.cluster.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * A cluster of test nodes for a benchmark run from the shell ({@code benchmarks/cluster-load.sh}):
 * {@code RunCluster DIR NODES} starts NODES nodes on 127.0.0.1.., prints {@code ready}, and when
 * its standard input ends stops them gracefully (Cassandra flushes its memtables as it drains) and
 * prints each keyspace's bytes on disk across the nodes, one {@code bytes KEYSPACE N} line each.
 */
public final class RunCluster {
  private RunCluster() {}

  public static void main(String[] args) throws IOException {
    Path base = Path.of(args[0]).toAbsolutePath();
    int nodes = Integer.parseInt(args[1]);
    CassandraCluster cluster = CassandraCluster.start(base, nodes);
    System.out.println("ready");
    System.out.flush();
    while (System.in.read() >= 0) {
      // Runs until the caller closes our standard input.
    }
    for (CassandraNode node : cluster.nodes()) {
      node.stop();
    }
    java.util.Map<String, Long> bytes = new java.util.TreeMap<>();
    for (CassandraNode node : cluster.nodes()) {
      Path data = node.dir().resolve("data");
      try (Stream<Path> keyspaces = Files.list(data)) {
        for (Path ks : keyspaces.toList()) {
          bytes.merge(ks.getFileName().toString(), size(ks), Long::sum);
        }
      }
    }
    bytes.forEach((ks, n) -> System.out.println("bytes " + ks + " " + n));
  }

  private static long size(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
    }
  }
}
