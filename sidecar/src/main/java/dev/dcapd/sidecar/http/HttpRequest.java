package dev.dcapd.sidecar.http;

import java.util.Map;
import java.util.Optional;

/**
 * One HTTP/1.1 request as {@link LocalHttpServer} hands it to a handler: the whole body read.
 *
 * @param path the path without the query string
 * @param query the raw query string, or empty
 * @param headers header names in lower case
 */
public record HttpRequest(String method, String path, String query, Map<String, String> headers, byte[] body) {
  public HttpRequest {
    headers = Map.copyOf(headers);
    body = body.clone();
  }

  @Override
  public byte[] body() {
    return body.clone();
  }

  public Optional<String> header(String name) {
    return Optional.ofNullable(headers.get(name.toLowerCase(java.util.Locale.ROOT)));
  }
}
