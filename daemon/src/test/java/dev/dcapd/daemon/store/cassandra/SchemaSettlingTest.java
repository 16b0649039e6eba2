package dev.dcapd.daemon.store.cassandra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.datastax.oss.driver.api.core.DefaultConsistencyLevel;
import com.datastax.oss.driver.api.core.metadata.Node;
import com.datastax.oss.driver.api.core.servererrors.DefaultWriteType;
import com.datastax.oss.driver.api.core.servererrors.InvalidQueryException;
import com.datastax.oss.driver.api.core.servererrors.ReadFailureException;
import com.datastax.oss.driver.api.core.servererrors.UnavailableException;
import com.datastax.oss.driver.api.core.servererrors.WriteFailureException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A start tries its schema step again while some node has not yet heard of the keyspace's schema
 * (as a coordinator: "does not exist"; as a replica: a failed read or write), and only then.
 */
class SchemaSettlingTest {
  private static final Node NODE = UnsettledTest.node("a");
  private static final CassandraLocation AT = CassandraLocation.parse("cassandra://127.0.0.1:9042/settling");

  private static ReadFailureException readFailure() {
    return new ReadFailureException(NODE, DefaultConsistencyLevel.LOCAL_QUORUM, 0, 2, 1, false, Map.of());
  }

  private static WriteFailureException writeFailure() {
    return new WriteFailureException(NODE, DefaultConsistencyLevel.LOCAL_QUORUM, 0, 2, DefaultWriteType.SIMPLE, 1, Map.of());
  }

  @Test
  void anUnknownKeyspaceOrTableOrAFailedReplicaIsTheSchemaNotYetEverywhere() {
    assertTrue(CassandraStore.schemaNotYetEverywhere(new InvalidQueryException(NODE, "Keyspace 'settling' doesn't exist")));
    assertTrue(CassandraStore.schemaNotYetEverywhere(new InvalidQueryException(NODE, "table schema_version does not exist")));
    assertTrue(CassandraStore.schemaNotYetEverywhere(new InvalidQueryException(NODE, "unconfigured table meta")));
    assertTrue(CassandraStore.schemaNotYetEverywhere(readFailure()));
    assertTrue(CassandraStore.schemaNotYetEverywhere(writeFailure()));
  }

  @Test
  void anyOtherInvalidQueryOrTooFewReplicasIsNot() {
    assertFalse(CassandraStore.schemaNotYetEverywhere(new InvalidQueryException(NODE, "line 1:7 no viable alternative")));
    assertFalse(CassandraStore.schemaNotYetEverywhere(new UnavailableException(NODE, DefaultConsistencyLevel.LOCAL_QUORUM, 2, 1)));
  }

  @Test
  void theStepIsTriedAgainUntilEveryNodeHasTheSchema() {
    Deque<RuntimeException> failures = new ArrayDeque<>(List.of(
        new InvalidQueryException(NODE, "table schema_version does not exist"), readFailure(), writeFailure()));
    int[] tries = {0};
    String got = CassandraStore.onceSettled(AT, () -> {
      tries[0]++;
      if (!failures.isEmpty()) {
        throw failures.pop();
      }
      return "applied";
    });
    assertEquals("applied", got);
    assertEquals(4, tries[0]);
  }

  @Test
  void anyOtherFailureIsThrownAtOnce() {
    InvalidQueryException syntax = new InvalidQueryException(NODE, "line 1:7 no viable alternative");
    int[] tries = {0};
    assertSame(syntax, assertThrows(InvalidQueryException.class, () -> CassandraStore.onceSettled(AT, () -> {
      tries[0]++;
      throw syntax;
    })));
    assertEquals(1, tries[0]);
  }
}
