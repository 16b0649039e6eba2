package dev.dcapd.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.dcapd.verifier.quote.Quote;
import dev.dcapd.verifier.quote.QuoteInput;
import dev.dcapd.verifier.quote.QuoteParseException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/** Reading inputs and writing JSON, shared by the commands. */
final class CliIo {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private CliIo() {}

  /** The bytes of {@code file}, or a one-line error naming it. */
  static byte[] read(Path file) throws CliException {
    try {
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new CliException(Dcap.EXIT_BAD_INPUT, file + ": no such file");
    } catch (IOException e) {
      throw new CliException(Dcap.EXIT_BAD_INPUT, file + ": cannot be read (" + e.getMessage() + ")");
    }
  }

  /** The quote in {@code file} (binary or hex text), or a one-line error naming what and where. */
  static Quote readQuote(Path file) throws CliException {
    try {
      return QuoteInput.parse(read(file));
    } catch (QuoteParseException e) {
      throw new CliException(Dcap.EXIT_BAD_INPUT, file + ": not a quote: " + e.code() + ": " + e.getMessage());
    }
  }

  /** Unix seconds, or an ISO-8601 instant with an offset ({@code 2025-07-19T10:00:34Z}). */
  static Instant parseTime(String text) throws CliException {
    String s = text.strip();
    if (s.matches("-?\\d+")) {
      try {
        return Instant.ofEpochSecond(Long.parseLong(s));
      } catch (NumberFormatException | java.time.DateTimeException e) {
        throw new CliException(Dcap.EXIT_BAD_INPUT, "--at: " + text + " is out of range");
      }
    }
    try {
      return OffsetDateTime.parse(s).toInstant();
    } catch (DateTimeParseException e) {
      throw new CliException(Dcap.EXIT_BAD_INPUT, "--at: " + text + " is neither Unix seconds nor ISO-8601 with an offset");
    }
  }

  /** Pretty JSON, one document. */
  static void printJson(PrintWriter out, JsonNode node) {
    try {
      out.println(JSON.writeValueAsString(node));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree always serialises", e);
    }
  }
}
