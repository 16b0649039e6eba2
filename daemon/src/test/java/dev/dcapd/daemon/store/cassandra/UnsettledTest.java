package dev.dcapd.daemon.store.cassandra;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.datastax.oss.driver.api.core.AllNodesFailedException;
import com.datastax.oss.driver.api.core.DefaultConsistencyLevel;
import com.datastax.oss.driver.api.core.DriverTimeoutException;
import com.datastax.oss.driver.api.core.metadata.Node;
import com.datastax.oss.driver.api.core.servererrors.CASWriteUnknownException;
import com.datastax.oss.driver.api.core.servererrors.DefaultWriteType;
import com.datastax.oss.driver.api.core.servererrors.ReadTimeoutException;
import com.datastax.oss.driver.api.core.servererrors.UnavailableException;
import com.datastax.oss.driver.api.core.servererrors.WriteTimeoutException;
import java.lang.reflect.Proxy;
import java.util.AbstractMap.SimpleEntry;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Which failures leave a lightweight transaction's outcome unknown, so that the store settles it by
 * a serial read: only those, since settling any other failure would hide it.
 */
class UnsettledTest {
  private static final Node NODE = node("a");
  private static final Node OTHER = node("b");

  @Test
  void aProposalNoQuorumAcceptedIsUnsettled() {
    assertTrue(CassandraStore.unsettled(new CASWriteUnknownException(NODE, DefaultConsistencyLevel.LOCAL_SERIAL, 1, 2)));
  }

  @Test
  void onlyACasWriteTimeoutIsUnsettled() {
    assertTrue(CassandraStore.unsettled(cas()));
    for (DefaultWriteType t : DefaultWriteType.values()) {
      if (t != DefaultWriteType.CAS) {
        assertFalse(CassandraStore.unsettled(new WriteTimeoutException(NODE, DefaultConsistencyLevel.LOCAL_QUORUM, 1, 2, t)),
            t.name());
      }
    }
  }

  @Test
  void onlyASerialReadTimeoutIsUnsettled() {
    assertTrue(CassandraStore.unsettled(new ReadTimeoutException(NODE, DefaultConsistencyLevel.LOCAL_SERIAL, 1, 2, false)));
    assertFalse(CassandraStore.unsettled(new ReadTimeoutException(NODE, DefaultConsistencyLevel.LOCAL_QUORUM, 1, 2, false)));
  }

  @Test
  void tooFewReplicasAndAClientTimeoutAreFailures() {
    assertFalse(CassandraStore.unsettled(new UnavailableException(NODE, DefaultConsistencyLevel.LOCAL_SERIAL, 2, 1)));
    assertFalse(CassandraStore.unsettled(new DriverTimeoutException("timed out")));
  }

  @Test
  void everyNodeTriedMustHaveLeftItUnsettled() {
    assertTrue(CassandraStore.unsettled(AllNodesFailedException.fromErrors(List.of(
        new SimpleEntry<>(NODE, cas()), new SimpleEntry<>(OTHER, new CASWriteUnknownException(OTHER, DefaultConsistencyLevel.SERIAL, 0, 2))))));
    assertFalse(CassandraStore.unsettled(AllNodesFailedException.fromErrors(List.of(
        new SimpleEntry<>(NODE, cas()), new SimpleEntry<>(OTHER, new UnavailableException(OTHER, DefaultConsistencyLevel.LOCAL_QUORUM, 2, 1))))));
    assertFalse(CassandraStore.unsettled(AllNodesFailedException.fromErrors(Map.of())), "no node tried");
  }

  private static WriteTimeoutException cas() {
    return new WriteTimeoutException(NODE, DefaultConsistencyLevel.LOCAL_SERIAL, 1, 2, DefaultWriteType.CAS);
  }

  /** A node that is only a name: the exceptions hold it and print it, nothing more. */
  static Node node(String name) {
    return (Node) Proxy.newProxyInstance(Node.class.getClassLoader(), new Class<?>[] {Node.class}, (proxy, method, args) -> {
      switch (method.getName()) {
        case "toString":
          return "node " + name;
        case "hashCode":
          return System.identityHashCode(proxy);
        case "equals":
          return proxy == args[0];
        default:
          throw new UnsupportedOperationException(method.getName());
      }
    });
  }
}
