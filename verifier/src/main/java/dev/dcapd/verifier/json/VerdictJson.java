package dev.dcapd.verifier.json;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcapd.verifier.FailureCode;
import dev.dcapd.verifier.policy.Appraisal;
import dev.dcapd.verifier.policy.Violation;
import dev.dcapd.verifier.verify.Failure;
import dev.dcapd.verifier.verify.Verdict;
import java.time.Instant;
import java.util.Optional;

/**
 * The JSON rendering of a {@link Verdict}, one shape for the CLI and HTTP: snake_case keys, every
 * key always present ({@code null} when the verification stopped before that evidence), byte
 * strings as {@code 0x}-prefixed lower-case hex, {@code tee_type} as Phala spells it
 * ({@code TEE_TDX}), instants as ISO-8601 UTC, statuses with Intel's
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
    n.put("tee_type", v.teeType().apiName());
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

  /**
   * A verdict judged by a policy: {@link #render(Verdict)} with the appraisal's {@code success} and
   * {@code failure} (the verdict's own, else {@code DEBUG_NOT_ALLOWED} or {@code POLICY_VIOLATION}),
   * then {@code policy: {name, sha256}} and {@code violations: [{code, message}]}.
   */
  public static ObjectNode render(Appraisal a) {
    ObjectNode n = render(a.verdict());
    n.put("success", a.success());
    if (a.verdict().success() && !a.success()) {
      ObjectNode fn = n.putObject("failure");
      FailureCode code = a.failureCode().orElseThrow();
      fn.put("code", code.name());
      fn.put("kind", code.kind().name());
      fn.put("message", a.failureMessage().orElse(""));
    }
    ObjectNode policy = n.putObject("policy");
    policy.put("name", a.policyName());
    policy.put("sha256", a.policySha256());
    ArrayNode violations = n.putArray("violations");
    for (Violation v : a.violations()) {
      ObjectNode vn = violations.addObject();
      vn.put("code", v.code().name());
      vn.put("message", v.message());
    }
    return n;
  }

  private static String instant(Optional<Instant> i) {
    return i.map(Instant::toString).orElse(null);
  }
}
