package dev.dcapd.sidecar.http;

import java.nio.charset.StandardCharsets;

/** One HTTP response: status, content type and body. */
public record HttpResponse(int status, String contentType, byte[] body) {
  public static final String JSON = "application/json";

  public HttpResponse {
    body = body.clone();
  }

  @Override
  public byte[] body() {
    return body.clone();
  }

  /** A JSON response. */
  public static HttpResponse json(int status, String json) {
    return new HttpResponse(status, JSON, json.getBytes(StandardCharsets.UTF_8));
  }
}
