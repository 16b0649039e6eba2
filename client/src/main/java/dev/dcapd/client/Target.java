package dev.dcapd.client;

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
  private static final int MAX_PORT = 65535;

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
    int colon = value.lastIndexOf(':');
    if (colon <= 0 || colon == value.length() - 1) {
      throw new IllegalArgumentException("expected HOST:PORT or unix:PATH, got '" + value + "'");
    }
    String host = value.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(value.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("expected HOST:PORT or unix:PATH, got '" + value + "'");
    }
    if (port < 1 || port > MAX_PORT) {
      throw new IllegalArgumentException("port out of range in '" + value + "'");
    }
    return new Target(host, port, null);
  }

  public boolean unix() {
    return socket != null;
  }

  @Override
  public String toString() {
    return unix() ? UNIX_PREFIX + socket : (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }
}
