package dev.dcapd.verifier.policy;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.collateral.TcbStatus;
import dev.dcapd.verifier.quote.EnclaveReport;
import dev.dcapd.verifier.quote.Quote;
import dev.dcapd.verifier.quote.QuoteBody;
import dev.dcapd.verifier.quote.TdReport;
import dev.dcapd.verifier.verify.Verdict;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Applies a {@link Policy} to a verdict and the quote it is about: a pure function of the two, the
 * collateral and the instant, so the daemon, a client, the sidecar and on-chain exporters reach the
 * same answer.
 *
 * <p>The measurements are read from the parsed quote, never from a server's rendering of it, and
 * the verdict must name that quote's checksum: a verdict for one quote cannot vouch for another.
 */
public final class PolicyCheck {
  /** TD_ATTRIBUTES.DEBUG: bit 0 of the little-endian field. */
  static final int TD_DEBUG_BYTE = 0;
  static final int TD_DEBUG_BIT = 0x01;
  /** SGX ATTRIBUTES.DEBUG: bit 1 of the flags. */
  static final int SGX_DEBUG_BYTE = 0;
  static final int SGX_DEBUG_BIT = 0x02;

  private PolicyCheck() {}

  /**
   * Returns {@code quote} if {@code verdict} is a success for it and it satisfies every rule of
   * {@code policy} at {@code now}; otherwise throws naming the first rule broken. Rules that need
   * collateral (its age) count as broken.
   */
  public static Quote check(Policy policy, Verdict verdict, Quote quote, Instant now) throws PolicyException {
    if (!verdict.success()) {
      throw new PolicyException(PolicyViolation.NOT_VERIFIED,
          "the quote did not verify: " + verdict.failureCode().orElse("no status"));
    }
    List<Violation> v = violations(policy, verdict, quote, Optional.empty(), now);
    if (!v.isEmpty()) {
      throw new PolicyException(v.get(0).code(), v.get(0).message());
    }
    return quote;
  }

  /** Whether a quote comes from a debug TD or a debug enclave. */
  public static boolean isDebug(Quote quote) {
    QuoteBody body = quote.body();
    if (body instanceof TdReport td) {
      return (td.tdAttributes().unsigned(TD_DEBUG_BYTE) & TD_DEBUG_BIT) != 0;
    }
    return (((EnclaveReport) body).attributes().unsigned(SGX_DEBUG_BYTE) & SGX_DEBUG_BIT) != 0;
  }

  /**
   * Judges {@code verdict} by {@code policy}: every rule the quote breaks, when it verified; none
   * when it did not (its own failure stands).
   *
   * @param collateral what the verdict rests on, for the collateral-age rule
   */
  public static Appraisal appraise(Policy policy, Verdict verdict, Quote quote, Optional<QuoteCollateral> collateral,
      Instant now) {
    List<Violation> v = verdict.success() ? violations(policy, verdict, quote, collateral, now) : List.of();
    return new Appraisal(verdict, policy.name(), policy.sha256(), v);
  }

  /** Every rule of {@code policy} broken by a successful {@code verdict} on {@code quote}, in order. */
  static List<Violation> violations(Policy policy, Verdict verdict, Quote quote, Optional<QuoteCollateral> collateral,
      Instant now) {
    List<Violation> out = new ArrayList<>();
    String checksum = quote.checksumHex();
    if (!checksum.equals(verdict.checksum())) {
      out.add(new Violation(PolicyViolation.QUOTE_MISMATCH,
          "the verdict is for quote " + verdict.checksum() + ", not " + checksum));
      return out;
    }
    if (verdict.insecureRoot() && !policy.insecureAllowNonIntelRoot()) {
      out.add(new Violation(PolicyViolation.INSECURE_ROOT, "the verdict was not anchored in the Intel SGX Root CA"));
    }
    if (isDebug(quote) && !policy.insecureAllowDebug()) {
      out.add(new Violation(PolicyViolation.DEBUG_NOT_ALLOWED, quote.teeType() == dev.dcapd.verifier.quote.TeeType.TDX
          ? "the TD has TD_ATTRIBUTES.DEBUG set: its host can read and write its memory"
          : "the enclave has ATTRIBUTES.DEBUG set: its host can read and write its memory"));
    }
    checkTcb(policy, verdict, now, out);
    checkCollateralAge(policy, verdict, collateral, now, out);
    if (policy.teeType().isPresent() && quote.teeType() != policy.teeType().get()) {
      out.add(new Violation(PolicyViolation.TEE_TYPE,
          "TEE type " + quote.teeType() + ", the policy requires " + policy.teeType().get()));
    }
    checkBody(policy, quote.body(), out);
    return out;
  }

