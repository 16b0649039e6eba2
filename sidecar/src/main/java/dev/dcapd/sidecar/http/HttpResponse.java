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

  /** The shape of every refusal: {@code {"error": message}}. */
  public static HttpResponse error(int status, String message) {
    return json(status, "{\"error\":" + jsonString(message) + "}");
  }

  /** A JSON string literal of {@code s}. */
  public static String jsonString(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }
}
