package dev.dcapd.verifier.json;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcapd.verifier.verify.Failure;
import dev.dcapd.verifier.verify.Verdict;
import java.time.Instant;
import java.util.Optional;

/**
 * The JSON rendering of a {@link Verdict}, one shape for the CLI and HTTP: snake_case keys, every
 * key always present ({@code null} when the verification stopped before that evidence), byte
 * strings as {@code 0x}-prefixed lower-case hex, instants as ISO-8601 UTC, statuses with Intel's
 * names, {@code failure} {@code null} or {@code {code, message}}.
 */
public final class VerdictJson {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private VerdictJson() {}

  public static ObjectNode render(Verdict v) {
    ObjectNode n = F.objectNode();
    n.put("success", v.success());
    n.put("tcb_status", v.tcbStatus().map(s -> s.intelName()).orElse(null));
    ArrayNode advisories = n.putArray("advisory_ids");
    v.advisoryIds().forEach(advisories::add);
    if (v.failure().isPresent()) {
      Failure f = v.failure().get();
      ObjectNode fn = n.putObject("failure");
      fn.put("code", f.code().name());
      fn.put("kind", f.code().kind().name());
      fn.put("message", f.message());
    } else {
      n.putNull("failure");
    }
    n.put("checksum", v.checksum());
    n.put("quote_version", v.quoteVersion());
    n.put("tee_type", v.teeType().name());
    n.put("fmspc", v.fmspc().map(b -> b.hex0x()).orElse(null));
    n.put("pce_id", v.pceId().map(b -> b.hex0x()).orElse(null));
    n.put("ca", v.caType().map(c -> c.pcsName()).orElse(null));
    n.put("tcb_date", instant(v.tcbDate()));
    n.put("qe_identity_status", v.qeIdentityStatus().map(s -> s.intelName()).orElse(null));
    n.put("verified_at", v.verifiedAt().toString());
    n.put("earliest_expiry", instant(v.earliestExpiry()));
    n.put("collateral_expired", v.collateralExpired());
    n.put("collateral_id", v.collateralId());
    n.put("insecure_root", v.insecureRoot());
    return n;
  }

  private static String instant(Optional<Instant> i) {
    return i.map(Instant::toString).orElse(null);
  }
}