  private static void checkTcb(Policy policy, Verdict verdict, Instant now, List<Violation> out) {
    // A successful verdict always has a status (Verdict's invariant); the orElse keeps this fail-closed.
    TcbStatus status = verdict.tcbStatus().orElse(TcbStatus.REVOKED);
    if (!policy.acceptedTcbStatuses().contains(status)) {
      out.add(new Violation(PolicyViolation.TCB_STATUS, "TCB status " + status.intelName()
          + " is not one the policy accepts (" + policy.acceptedTcbStatuses().stream().map(TcbStatus::intelName).toList() + ")"));
    } else if (Policy.outOfDate(status) && policy.outOfDateGrace().isPresent()) {
      outOfDateGrace(policy, verdict, status, now, out);
    }
    if (policy.allowedAdvisoryIds().isPresent()) {
      Set<String> allowed = policy.allowedAdvisoryIds().get();
      for (String id : verdict.advisoryIds()) {
        if (!allowed.contains(id)) {
          out.add(new Violation(PolicyViolation.ADVISORY, "advisory " + id + " is not allowed by the policy"));
          break;
        }
      }
    }
    if (policy.maxAge().isPresent()) {
      Instant oldest = now.minus(policy.maxAge().get());
      if (verdict.verifiedAt().isBefore(oldest) || verdict.verifiedAt().isAfter(now)) {
        out.add(new Violation(PolicyViolation.TOO_OLD,
            "verified at " + verdict.verifiedAt() + ", the policy accepts " + oldest + " to " + now));
      }
    }
  }

  /**
   * An accepted out-of-date status within the policy's grace: until {@code grace} after the matched
   * platform level's {@code tcbDate}. The verdict records no date for the QE's level, so a platform
   * out of date because of its QE gets no grace; neither does a verdict without a TCB date.
   */
  private static void outOfDateGrace(Policy policy, Verdict verdict, TcbStatus status, Instant now,
      List<Violation> out) {
    String grace = policy.outOfDateGrace().get().toString();
    if (verdict.qeIdentityStatus().map(s -> s != TcbStatus.UP_TO_DATE).orElse(true)) {
      out.add(new Violation(PolicyViolation.TCB_STATUS, "TCB status " + status.intelName() + " with QE identity status "
          + verdict.qeIdentityStatus().map(TcbStatus::intelName).orElse("unknown")
          + ": the grace of " + grace + " counts from the platform's TCB date only, and the QE's is not known"));
      return;
    }
    if (verdict.tcbDate().isEmpty()) {
      out.add(new Violation(PolicyViolation.TCB_STATUS,
          "TCB status " + status.intelName() + " without a TCB date: its grace of " + grace + " cannot be counted"));
      return;
    }
    Instant end = verdict.tcbDate().get().plus(policy.outOfDateGrace().get());
    if (now.isAfter(end)) {
      out.add(new Violation(PolicyViolation.TCB_STATUS, "TCB status " + status.intelName() + " since TCB date "
          + verdict.tcbDate().get() + ": the policy's grace of " + grace + " ended at " + end));
    }
  }

  private static void checkCollateralAge(Policy policy, Verdict verdict, Optional<QuoteCollateral> collateral,
      Instant now, List<Violation> out) {
    if (policy.maxCollateralAge().isEmpty()) {
      return;
    }
    if (collateral.isEmpty()) {
      out.add(new Violation(PolicyViolation.COLLATERAL_TOO_OLD, "the policy limits the collateral's age; none was given"));
      return;
    }
    // Otherwise fresh collateral could vouch for a verdict computed against old collateral.
    if (!collateral.get().id().equals(verdict.collateralId())) {
      out.add(new Violation(PolicyViolation.COLLATERAL_MISMATCH, "the verdict rests on collateral "
          + verdict.collateralId() + ", not on the collateral " + collateral.get().id() + " given"));
      return;
    }
    Optional<Instant> read = VerdictLifetime.oldestIssue(collateral.get());
    if (read.isEmpty()) {
      out.add(new Violation(PolicyViolation.COLLATERAL_TOO_OLD, "the collateral's issue dates cannot be read"));
      return;
    }
    Instant issued = read.get();
    Instant oldest = now.minus(policy.maxCollateralAge().get());
    if (issued.isBefore(oldest)) {
      out.add(new Violation(PolicyViolation.COLLATERAL_TOO_OLD,
          "collateral issued " + issued + ", the policy accepts collateral issued from " + oldest));
    }
  }

