package dev.dcapd.client;

import dev.dcapd.proto.HostPort;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where the daemon listens: {@code HOST:PORT} (IPv6 hosts in brackets) or {@code unix:/path}.
 *
 * @param host the TCP host, null for a Unix socket
 * @param port the TCP port, 0 for a Unix socket
 * @param socket the Unix socket, null for TCP
 */
public record Target(String host, int port, Path socket) {
  private static final String UNIX_PREFIX = "unix:";

  public Target {
    if ((host == null) == (socket == null)) {
      throw new IllegalArgumentException("a target is a host and port or a Unix socket");
    }
  }

  /** Parses {@code HOST:PORT} or {@code unix:PATH}; throws IllegalArgumentException naming the value. */
  public static Target parse(String value) {
    Objects.requireNonNull(value, "target");
    if (value.startsWith(UNIX_PREFIX)) {
      String path = value.substring(UNIX_PREFIX.length());
      if (path.startsWith("//")) {
        path = path.substring(2);
      }
      if (path.isEmpty()) {
        throw new IllegalArgumentException("expected unix:PATH, got '" + value + "'");
      }
      return new Target(null, 0, Path.of(path));
    }
    HostPort address = HostPort.parse(value, 1);
    return new Target(address.host(), address.port(), null);
  }

  public boolean unix() {
    return socket != null;
  }

  @Override
  public String toString() {
    return unix() ? UNIX_PREFIX + socket : (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }
}
