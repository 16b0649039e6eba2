package dev.dcapd.daemon.http;

import dev.dcapd.verifier.FailureCode;
import dev.dcapd.verifier.collateral.TcbStatus;
import java.util.Optional;

/**
 * What a verdict's codes mean, in a sentence a person can act on, for the report pages. The codes
 * themselves stay on the page beside these words: they are what a program branches on.
 */
final class PlainWords {
  private PlainWords() {}

  /** A failure code in words: its own sentence where it has one, else its kind's. */
  static String failure(String code) {
    Optional<FailureCode> known = failureCode(code);
    if (known.isEmpty()) {
      return "The quote was not accepted.";
    }
    return switch (known.get()) {
      case INVALID_QUOTE_SIGNATURE ->
          "The quote's signature does not match its contents: it was changed after the quoting enclave signed it, "
              + "or it was never signed by one.";
      case INVALID_QE_REPORT_SIGNATURE, INVALID_QE_REPORT_DATA ->
          "The quoting enclave's report is not bound to the attestation key by Intel's certified platform key.";
      case PCK_CHAIN_UNTRUSTED -> "The platform's certificate chain does not lead to the trusted Intel root.";
      case PCK_REVOKED, INTERMEDIATE_CA_REVOKED -> "Intel has revoked a certificate this platform's attestation rests on.";
      case TCB_REVOKED -> "Intel has revoked this platform's TCB level: nothing it attests can be trusted.";
      case TCB_NOT_SUPPORTED -> "The platform's TCB level is not in Intel's TCB info: Intel no longer stands behind it.";
      case TDX_MODULE_MISMATCH -> "The TDX module that produced the report is not one Intel's collateral names.";
      case COLLATERAL_EXPIRED -> "The collateral the quote was judged against had expired by then.";
      case COLLATERAL_NOT_YET_VALID -> "The collateral the quote was judged against was not yet valid then.";
      case CERTIFICATE_EXPIRED -> "A certificate the quote rests on was not valid at the time it was judged.";
      case DEBUG_NOT_ALLOWED ->
          "The quote comes from a debug TD or enclave: its host can read and change its memory, so it proves nothing.";
      case POLICY_VIOLATION -> "The quote verified, but breaks a rule of the policy in force (listed below).";
      case COLLATERAL_UNAVAILABLE -> "No collateral could be had for the quote's platform, so no verdict was reached.";
      default -> kind(known.get().kind());
    };
  }

  private static String kind(FailureCode.Kind kind) {
    return switch (kind) {
      case MALFORMED -> "The quote or its collateral is not well formed.";
      case UNTRUSTED -> "The quote is well formed, but its evidence does not hold.";
      case STALE -> "The evidence was valid once, but not at the instant the quote was judged.";
      case UNAVAILABLE -> "A verdict could not be reached: something it needs could not be had.";
    };
  }

  /** A TCB status (Intel's spelling) in words; empty for a name Intel does not use. */
  static Optional<String> tcbStatus(String intelName) {
    return TcbStatus.fromIntelName(intelName).map(s -> switch (s) {
      case UP_TO_DATE -> "The platform is patched to Intel's latest TCB level.";
      case SW_HARDENING_NEEDED ->
          "The platform is patched, but the software inside must mitigate the advisories listed.";
      case CONFIGURATION_NEEDED -> "The platform is patched, but its configuration must change (see the advisories).";
      case CONFIGURATION_AND_SW_HARDENING_NEEDED ->
          "The platform is patched, but its configuration must change and the software must mitigate the advisories.";
      case TD_RELAUNCH_ADVISED -> "The platform is patched, but the TD was started on an older TDX module: relaunch it.";
      case TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED ->
          "The TD was started on an older TDX module (relaunch it) and the platform's configuration must change.";
      case OUT_OF_DATE -> "The platform is behind Intel's latest TCB level: updates for the advisories listed exist.";
      case OUT_OF_DATE_CONFIGURATION_NEEDED ->
          "The platform is behind Intel's latest TCB level, and its configuration must change too.";
      case REVOKED -> "Intel has revoked this TCB level.";
    });
  }

  private static Optional<FailureCode> failureCode(String code) {
    try {
      return Optional.of(FailureCode.valueOf(code));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
