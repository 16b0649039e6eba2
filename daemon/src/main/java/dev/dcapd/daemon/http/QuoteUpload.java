package dev.dcapd.daemon.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Locale;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.MultiPart;
import org.eclipse.jetty.http.MultiPartConfig;
import org.eclipse.jetty.http.MultiPartFormData;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.FormFields;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Fields;

/**
 * The quote in an upload, as Phala's {@code POST verify} takes it: a multipart form's {@code file}
 * (the binary quote, {@code curl -F file=@quote.bin}), a JSON body {@code {"hex": "…"}}, or a form
 * field {@code hex}; any other body is taken as the quote itself. Hex may have a {@code 0x} prefix
 * and white space. The body is read up to a bound; beyond it the answer is 413.
 */
final class QuoteUpload {
  private static final ObjectMapper JSON = new ObjectMapper();
  /**
   * How far past the limit a refused body is read (and dropped), as a multiple of the limit: a
   * server that answers and closes while the client is still sending can have its answer lost to a
   * connection reset, so the 413 is sent once the body is in. A larger body is refused at once.
   */
  static final int DRAIN_FACTOR = 16;

  private QuoteUpload() {}

  /** The quote's bytes (binary, or hex text for the parser to read), or an {@link HttpFailure}. */
  static byte[] read(Request request, int maxBytes) {
    byte[] body = body(request, maxBytes);
    String type = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
    String mime = type == null ? "" : type.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    return switch (mime) {
      case "multipart/form-data" -> fromMultipart(request, body, type, maxBytes);
      case "application/json" -> fromJson(body);
      case "application/x-www-form-urlencoded" -> fromForm(request, body, maxBytes);
      default -> requireSome(body);
    };
  }

  /**
   * The request body, at most {@code maxBytes}: 413 beyond (by its length, or as it is read). A
   * body refused is first read to its end, up to {@link #DRAIN_FACTOR} times the limit, so that
   * the client, still sending, gets the answer.
   */
  static byte[] body(Request request, int maxBytes) {
    long declared = request.getLength();
    long drainable = (long) DRAIN_FACTOR * maxBytes;
    if (declared > drainable) {
      throw tooLarge(maxBytes);
    }
    try (InputStream in = Content.Source.asInputStream(request)) {
      byte[] body = in.readNBytes(maxBytes + 1);
      if (body.length > maxBytes) {
        drain(in, drainable - body.length);
        throw tooLarge(maxBytes);
      }
      return body;
    } catch (IOException e) {
      throw new HttpFailure(HttpStatus.BAD_REQUEST_400, "INVALID_ARGUMENT", "could not read the request body: " + e.getMessage());
    }
  }

  /** Reads and drops up to {@code bytes} of what is left of a body; a failure to read is left to the close. */
  private static void drain(InputStream in, long bytes) {
    try {
      byte[] sink = new byte[16384];
      for (long left = bytes; left > 0; ) {
        int n = in.read(sink, 0, (int) Math.min(sink.length, left));
        if (n < 0) {
          return;
        }
        left -= n;
      }
    } catch (IOException e) {
      // The client went away, or sent more than is read: the answer goes out and the connection closes.
    }
  }

  private static byte[] fromMultipart(Request request, byte[] body, String contentType, int maxBytes) {
    MultiPartConfig config = new MultiPartConfig.Builder()
        .maxParts(8)
        .maxSize(maxBytes)
        .maxPartSize(maxBytes)
        .maxMemoryPartSize(maxBytes)
        .useFilesForPartsWithoutFileName(false)
        .build();
    MultiPartFormData.Parts parts;
    try {
      parts = MultiPartFormData.getParts(Content.Source.from(ByteBuffer.wrap(body)), request, contentType, config);
    } catch (RuntimeException e) {
      throw badRequest("the multipart form does not parse");
    }
    try (parts) {
      // A browser's form sends every field, the ones left empty too (a file input with no file
      // chosen, an empty textarea): an empty part counts as absent.
      MultiPart.Part filePart = parts.getFirst("file");
      MultiPart.Part hexPart = parts.getFirst("hex");
      byte[] file = filePart == null ? new byte[0] : bytes(filePart);
      String hex = hexPart == null ? "" : hexPart.getContentAsString(StandardCharsets.US_ASCII);
      boolean hasFile = file.length > 0;
      boolean hasHex = !hex.isBlank();
      if (hasFile && hasHex) {
        throw badRequest("give the quote once: as the file or as hex, not both");
      }
      if (hasFile) {
        return file;
      }
      if (hasHex) {
        return decodeHex(hex);
      }
      throw badRequest("no quote: send it as the multipart field \"file\" (or \"hex\")");
    }
  }

  private static byte[] bytes(MultiPart.Part part) {
    try {
      ByteBuffer b = Content.Source.asByteBuffer(part.getContentSource());
      byte[] out = new byte[b.remaining()];
      b.get(out);
      return out;
    } catch (IOException e) {
      throw badRequest("could not read the uploaded file: " + e.getMessage());
    }
  }

  private static byte[] fromJson(byte[] body) {
    JsonNode n;
    try {
      n = JSON.readTree(body);
    } catch (JsonProcessingException e) {
      throw badRequest("the body is not JSON");
    } catch (IOException e) {
      throw badRequest("could not read the body");
    }
    if (n == null || !n.isObject() || !n.path("hex").isTextual()) {
      throw badRequest("no quote: send {\"hex\": \"…\"}");
    }
    return decodeHex(n.get("hex").textValue());
  }

  private static byte[] fromForm(Request request, byte[] body, int maxBytes) {
    Fields fields;
    try {
      fields = FormFields.getFields(Content.Source.from(ByteBuffer.wrap(body)), request, StandardCharsets.UTF_8, 16, maxBytes);
    } catch (RuntimeException e) {
      throw badRequest("the form does not parse");
    }
    Fields.Field hex = fields.get("hex");
    if (hex == null) {
      throw badRequest("no quote: send the form field \"hex\"");
    }
    return decodeHex(hex.getValue());
  }

  /** The quote as hex text, {@code 0x} prefix and white space allowed: 400 when it is not hex. */
  static byte[] decodeHex(String text) {
    return decodeHex(text, "the quote");
  }

  /** Hex text naming {@code what}, {@code 0x} prefix and white space allowed, as bytes: 400 when it is not hex. */
  static byte[] decodeHex(String text, String what) {
    StringBuilder digits = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (!Character.isWhitespace(c)) {
        digits.append(c);
      }
    }
    String s = digits.toString();
    if (s.startsWith("0x") || s.startsWith("0X")) {
      s = s.substring(2);
    }
    if (s.isEmpty()) {
      throw badRequest(what + " is empty");
    }
    try {
      return HexFormat.of().parseHex(s);
    } catch (IllegalArgumentException e) {
      throw badRequest(what + " is not valid hex");
    }
  }

  private static byte[] requireSome(byte[] quote) {
    if (quote.length == 0) {
      throw badRequest("no quote: the upload is empty");
    }
    return quote;
  }

  private static HttpFailure badRequest(String detail) {
    return new HttpFailure(HttpStatus.BAD_REQUEST_400, "INVALID_ARGUMENT", detail);
  }

  private static HttpFailure tooLarge(int maxBytes) {
    return new HttpFailure(HttpStatus.PAYLOAD_TOO_LARGE_413, "RESOURCE_EXHAUSTED",
        "the request is larger than " + maxBytes + " bytes");
  }
}
