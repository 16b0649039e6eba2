package dev.dcapd.daemon.store.cassandra;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where a Cassandra store is: {@code cassandra://HOST:PORT[,HOST:PORT...]/KEYSPACE?dc=DC&rf=N}, with
 * optional {@code read=local_quorum|local_one} and {@code timeout=PT5S}.
 *
 * @param contactPoints nodes the driver first connects to (it learns the rest of the cluster)
 * @param keyspace the keyspace the daemon's tables live in
 * @param datacenter the local datacenter: requests go to its nodes, at {@code LOCAL_*} consistency
 * @param replicationFactor replicas in that datacenter, for a keyspace this daemon creates
 * @param readOne read at {@code LOCAL_ONE} instead of {@code LOCAL_QUORUM}
 * @param requestTimeout how long one request may take before the call is answered unavailable
 */
public record CassandraLocation(List<InetSocketAddress> contactPoints, String keyspace, String datacenter,
    int replicationFactor, boolean readOne, Duration requestTimeout) {
  public static final String SCHEME = "cassandra://";
  public static final int DEFAULT_PORT = 9042;
  /** The name Cassandra gives a datacenter nobody named. */
  public static final String DEFAULT_DATACENTER = "datacenter1";
  public static final int DEFAULT_REPLICATION_FACTOR = 3;
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
  private static final Pattern KEYSPACE = Pattern.compile("[a-z][a-z0-9_]{0,47}");
  private static final Pattern DATACENTER = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

  public CassandraLocation {
    contactPoints = List.copyOf(contactPoints);
    Objects.requireNonNull(keyspace, "keyspace");
    Objects.requireNonNull(datacenter, "datacenter");
    Objects.requireNonNull(requestTimeout, "requestTimeout");
    if (contactPoints.isEmpty()) {
      throw new IllegalArgumentException("a Cassandra store needs at least one HOST:PORT");
    }
    if (!KEYSPACE.matcher(keyspace).matches()) {
      throw new IllegalArgumentException("keyspace '" + keyspace + "' must be a lower-case letter then up to 47 of a-z, 0-9, _");
    }
    if (!DATACENTER.matcher(datacenter).matches()) {
      throw new IllegalArgumentException("dc '" + datacenter + "' is not a datacenter name");
    }
    if (replicationFactor < 1 || replicationFactor > 31) {
      throw new IllegalArgumentException("rf must be 1 to 31, got " + replicationFactor);
    }
    if (requestTimeout.isNegative() || requestTimeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive");
    }
  }

  /** Whether {@code store} names a Cassandra store (else it is a RocksDB one). */
  public static boolean names(String store) {
    return store.regionMatches(true, 0, SCHEME, 0, SCHEME.length());
  }

  /** Parses {@code cassandra://…}; throws IllegalArgumentException with a one-line reason. */
  public static CassandraLocation parse(String uri) {
    if (!names(uri)) {
      throw new IllegalArgumentException("a Cassandra store is cassandra://HOST:PORT[,HOST:PORT...]/KEYSPACE?dc=DC&rf=N");
    }
    String rest = uri.substring(SCHEME.length());
    int q = rest.indexOf('?');
    String query = q < 0 ? "" : rest.substring(q + 1);
    String path = q < 0 ? rest : rest.substring(0, q);
    int slash = path.indexOf('/');
    if (slash < 0 || slash == path.length() - 1) {
      throw new IllegalArgumentException("the Cassandra store " + uri + " names no keyspace (cassandra://HOST:PORT/KEYSPACE)");
    }
    List<InetSocketAddress> points = new ArrayList<>();
    for (String hostPort : path.substring(0, slash).split(",", -1)) {
      points.add(hostPort(hostPort));
    }
    Map<String, String> params = new LinkedHashMap<>();
    if (!query.isEmpty()) {
      for (String kv : query.split("&", -1)) {
        int eq = kv.indexOf('=');
        if (eq <= 0) {
          throw new IllegalArgumentException("'" + kv + "' in the Cassandra store is not name=value");
        }
        String name = kv.substring(0, eq).toLowerCase(Locale.ROOT);
        if (params.put(name, kv.substring(eq + 1)) != null) {
          throw new IllegalArgumentException("'" + name + "' is given twice in the Cassandra store");
        }
      }
    }
    String dc = params.getOrDefault("dc", DEFAULT_DATACENTER);
    int rf = DEFAULT_REPLICATION_FACTOR;
    if (params.containsKey("rf")) {
      try {
        rf = Integer.parseInt(params.get("rf"));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("rf '" + params.get("rf") + "' is not a number");
      }
    }
    boolean readOne = switch (params.getOrDefault("read", "local_quorum").toLowerCase(Locale.ROOT)) {
      case "local_quorum" -> false;
      case "local_one" -> true;
      default -> throw new IllegalArgumentException("read must be local_quorum or local_one, got '" + params.get("read") + "'");
    };
    Duration timeout = DEFAULT_TIMEOUT;
    if (params.containsKey("timeout")) {
      try {
        timeout = Duration.parse(params.get("timeout"));
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException("timeout '" + params.get("timeout") + "' is not an ISO-8601 duration such as PT5S");
      }
    }
    for (String name : params.keySet()) {
      if (!List.of("dc", "rf", "read", "timeout").contains(name)) {
        throw new IllegalArgumentException("unknown Cassandra store option '" + name + "' (dc, rf, read, timeout)");
      }
    }
    return new CassandraLocation(points, path.substring(slash + 1), dc, rf, readOne, timeout);
  }

  private static InetSocketAddress hostPort(String s) {
    if (s.isEmpty()) {
      throw new IllegalArgumentException("an empty HOST:PORT in the Cassandra store");
    }
    int colon = s.lastIndexOf(':');
    String host = colon < 0 ? s : s.substring(0, colon);
    int port = DEFAULT_PORT;
    if (colon >= 0) {
      try {
        port = Integer.parseInt(s.substring(colon + 1));
      } catch (NumberFormatException e) {
        port = -1;
      }
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("'" + s + "' has no valid port");
      }
    }
    if (host.isEmpty()) {
      throw new IllegalArgumentException("'" + s + "' names no host");
    }
    return InetSocketAddress.createUnresolved(host, port);
  }

  /** The location as it is written, for the start-up line. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(SCHEME);
    for (int i = 0; i < contactPoints.size(); i++) {
      InetSocketAddress a = contactPoints.get(i);
      sb.append(i == 0 ? "" : ",").append(a.getHostString()).append(':').append(a.getPort());
    }
    sb.append('/').append(keyspace).append("?dc=").append(datacenter).append("&rf=").append(replicationFactor);
    if (readOne) {
      sb.append("&read=local_one");
    }
    return sb.toString();
  }
}
