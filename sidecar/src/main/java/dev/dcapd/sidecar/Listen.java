package dev.dcapd.sidecar;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the local API listens: {@code unix:PATH} or {@code HOST:PORT} on a loopback address. The
 * API signs with the attested key, so it is never offered beyond the machine.
 */
public record Listen(Optional<Path> socket, Optional<InetSocketAddress> tcp) {
  public static Listen unix(Path p) {
    return new Listen(Optional.of(p), Optional.empty());
  }

  public static Listen parse(String value) {
    if (value.startsWith("unix:")) {
      String p = value.substring("unix:".length());
      if (p.isEmpty()) {
        throw new IllegalArgumentException("unix: needs a path");
      }
      return unix(Path.of(p));
    }
    int colon = value.lastIndexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("expected unix:PATH or HOST:PORT, not " + value);
    }
    String host = value.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(value.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("bad port in " + value);
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("bad port in " + value);
    }
    InetAddress address;
    try {
      address = InetAddress.getByName(host);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("unknown host in " + value);
    }
    if (!address.isLoopbackAddress()) {
      throw new IllegalArgumentException("the local API listens on loopback addresses only, not " + value);
    }
    return new Listen(Optional.empty(), Optional.of(new InetSocketAddress(address, port)));
  }

  @Override
  public String toString() {
    return socket.map(p -> "unix:" + p).orElseGet(() -> tcp.get().getAddress().getHostAddress() + ":" + tcp.get().getPort());
  }
}
