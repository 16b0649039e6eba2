package dev.dcapd.daemon.store.cassandra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CassandraLocationTest {
  @Test
  void readsEveryPartOfTheStore() {
    CassandraLocation l = CassandraLocation.parse(
        "cassandra://127.0.0.1:9042,127.0.0.2,db.internal:19042/dcapd?dc=eu1&rf=5&read=LOCAL_ONE&timeout=PT2S");
    assertEquals(3, l.contactPoints().size());
    assertEquals("127.0.0.2", l.contactPoints().get(1).getHostString());
    assertEquals(9042, l.contactPoints().get(1).getPort());
    assertEquals(19042, l.contactPoints().get(2).getPort());
    assertEquals("dcapd", l.keyspace());
    assertEquals("eu1", l.datacenter());
    assertEquals(5, l.replicationFactor());
    assertTrue(l.readOne());
    assertEquals(Duration.ofSeconds(2), l.requestTimeout());
    assertEquals(l, CassandraLocation.parse(l.toString().replace("&read=local_one", "&read=local_one&timeout=PT2S")));
  }

  @Test
  void defaultsAreCassandrasDatacenterQuorumReadsAndThreeReplicas() {
    CassandraLocation l = CassandraLocation.parse("cassandra://10.0.0.1/attest");
    assertEquals(CassandraLocation.DEFAULT_DATACENTER, l.datacenter());
    assertEquals(3, l.replicationFactor());
    assertFalse(l.readOne());
    assertEquals(CassandraLocation.DEFAULT_PORT, l.contactPoints().get(0).getPort());
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "cassandra://127.0.0.1:9042",              // no keyspace
      "cassandra://127.0.0.1:9042/",             // empty keyspace
      "cassandra://127.0.0.1:9042/Dcapd",        // not lower case
      "cassandra://127.0.0.1:9042/ks;drop",      // not an identifier
      "cassandra://127.0.0.1:99999/ks",          // port out of range
      "cassandra://,127.0.0.1/ks",               // empty contact point
      "cassandra://127.0.0.1/ks?rf=0",
      "cassandra://127.0.0.1/ks?rf=three",
      "cassandra://127.0.0.1/ks?read=all",
      "cassandra://127.0.0.1/ks?dc=a'b",
      "cassandra://127.0.0.1/ks?dc=a&dc=b",
      "cassandra://127.0.0.1/ks?consistency=one",
      "cassandra://127.0.0.1/ks?timeout=5",
      "rocksdb:/var/lib/dcapd"})
  void refusesWhatItCannotUseWithOneLine(String store) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CassandraLocation.parse(store));
    assertFalse(e.getMessage().contains("\n"));
  }
}
