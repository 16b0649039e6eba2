package dev.dcapd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.eventlog.ComposeHash;
import dev.dcapd.verifier.eventlog.DstackAppInfo;
import dev.dcapd.verifier.eventlog.DstackAttestation;
import dev.dcapd.verifier.eventlog.EventLog;
import dev.dcapd.verifier.eventlog.TdxEvent;
import dev.dcapd.verifier.quote.Quote;
import dev.dcapd.verifier.quote.QuoteInput;
import dev.dcapd.verifier.quote.QuoteParseException;
import dev.dcapd.verifier.quote.TdReport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code dcap eventlog ...}: dstack TDX event logs. */
@Command(name = "eventlog", description = "Work with dstack TDX event logs.", subcommands = EventlogCommand.Replay.class)
final class EventlogCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is required (replay)");
  }

  /**
   * {@code dcap eventlog replay EVENTLOG [--quote QUOTE] [--app-compose FILE]}: replays RTMR0-3,
   * compares them with the quote, and prints the dstack app facts. Exit 1 when the log does not
   * account for the quote or the compose hash differs.
   */
  @Command(name = "replay", description = "Replay an event log to RTMR0-3 and compare with a quote.")
  static final class Replay implements Callable<Integer> {
    /**
     * Built on first use: picocli builds every command when dcap starts, and an ObjectMapper's
     * class loading is a noticeable part of a start-up that most commands do not need it for.
     */
    private static final class Json {
      static final ObjectMapper MAPPER = new ObjectMapper();
    }

    @Parameters(paramLabel = "EVENTLOG", description = "The event log: a JSON array, a JSON string holding one, a "
        + "GetQuote response / dstack-verifier request with an event_log field (and a quote, used when --quote is absent), "
        + "or a dstack attestation (binary, or {\"attestation\": hex}).")
    Path eventLog;

    @Option(names = "--quote", paramLabel = "QUOTE", description = "A TDX quote file, binary or hex text.")
    Path quote;

    @Option(names = "--app-compose", paramLabel = "FILE", description = "Check the measured compose hash against this app-compose.json.")
    Path appCompose;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws CliException {
      byte[] bytes = CliIo.read(eventLog);
      EventLog log;
      Optional<Quote> embedded;
      try {
        if (bytes.length > 0 && bytes[0] == 0) {
          // A binary dstack attestation (SCALE, version 0), as Attest returns it.
          DstackAttestation a = DstackAttestation.parse(bytes);
          log = a.eventLog();
          embedded = Optional.of(parseQuote(a.quote().toByteArray(), eventLog + " (quote)"));
        } else {
          JsonNode input;
          try {
            input = Json.MAPPER.readTree(bytes);
          } catch (IOException e) {
            throw new CliException(Dcap.EXIT_BAD_INPUT, eventLog + ": not JSON");
          }
          if (input == null) {
            throw new CliException(Dcap.EXIT_BAD_INPUT, eventLog + ": empty");
          }
          if (input.isObject() && input.path("attestation").isTextual()) {
            DstackAttestation a = DstackAttestation.parse(hex(input.get("attestation").textValue()));
            log = a.eventLog();
            embedded = Optional.of(parseQuote(a.quote().toByteArray(), eventLog + " (quote)"));
          } else {
            log = EventLog.fromJson(input.isObject() && input.has("event_log") ? input.get("event_log") : input);
            embedded = input.isObject() && input.path("quote").isTextual()
                ? Optional.of(parseQuote(input.get("quote").textValue().getBytes(StandardCharsets.US_ASCII), eventLog + " (quote)"))
                : Optional.empty();
          }
        }
      } catch (DcapException e) {
        throw new CliException(Dcap.EXIT_BAD_INPUT, eventLog + ": " + e.code() + ": " + e.getMessage());
      }
      Optional<TdReport> report = quote != null ? Optional.of(tdReport(CliIo.readQuote(quote), quote.toString()))
          : embedded.isPresent() ? Optional.of(tdReport(embedded.get(), eventLog + " (quote)")) : Optional.empty();
      dev.dcapd.verifier.eventlog.Replay replay;
      DstackAppInfo info;
      try {
        replay = log.replay();
        info = DstackAppInfo.of(log);
      } catch (DcapException e) {
        throw new CliException(e.code().kind() == dev.dcapd.verifier.FailureCode.Kind.MALFORMED ? Dcap.EXIT_BAD_INPUT
            : Dcap.EXIT_REJECTED, eventLog + ": " + e.code() + ": " + e.getMessage());
      }
      ObjectNode out = JsonNodeFactory.instance.objectNode();
      for (int i = 0; i < TdxEvent.RTMR_COUNT; i++) {
        out.put("rtmr" + i, replay.rtmr(i).hex0x());
      }
      boolean ok = true;
      if (report.isPresent()) {
        ArrayNode mismatched = out.arrayNode();
        replay.mismatches(report.get()).forEach(mismatched::add);
        ok = mismatched.isEmpty();
        out.put("matches_quote", ok);
        out.set("mismatched_rtmrs", mismatched);
      } else {
        out.putNull("matches_quote");
      }
      out.put("events", log.events().size());
      putHex(out, "app_id", info.appId());
      putHex(out, "compose_hash", info.composeHash());
      putHex(out, "instance_id", info.instanceId());
      putHex(out, "os_image_hash", info.osImageHash());
      if (info.keyProvider().isPresent()) {
        ObjectNode kp = out.putObject("key_provider");
        kp.put("name", info.keyProvider().get().name());
        kp.put("id", info.keyProvider().get().id());
      } else {
        out.putNull("key_provider");
      }
      ArrayNode appEvents = out.putArray("application_events");
      info.applicationEvents().forEach(e -> appEvents.addObject().put("event", e.event()).put("payload", e.payload().hex0x()));
      if (appCompose != null) {
        try {
          out.put("compose_hash_matches", ComposeHash.check(info, CliIo.read(appCompose)).name().toLowerCase());
        } catch (DcapException e) {
          out.put("compose_hash_matches", false);
          ok = false;
        }
      }
      CliIo.printJson(spec.commandLine().getOut(), out);
      return ok ? 0 : Dcap.EXIT_REJECTED;
    }

    private static Quote parseQuote(byte[] bytes, String where) throws CliException {
      try {
        return QuoteInput.parse(bytes);
      } catch (QuoteParseException e) {
        throw new CliException(Dcap.EXIT_BAD_INPUT, where + ": not a quote: " + e.code() + ": " + e.getMessage());
      }
    }

    private byte[] hex(String text) throws CliException {
      try {
        return Bytes.fromHex(text.strip()).toByteArray();
      } catch (IllegalArgumentException e) {
        throw new CliException(Dcap.EXIT_BAD_INPUT, eventLog + ": \"attestation\" is not hex");
      }
    }

    private static TdReport tdReport(Quote q, String where) throws CliException {
      if (!(q.body() instanceof TdReport td)) {
        throw new CliException(Dcap.EXIT_BAD_INPUT, where + ": not a TDX quote; only TDX quotes have RTMRs");
      }
      return td;
    }

    private static void putHex(ObjectNode out, String field, Optional<Bytes> value) {
      if (value.isPresent()) {
        out.put(field, value.get().hex0x());
      } else {
        out.putNull(field);
      }
    }
  }
}
