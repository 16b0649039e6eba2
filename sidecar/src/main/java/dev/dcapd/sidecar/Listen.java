package dev.dcapd.sidecar;

import dev.dcapd.proto.HostPort;
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
    HostPort requested = HostPort.parse(value, 0);
    InetAddress address;
    try {
      address = InetAddress.getByName(requested.host());
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("unknown host in " + value);
    }
    if (!address.isLoopbackAddress()) {
      throw new IllegalArgumentException("the local API listens on loopback addresses only, not " + value);
    }
    return new Listen(Optional.empty(), Optional.of(new InetSocketAddress(address, requested.port())));
  }

  @Override
  public String toString() {
    return socket.map(p -> "unix:" + p).orElseGet(() -> tcp.get().getAddress().getHostAddress() + ":" + tcp.get().getPort());
  }
}
