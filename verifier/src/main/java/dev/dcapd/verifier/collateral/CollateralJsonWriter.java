package dev.dcapd.verifier.collateral;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.dcapd.verifier.Bytes;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;

/**
 * Writes the collateral model back as Intel's JSON, the inverse of the parsers next to it
 * ({@link CollateralJson}): compact text, keys in the order Intel's PCS writes them, hex in upper
 * case, instants to the second with {@code Z}, and an empty {@code advisoryIDs} left out, as Intel
 * leaves it out. What the model does not hold is not written: the case of hex digits, another key
 * order, spacing, keys the parsers do not read; a document with them comes back equal as a model
 * but not byte for byte.
 */
final class CollateralJsonWriter {
  private static final JsonFactory FACTORY = new JsonFactory();
  private static final DateTimeFormatter INTEL_DATE =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);

  private CollateralJsonWriter() {}

  @FunctionalInterface
  private interface Body {
    void write(JsonGenerator g) throws IOException;
  }

  private static String write(Body body) {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      body.write(g);
    } catch (IOException e) {
      throw new UncheckedIOException("writing JSON to a string cannot fail", e);
    }
    return out.toString();
  }

  /** TCB info: version 3 with its {@code id} (and for TDX the module fields), or version 2. */
  static String tcbInfo(TcbInfo t) {
    boolean v2 = t.version() == 2;
    return write(g -> {
      g.writeStartObject();
      if (!v2) {
        g.writeStringField("id", t.id().name());
      }
      g.writeNumberField("version", t.version());
      date(g, "issueDate", t.issueDate());
      date(g, "nextUpdate", t.nextUpdate());
      hex(g, "fmspc", t.fmspc());
      hex(g, "pceId", t.pceId());
      g.writeNumberField("tcbType", t.tcbType());
      g.writeNumberField("tcbEvaluationDataNumber", t.tcbEvaluationDataNumber());
      if (t.tdxModule().isPresent()) {
        g.writeFieldName("tdxModule");
        g.writeStartObject();
        module(g, t.tdxModule().get());
        g.writeEndObject();
      }
      if (!t.tdxModuleIdentities().isEmpty()) {
        g.writeArrayFieldStart("tdxModuleIdentities");
        for (TdxModuleIdentity m : t.tdxModuleIdentities()) {
          g.writeStartObject();
          g.writeStringField("id", m.id());
          module(g, m.module());
          enclaveLevels(g, m.tcbLevels());
          g.writeEndObject();
        }
        g.writeEndArray();
      }
      g.writeArrayFieldStart("tcbLevels");
      for (TcbLevel l : t.tcbLevels()) {
        g.writeStartObject();
        g.writeObjectFieldStart("tcb");
        if (v2) {
          for (int i = 0; i < TcbLevel.COMPONENT_COUNT; i++) {
            g.writeNumberField(String.format(Locale.ROOT, "sgxtcbcomp%02dsvn", i + 1), l.sgxComponent(i));
          }
          g.writeNumberField("pcesvn", l.pceSvn());
        } else {
          components(g, "sgxtcbcomponents", l.sgxComponents(), l.sgxLabels());
          g.writeNumberField("pcesvn", l.pceSvn());
          if (l.tdxComponents().isPresent()) {
            components(g, "tdxtcbcomponents", l.tdxComponents().get(), l.tdxLabels());
          }
        }
        g.writeEndObject();
        levelTail(g, l.tcbDate(), l.tcbStatus(), l.advisoryIds());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    });
  }

  /** Enclave identity version 2 (QE, TD_QE or QVE). */
  static String qeIdentity(QeIdentity q) {
    return write(g -> {
      g.writeStartObject();
      g.writeStringField("id", q.id().name());
      g.writeNumberField("version", q.version());
      date(g, "issueDate", q.issueDate());
      date(g, "nextUpdate", q.nextUpdate());
      g.writeNumberField("tcbEvaluationDataNumber", q.tcbEvaluationDataNumber());
      hex(g, "miscselect", q.miscselect());
      hex(g, "miscselectMask", q.miscselectMask());
      hex(g, "attributes", q.attributes());
      hex(g, "attributesMask", q.attributesMask());
      hex(g, "mrsigner", q.mrSigner());
      g.writeNumberField("isvprodid", q.isvProdId());
      enclaveLevels(g, q.tcbLevels());
      g.writeEndObject();
    });
  }

  private static void module(JsonGenerator g, TdxModule m) throws IOException {
    hex(g, "mrsigner", m.mrSigner());
    hex(g, "attributes", m.attributes());
    hex(g, "attributesMask", m.attributesMask());
  }

  private static void enclaveLevels(JsonGenerator g, List<EnclaveTcbLevel> levels) throws IOException {
    g.writeArrayFieldStart("tcbLevels");
    for (EnclaveTcbLevel l : levels) {
      g.writeStartObject();
      g.writeObjectFieldStart("tcb");
      g.writeNumberField("isvsvn", l.isvSvn());
      g.writeEndObject();
      levelTail(g, l.tcbDate(), l.tcbStatus(), l.advisoryIds());
      g.writeEndObject();
    }
    g.writeEndArray();
  }

  private static void levelTail(JsonGenerator g, Instant tcbDate, TcbStatus status, List<String> advisoryIds)
      throws IOException {
    date(g, "tcbDate", tcbDate);
    g.writeStringField("tcbStatus", status.intelName());
    if (!advisoryIds.isEmpty()) {
      g.writeArrayFieldStart("advisoryIDs");
      for (String id : advisoryIds) {
        g.writeString(id);
      }
      g.writeEndArray();
    }
  }

  private static void components(JsonGenerator g, String key, List<Integer> svns, List<TcbLevel.ComponentLabel> labels)
      throws IOException {
    g.writeArrayFieldStart(key);
    for (int i = 0; i < svns.size(); i++) {
      g.writeStartObject();
      g.writeNumberField("svn", svns.get(i));
      TcbLevel.ComponentLabel label = labels.get(i);
      if (label.category().isPresent()) {
        g.writeStringField("category", label.category().get());
      }
      if (label.type().isPresent()) {
        g.writeStringField("type", label.type().get());
      }
      g.writeEndObject();
    }
    g.writeEndArray();
  }

  private static void hex(JsonGenerator g, String key, Bytes b) throws IOException {
    g.writeStringField(key, b.hex().toUpperCase(Locale.ROOT));
  }

  private static void date(JsonGenerator g, String key, Instant t) throws IOException {
    g.writeStringField(key, INTEL_DATE.format(t.truncatedTo(ChronoUnit.SECONDS)));
  }
}
