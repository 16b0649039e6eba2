package dev.dcapd.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.rpc.ErrorInfo;
import dev.dcapd.cluster.testing.CassandraCluster;
import dev.dcapd.daemon.api.ApiErrors;
import dev.dcapd.daemon.store.cassandra.CassandraLocation;
import dev.dcapd.daemon.testing.Closer;
import dev.dcapd.proto.v1.GetRawRequest;
import dev.dcapd.proto.v1.GetRequest;
import dev.dcapd.proto.v1.GetResponse;
import dev.dcapd.proto.v1.VerifyResponse;
import dev.dcapd.testkit.Forge;
import dev.dcapd.testkit.ForgeSpec;
import dev.dcapd.testkit.ForgedCase;
import dev.dcapd.testkit.QuoteBatch;
import dev.dcapd.verifier.quote.TeeType;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nodes lost under two daemons: one node killed with SIGKILL in the middle of an upload load loses
 * no acknowledged upload and the daemons keep answering; the node rejoining changes nothing. With
 * two of three nodes gone, an upload is answered UNAVAILABLE (STORE_UNAVAILABLE) and nothing of it
 * is stored, while a daemon that reads at LOCAL_ONE still answers for what is stored.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class NodeLossTest {
  /** Uploads in the load: bounded in count, a few hundred per second at most on two cores. */
  private static final int UPLOADS = 600;

  @TempDir Path dir;
  private final Closer open = new Closer();

  @AfterEach
  void close() throws Exception {
    open.close();
    // Whatever a test did to the nodes, the next one finds all three up.
    CassandraCluster cluster = SharedCluster.get();
    for (int i = 1; i <= 3; i++) {
      if (!cluster.node(i).isRunning()) {
        cluster.node(i).start();
      }
    }
    cluster.awaitAllUp();
  }

  private ClusterDaemon daemon(String name, CassandraLocation store, ForgedCase c) throws Exception {
    Path collateral = Files.createDirectories(dir.resolve("collateral"));
    Files.writeString(collateral.resolve("platform.json"), c.collateral().toJson(), StandardCharsets.UTF_8);
    Path root = Files.writeString(dir.resolve("root.pem"), c.rootPem(), StandardCharsets.US_ASCII);
    ClusterDaemon d = ClusterDaemon.start(dir.resolve(name), store, collateral, root, Clock.fixed(c.at(), ZoneOffset.UTC));
    open.add(d);
    return d;
  }

  /** Everything Recent lists on a daemon, by checksum: its upload time and whether it is verified. */
  private static Map<String, String> listed(ClusterDaemon d) {
    Map<String, String> out = new TreeMap<>();
    d.recent().forEach(q -> out.put(q.getChecksum(), q.getCreatedAt() + " " + q.getVerified()));
    return out;
  }

  @Test
  void aNodeKilledUnderUploadsLosesNoAcknowledgedUploadAndItsReturnChangesNothing() throws Exception {
    QuoteBatch batch = Forge.batch(ForgeSpec.builder().tee(TeeType.TDX).seed(81).build());
    ForgedCase c = batch.template();
    CassandraLocation store = SharedCluster.keyspace("node_loss", false);
    ClusterDaemon a = daemon("a", store, c);
    ClusterDaemon b = daemon("b", store, c);
    CassandraCluster cluster = SharedCluster.get();

    Map<String, Integer> acknowledged = new ConcurrentHashMap<>();
    AtomicInteger refused = new AtomicInteger();
    AtomicLong next = new AtomicLong();
    ExecutorService load = Executors.newFixedThreadPool(4);
    List<Future<?>> uploaders = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      ClusterDaemon d = t % 2 == 0 ? a : b;
      uploaders.add(load.submit(() -> {
        for (long i = next.getAndIncrement(); i < UPLOADS; i = next.getAndIncrement()) {
          try {
            VerifyResponse r = d.stub().verify(ClusterDaemon.upload(batch.quote(i).raw().toByteArray()));
            assertTrue(r.getSuccess());
            acknowledged.put(r.getChecksum(), (int) i);
          } catch (StatusRuntimeException e) {
            // Not acknowledged: a client would try again. Only "unavailable" is an answer here.
            assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.toString());
            refused.incrementAndGet();
          }
        }
        return null;
      }));
    }
    while (acknowledged.size() < UPLOADS / 3) {
      Thread.sleep(20);
    }
    int exit = cluster.node(3).kill();
    assertEquals(137, exit, "SIGKILL");
    int atKill = acknowledged.size();
    for (Future<?> u : uploaders) {
      u.get(10, TimeUnit.MINUTES);
    }
    load.shutdown();
    assertTrue(acknowledged.size() > atKill, "uploads went on after the node died");
    assertTrue(acknowledged.size() + refused.get() >= UPLOADS, "every upload was answered");

    Map<String, String> beforeReturn = listed(a);
    assertEquals(beforeReturn, listed(b), "Recent agrees on both daemons");
    for (String checksum : acknowledged.keySet()) {
      assertTrue(beforeReturn.containsKey(checksum), "acknowledged upload " + checksum + " is listed");
      GetResponse got = b.stub().get(GetRequest.newBuilder().setChecksum(checksum).build());
      assertTrue(got.getSuccess(), checksum);
    }

    cluster.node(3).start();
    cluster.awaitAllUp();
    assertEquals(beforeReturn, listed(a), "the node's return changed nothing");
    assertEquals(beforeReturn, listed(b));
    for (String checksum : acknowledged.keySet()) {
      assertTrue(a.stub().get(GetRequest.newBuilder().setChecksum(checksum).build()).getSuccess(), checksum);
    }
  }

  @Test
  void withTooFewNodesAnUploadIsUnavailableAndNothingOfItIsStored() throws Exception {
    QuoteBatch batch = Forge.batch(ForgeSpec.builder().tee(TeeType.TDX).seed(82).build());
    ForgedCase c = batch.template();
    ClusterDaemon quorum = daemon("quorum", SharedCluster.keyspace("too_few_nodes", false), c);
    ClusterDaemon readsOne = daemon("one", SharedCluster.keyspace("too_few_nodes", true), c);
    VerifyResponse stored = quorum.stub().verify(ClusterDaemon.upload(batch.quote(0).raw().toByteArray()));
    assertTrue(stored.getSuccess());
    assertTrue(readsOne.stub().get(GetRequest.newBuilder().setChecksum(stored.getChecksum()).build()).getSuccess());

    CassandraCluster cluster = SharedCluster.get();
    cluster.node(2).kill();
    cluster.node(3).kill();
    byte[] unstored = batch.quote(1).raw().toByteArray();
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> quorum.stub().verify(ClusterDaemon.upload(unstored)));
    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
    assertEquals(ApiErrors.STORE_UNAVAILABLE, reason(e));
    // The daemon that reads at LOCAL_ONE still answers for what is stored, once the live node
    // has seen the others die: until then it may send the read to a dead replica, and the
    // daemon answers UNAVAILABLE after the timeout.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    GetResponse fromOne = null;
    while (fromOne == null) {
      try {
        fromOne = readsOne.stub().get(GetRequest.newBuilder().setChecksum(stored.getChecksum()).build());
      } catch (StatusRuntimeException unavailable) {
        assertEquals(Status.Code.UNAVAILABLE, unavailable.getStatus().getCode());
        assertTrue(System.nanoTime() - deadline < 0, "reads at LOCAL_ONE still unavailable: " + unavailable);
        Thread.sleep(500);
      }
    }
    assertTrue(fromOne.getSuccess());

    cluster.node(2).start();
    cluster.node(3).start();
    cluster.awaitAllUp();
    String checksum = batch.quote(1).checksum().hex();
    // The refused upload's bytes may have reached the live node before it saw the others die (and
    // its hints carry them to them): without a record they are neither judged nor served.
    StatusRuntimeException missing = assertThrows(StatusRuntimeException.class,
        () -> quorum.stub().get(GetRequest.newBuilder().setChecksum(checksum).build()));
    assertEquals(Status.Code.NOT_FOUND, missing.getStatus().getCode(), "no record of the refused upload: " + missing);
    StatusRuntimeException noBytes = assertThrows(StatusRuntimeException.class,
        () -> quorum.stub().getRaw(GetRawRequest.newBuilder().setChecksum(checksum).build()));
    assertEquals(Status.Code.NOT_FOUND, noBytes.getStatus().getCode(), "no bytes of the refused upload: " + noBytes);
    assertTrue(listed(quorum).keySet().stream().noneMatch(checksum::equals));
    assertTrue(quorum.stub().verify(ClusterDaemon.upload(unstored)).getSuccess(), "tried again, it is stored");
  }

  private static String reason(StatusRuntimeException e) throws Exception {
    com.google.rpc.Status s = StatusProto.fromThrowable(e);
    for (com.google.protobuf.Any any : s.getDetailsList()) {
      if (any.is(ErrorInfo.class)) {
        return any.unpack(ErrorInfo.class).getReason();
      }
    }
    return "";
  }
}
