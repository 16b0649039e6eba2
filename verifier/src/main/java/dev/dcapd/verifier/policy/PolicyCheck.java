package dev.dcapd.verifier.policy;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.collateral.TcbStatus;
import dev.dcapd.verifier.quote.EnclaveReport;
import dev.dcapd.verifier.quote.Quote;
import dev.dcapd.verifier.quote.QuoteBody;
import dev.dcapd.verifier.quote.QuoteLayout;
import dev.dcapd.verifier.quote.TdReport;
import dev.dcapd.verifier.verify.Verdict;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Set;

/**
 * Applies a {@link Policy} to a verdict and the quote it is about: a pure function of the two and
 * the instant, so a client, the sidecar and on-chain exporters reach the same answer.
 *
 * <p>The measurements are read from the parsed quote, never from a server's rendering of it, and
 * the verdict must name that quote's checksum: a verdict for one quote cannot vouch for another.
 */
public final class PolicyCheck {
  private PolicyCheck() {}

  /**
   * Returns {@code quote} if {@code verdict} is a success for it and it satisfies every rule of
   * {@code policy} at {@code now}; otherwise throws naming the first rule broken.
   */
  public static Quote check(Policy policy, Verdict verdict, Quote quote, Instant now) throws PolicyException {
    if (!verdict.success()) {
      throw new PolicyException(PolicyViolation.NOT_VERIFIED,
          "the quote did not verify: " + verdict.failureCode().orElse("no status"));
    }
    String checksum = sha256Hex(quote.raw());
    if (!checksum.equals(verdict.checksum())) {
      throw new PolicyException(PolicyViolation.QUOTE_MISMATCH,
          "the verdict is for quote " + verdict.checksum() + ", not " + checksum);
    }
    if (verdict.insecureRoot() && !policy.insecureAllowNonIntelRoot()) {
      throw new PolicyException(PolicyViolation.INSECURE_ROOT, "the verdict was not anchored in the Intel SGX Root CA");
    }
    checkTcb(policy, verdict, now);
    if (policy.teeType().isPresent() && quote.teeType() != policy.teeType().get()) {
      throw new PolicyException(PolicyViolation.TEE_TYPE,
          "TEE type " + quote.teeType() + ", the policy requires " + policy.teeType().get());
    }
    checkBody(policy, quote.body());
    return quote;
  }

  private static void checkTcb(Policy policy, Verdict verdict, Instant now) throws PolicyException {
    // A successful verdict always has a status (Verdict's invariant); the orElse keeps this fail-closed.
    TcbStatus status = verdict.tcbStatus().orElse(TcbStatus.REVOKED);
    if (status.ordinal() > policy.minimumTcbStatus().ordinal()) {
      throw new PolicyException(PolicyViolation.TCB_STATUS,
          "TCB status " + status + " is worse than the policy's minimum " + policy.minimumTcbStatus());
    }
    if (policy.allowedAdvisoryIds().isPresent()) {
      Set<String> allowed = policy.allowedAdvisoryIds().get();
      for (String id : verdict.advisoryIds()) {
        if (!allowed.contains(id)) {
          throw new PolicyException(PolicyViolation.ADVISORY, "advisory " + id + " is not allowed by the policy");
        }
      }
    }
    if (policy.maxAge().isPresent()) {
      Instant oldest = now.minus(policy.maxAge().get());
      if (verdict.verifiedAt().isBefore(oldest) || verdict.verifiedAt().isAfter(now)) {
        throw new PolicyException(PolicyViolation.TOO_OLD,
            "verified at " + verdict.verifiedAt() + ", the policy accepts " + oldest + " to " + now);
      }
    }
  }

  private static void checkBody(Policy policy, QuoteBody body) throws PolicyException {
    Bytes reportData;
    if (body instanceof TdReport td) {
      if (!policy.mrEnclave().isEmpty() || !policy.mrSigner().isEmpty()) {
        throw new PolicyException(PolicyViolation.TEE_TYPE, "the policy names SGX measurements, the quote is TDX");
      }
      require(policy.mrTd(), td.mrTd(), PolicyViolation.MRTD, "MRTD");
      for (int i = 0; i < td.rtmrs().size(); i++) {
        require(policy.rtmr(i), td.rtmr(i), PolicyViolation.RTMR, "RTMR" + i);
      }
      reportData = td.reportData();
    } else {
      EnclaveReport sgx = (EnclaveReport) body;
      if (!policy.mrTd().isEmpty() || anyRtmr(policy)) {
        throw new PolicyException(PolicyViolation.TEE_TYPE, "the policy names TDX measurements, the quote is SGX");
      }
      require(policy.mrEnclave(), sgx.mrEnclave(), PolicyViolation.MRENCLAVE, "MRENCLAVE");
      require(policy.mrSigner(), sgx.mrSigner(), PolicyViolation.MRSIGNER, "MRSIGNER");
      reportData = sgx.reportData();
    }
    if (policy.reportData().isPresent() && !policy.reportData().get().constantTimeEquals(reportData)) {
      throw new PolicyException(PolicyViolation.REPORT_DATA, "report data " + reportData.hex() + " is not the one required");
    }
  }

  private static boolean anyRtmr(Policy policy) {
    for (int i = 0; i < QuoteLayout.TD_RTMR_COUNT; i++) {
      if (!policy.rtmr(i).isEmpty()) {
        return true;
      }
    }
    return false;
  }

  private static void require(Set<Bytes> allowed, Bytes actual, PolicyViolation violation, String name)
      throws PolicyException {
    if (!allowed.isEmpty() && !allowed.contains(actual)) {
      throw new PolicyException(violation, name + " " + actual.hex() + " is not one the policy allows");
    }
  }

  private static String sha256Hex(Bytes raw) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      raw.updateDigest(d);
      return HexFormat.of().formatHex(d.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }
}