  private static void checkBody(Policy policy, QuoteBody body, List<Violation> out) {
    Bytes reportData;
    if (body instanceof TdReport td) {
      if (policy.hasSgxRules() && !policy.hasTdxRules()) {
        out.add(new Violation(PolicyViolation.TEE_TYPE, "the policy names SGX rules only, the quote is TDX"));
      }
      require(policy.mrTd(), td.mrTd(), PolicyViolation.MRTD, "MRTD", out);
      for (int i = 0; i < td.rtmrs().size(); i++) {
        require(policy.rtmr(i), td.rtmr(i), PolicyViolation.RTMR, "RTMR" + i, out);
      }
      require(policy.mrConfigId(), td.mrConfigId(), PolicyViolation.MRCONFIGID, "MRCONFIGID", out);
      require(policy.mrOwner(), td.mrOwner(), PolicyViolation.MROWNER, "MROWNER", out);
      require(policy.mrOwnerConfig(), td.mrOwnerConfig(), PolicyViolation.MROWNERCONFIG, "MROWNERCONFIG", out);
      masked(policy.tdAttributes(), td.tdAttributes(), PolicyViolation.TD_ATTRIBUTES, "TD attributes", out);
      masked(policy.xfam(), td.xfam(), PolicyViolation.XFAM, "XFAM", out);
      if (policy.minimumTeeTcbSvn().isPresent()) {
        Bytes min = policy.minimumTeeTcbSvn().get();
        for (int i = 0; i < min.length(); i++) {
          if (td.teeTcbSvn().unsigned(i) < min.unsigned(i)) {
            out.add(new Violation(PolicyViolation.TEE_TCB_SVN, "TEE TCB SVN " + td.teeTcbSvn().hex0x()
                + " is below the minimum " + min.hex0x() + " at component " + i));
            break;
          }
        }
      }
      reportData = td.reportData();
    } else {
      EnclaveReport sgx = (EnclaveReport) body;
      if (policy.hasTdxRules() && !policy.hasSgxRules()) {
        out.add(new Violation(PolicyViolation.TEE_TYPE, "the policy names TDX rules only, the quote is SGX"));
      }
      require(policy.mrEnclave(), sgx.mrEnclave(), PolicyViolation.MRENCLAVE, "MRENCLAVE", out);
      require(policy.mrSigner(), sgx.mrSigner(), PolicyViolation.MRSIGNER, "MRSIGNER", out);
      masked(policy.sgxAttributes(), sgx.attributes(), PolicyViolation.SGX_ATTRIBUTES, "ATTRIBUTES", out);
      long m = sgx.miscSelect();
      masked(policy.miscSelect(), Bytes.of(new byte[] {(byte) m, (byte) (m >>> 8), (byte) (m >>> 16), (byte) (m >>> 24)}),
          PolicyViolation.MISCSELECT, "MISCSELECT", out);
      if (policy.isvProdId().isPresent() && sgx.isvProdId() != policy.isvProdId().get()) {
        out.add(new Violation(PolicyViolation.ISV_PROD_ID,
            "ISVPRODID " + sgx.isvProdId() + ", the policy requires " + policy.isvProdId().get()));
      }
      if (policy.minimumIsvSvn().isPresent() && sgx.isvSvn() < policy.minimumIsvSvn().get()) {
        out.add(new Violation(PolicyViolation.ISV_SVN,
            "ISVSVN " + sgx.isvSvn() + " is below the policy's minimum " + policy.minimumIsvSvn().get()));
      }
      reportData = sgx.reportData();
    }
    if (policy.reportData().isPresent() && !policy.reportData().get().constantTimeEquals(reportData)) {
      out.add(new Violation(PolicyViolation.REPORT_DATA, "report data " + reportData.hex() + " is not the one required"));
    }
  }

  private static void require(Set<Bytes> allowed, Bytes actual, PolicyViolation violation, String name,
      List<Violation> out) {
    if (!allowed.isEmpty() && !allowed.contains(actual)) {
      out.add(new Violation(violation, name + " " + actual.hex() + " is not one the policy allows"));
    }
  }

  private static void masked(Optional<Masked> rule, Bytes actual, PolicyViolation violation, String name,
      List<Violation> out) {
    if (rule.isPresent() && !rule.get().matches(actual)) {
      out.add(new Violation(violation, name + " " + actual.hex0x() + " under mask " + rule.get().mask().hex0x()
          + " is not " + rule.get().value().hex0x()));
    }
  }

}
