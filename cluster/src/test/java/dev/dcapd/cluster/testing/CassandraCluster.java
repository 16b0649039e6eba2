package dev.dcapd.cluster.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A cluster of real Cassandra nodes on loopback addresses, each its own process
 * ({@link CassandraNode}), the first one the seed. All nodes are in {@link #DATACENTER}; the
 * ring is one evenly spaced token per node.
 */
public final class CassandraCluster implements AutoCloseable {
  public static final String CLUSTER_NAME = "dcapd-test";
  public static final String DATACENTER = CassandraNode.DATACENTER;

  /** The single node's address: outside 127.0.0.1..8, so it runs beside a cluster. */
  public static final String SINGLE_NODE_ADDRESS = "127.0.0.9";

  static final Duration UP_TIMEOUT = Duration.ofSeconds(120);

  private final List<CassandraNode> nodes;

  private CassandraCluster(List<CassandraNode> nodes) {
    this.nodes = List.copyOf(nodes);
  }

  /** Starts nodes on 127.0.0.1 .. 127.0.0.{count}, node directories under {@code baseDir}. */
  public static CassandraCluster start(Path baseDir, int count) {
    if (count < 1 || count > 8) {
      throw new IllegalArgumentException("1 to 8 nodes (127.0.0.9 is the single node's): " + count);
    }
    List<InetAddress> addresses = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      addresses.add(loopback("127.0.0." + i));
    }
    return start(baseDir, addresses);
  }

  /** One node on {@link #SINGLE_NODE_ADDRESS}, its own cluster. */
  public static CassandraCluster startSingle(Path baseDir) {
    return start(baseDir, List.of(loopback(SINGLE_NODE_ADDRESS)));
  }

  /**
   * Starts one node on each address (the first is the seed) and waits until every node takes every
   * other for alive. If any node fails to start, all are killed.
   */
  public static CassandraCluster start(Path baseDir, List<InetAddress> addresses) {
    return start(baseDir, addresses, false);
  }

  /**
   * As {@link #start(Path, List)}; with {@code seedLast}, the seed is launched only once every other
   * node has given up gossiping without it, which is what a slow seed makes happen by chance.
   */
  static CassandraCluster start(Path baseDir, List<InetAddress> addresses, boolean seedLast) {
    InetAddress seed = addresses.get(0);
    List<CassandraNode> nodes = new ArrayList<>();
    for (int i = 0; i < addresses.size(); i++) {
      nodes.add(
          new CassandraNode(
              addresses.get(i), baseDir, seed, CLUSTER_NAME, token(i, addresses.size()),
              addresses.size()));
    }
    CassandraCluster cluster = new CassandraCluster(nodes);
    try {
      // All at once, three nodes are up in about half the time of one after another. A node
      // other than the seed first does a shadow round of gossip with the seed, and exits if the
      // seed does not answer within about ring_delay_ms: it is launched again once the seed is up
      // (the seed is awaited first).
      List<CassandraNode> others = nodes.subList(1, nodes.size());
      if (seedLast) {
        others.forEach(CassandraNode::launch);
        others.forEach(CassandraNode::awaitExit);
        nodes.get(0).launch();
      } else {
        nodes.forEach(CassandraNode::launch);
      }
      nodes.get(0).awaitStarted();
      for (CassandraNode node : others) {
        node.awaitStartedOrRelaunchAfterShadowRound();
      }
      cluster.awaitAllUp();
      return cluster;
    } catch (RuntimeException | Error e) {
      cluster.close();
      throw e;
    }
  }

  /** The i-th node, counting from 1 as the addresses do. */
  public CassandraNode node(int i) {
    return nodes.get(i - 1);
  }

  public List<CassandraNode> nodes() {
    return nodes;
  }

  public List<InetSocketAddress> contactPoints() {
    return nodes.stream().map(CassandraNode::cqlAddress).toList();
  }

  public String datacenter() {
    return DATACENTER;
  }

  /** Waits until every running node takes every node of the cluster for alive. */
  public void awaitAllUp() {
    long deadline = System.nanoTime() + UP_TIMEOUT.toNanos();
    for (CassandraNode node : nodes) {
      RuntimeException notUp;
      while ((notUp = node.livenessFailure()) != null) {
        if (!node.isRunning()) {
          throw new IllegalStateException(node + " is not running" + node.logTail());
        }
        if (System.nanoTime() - deadline > 0) {
          throw new IllegalStateException(
              node + " did not see all " + nodes.size() + " nodes up within "
                  + UP_TIMEOUT.toSeconds() + " s" + node.logTail(),
              notUp);
        }
        CassandraNode.sleep(Duration.ofMillis(500));
      }
    }
  }

  /** Kills every node still running (tests need no graceful shutdown at the end). */
  @Override
  public void close() {
    RuntimeException failure = null;
    for (CassandraNode node : nodes) {
      try {
        if (node.isRunning()) {
          node.kill();
        }
      } catch (RuntimeException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  /** Token i of n, evenly spaced over Murmur3's range [-2^63, 2^63). */
  static long token(int i, int n) {
    BigInteger range = BigInteger.ONE.shiftLeft(64);
    return BigInteger.valueOf(Long.MIN_VALUE)
        .add(range.multiply(BigInteger.valueOf(i)).divide(BigInteger.valueOf(n)))
        .longValueExact();
  }

  private static InetAddress loopback(String address) {
    try {
      return InetAddress.getByName(address);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(address, e);
    }
  }

  /** Removes a directory tree left by an earlier run (node directories, logs), if there is one. */
  public static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not clear " + dir, e);
    }
  }}
