package dev.dcapd.testkit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcapd.verifier.FailureCode;
import dev.dcapd.verifier.collateral.TcbStatus;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The outcome a correct verifier gives for a forged case: success with a TCB status and advisory
 * IDs, or a failure code. A revoked TCB is a failure ({@code TCB_REVOKED}) that still names its
 * status {@code Revoked} (and the revoked level's advisory IDs). For every other failure the status
 * and advisory IDs are not part of the expectation: a verifier may report what it computed before
 * the failing check (Intel's QvE does so for expired collateral), and tests compare codes only.
 */
public record Expected(
    boolean success, Optional<String> tcbStatus, List<String> advisoryIds, Optional<FailureCode> failure) {

  public Expected {
    advisoryIds = List.copyOf(advisoryIds);
    if (success == failure.isPresent() || (success && tcbStatus.isEmpty())) {
      throw new IllegalArgumentException("success needs a status and no failure; failure needs a code");
    }
  }

  static Expected success(TcbStatus status, List<String> advisoryIds) {
    return new Expected(true, Optional.of(status.intelName()), advisoryIds, Optional.empty());
  }

  static Expected failure(FailureCode code, List<String> advisoryIds) {
    Optional<String> status =
        code == FailureCode.TCB_REVOKED ? Optional.of(TcbStatus.REVOKED.intelName()) : Optional.empty();
    return new Expected(false, status, advisoryIds, Optional.of(code));
  }

  /** The failure code's name, or {@code null} on success. */
  public String failureCode() {
    return failure.map(Enum::name).orElse(null);
  }

  /**
   * The {@code expected.json} object: {@code success}, {@code tcb_status} (or null),
   * {@code advisory_ids}, {@code failure} ({@code {"code": …}} or null) and {@code at}.
   */
  public ObjectNode toJson(Instant at) {
    ObjectNode n = Json.MAPPER.createObjectNode();
    n.put("success", success);
    if (tcbStatus.isPresent()) {
      n.put("tcb_status", tcbStatus.get());
    } else {
      n.putNull("tcb_status");
    }
    n.set("advisory_ids", Json.strings(advisoryIds));
    if (failure.isPresent()) {
      n.putObject("failure").put("code", failure.get().name());
    } else {
      n.putNull("failure");
    }
    n.put("at", at.getEpochSecond());
    return n;
  }
}
