package dev.dcapd.proto;

/**
 * A TCP address as every dcapd command line writes it: {@code HOST:PORT}, an IPv6 host in
 * brackets. The daemon's listener, the client's target and the sidecar's local API all read it.
 *
 * @param host the host name or address, without brackets
 * @param port the port
 */
public record HostPort(String host, int port) {
  private static final int MAX_PORT = 65535;

  /**
   * Parses {@code value}; {@code minPort} is 0 where binding to any free port is allowed (a
   * listener), 1 where a port must be named (a target).
   *
   * @throws IllegalArgumentException naming the value, if it is not {@code HOST:PORT}
   */
  public static HostPort parse(String value, int minPort) {
    int colon = value.lastIndexOf(':');
    if (colon <= 0 || colon == value.length() - 1) {
      throw new IllegalArgumentException("expected HOST:PORT, got '" + value + "'");
    }
    String host = value.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(value.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("expected HOST:PORT, got '" + value + "'");
    }
    if (port < minPort || port > MAX_PORT) {
      throw new IllegalArgumentException("port out of range in '" + value + "'");
    }
    return new HostPort(host, port);
  }
}
