package dev.dcapd.sidecar.agent;

import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where a guest agent listens: a Unix socket (the normal case inside a CVM) or an
 * {@code http://host:port} address (dstack's simulator can listen on TCP).
 */
public record AgentEndpoint(Optional<Path> socket, Optional<URI> http) {
  public AgentEndpoint {
    if (socket.isPresent() == http.isPresent()) {
      throw new IllegalArgumentException("an agent endpoint is a socket or an http address");
    }
  }

  public static AgentEndpoint unix(Path socket) {
    return new AgentEndpoint(Optional.of(socket), Optional.empty());
  }

  /**
   * Reads {@code http://host:port}, {@code unix:/path} or a plain socket path (the forms
   * {@code DSTACK_SIMULATOR_ENDPOINT} takes).
   */
  public static AgentEndpoint parse(String value) {
    if (value.startsWith("http://")) {
      URI uri = URI.create(value.endsWith("/") ? value.substring(0, value.length() - 1) : value);
      if (uri.getHost() == null) {
        throw new IllegalArgumentException("not an http://host:port address: " + value);
      }
      return new AgentEndpoint(Optional.empty(), Optional.of(uri));
    }
    if (value.startsWith("https://")) {
      throw new IllegalArgumentException("the guest agent speaks plain HTTP; https is not supported: " + value);
    }
    String path = value.startsWith("unix:") ? value.substring("unix:".length()) : value;
    if (path.isEmpty()) {
      throw new IllegalArgumentException("an empty socket path");
    }
    return unix(Path.of(path));
  }

  /** The base URL requests go to (for a socket, the host part is only a Host header). */
  String baseUrl() {
    return http.map(URI::toString).orElse("http://localhost");
  }

  @Override
  public String toString() {
    return socket.map(p -> "unix:" + p).orElseGet(() -> http.get().toString());
  }
}
