package dev.dcapd.daemon.api;

import dev.dcapd.daemon.CollateralProvider;
import dev.dcapd.proto.v1.Failure;
import dev.dcapd.proto.v1.PolicyRef;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.json.QuoteJson;
import dev.dcapd.verifier.policy.Appraisal;
import dev.dcapd.verifier.policy.Policy;
import dev.dcapd.verifier.policy.PolicyCheck;
import dev.dcapd.verifier.policy.VerdictLifetime;
import dev.dcapd.verifier.policy.Violation;
import dev.dcapd.verifier.quote.Quote;
import dev.dcapd.verifier.verify.QuoteVerifier;
import dev.dcapd.verifier.verify.Verdict;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Judges a quote the one way every answer of the daemon is judged: the verifier under the daemon's
 * trust anchor, against the collateral given (else the provider's current collateral), then the
 * policy in force. What it answers names all three, so a stored verdict can later be shown still
 * to hold, or not.
 */
public final class Judge {
  private final QuoteVerifier verifier;
  private final CollateralProvider collateral;
  private final Policy policy;
  private final String trustRoot;

  /**
   * @param policy the policy in force; with an insecure trust anchor the daemon passes one that
   *     accepts that anchor, since it is the daemon's own choice (every verdict reports it)
   */
  public Judge(QuoteVerifier verifier, CollateralProvider collateral, Policy policy) {
    this.verifier = Objects.requireNonNull(verifier, "verifier");
    this.collateral = Objects.requireNonNull(collateral, "collateral");
    this.policy = Objects.requireNonNull(policy, "policy");
    this.trustRoot = verifier.trustAnchor().fingerprint().hex();
  }

  /**
   * A verdict, its appraisal by the policy, the collateral it was computed against (absent if
   * none), and the instant it stops holding by the policy's clocks and the collateral's expiry
   * (absent when nothing bounds it; {@link VerdictLifetime}).
   */
  public record Judgement(Appraisal appraisal, Optional<QuoteCollateral> collateral, Optional<Instant> holdsUntil) {
    public Verdict verdict() {
      return appraisal.verdict();
    }
  }

  /** Hex SHA-256 of the trust anchor's DER. */
  public String trustRoot() {
    return trustRoot;
  }

  public Policy policy() {
    return policy;
  }

  public CollateralProvider collateral() {
    return collateral;
  }

  public QuoteVerifier verifier() {
    return verifier;
  }

  /** Judges {@code quote} at {@code at} against {@code c}. */
  public Judgement judge(Quote quote, QuoteCollateral c, Instant at) {
    Verdict v = verifier.verify(quote, c, at);
    return judgement(PolicyCheck.appraise(policy, v, quote, Optional.of(c), at), Optional.of(c));
  }

  /**
   * The verdict on a quote whose own PCK chain the trust anchor does not vouch for (bad names,
   * issuers or signatures, another root, a malformed leaf): the failure the verifier would answer
   * whatever the collateral, reached without any. Empty when the chain holds (or the quote carries
   * none). The verifier memoises chains, so a chain checked here is not checked again when the
   * quote is judged.
   */
  public Optional<Judgement> untrustedChain(Quote quote, Instant at) {
    try {
      verifier.checkPckChain(quote);
      return Optional.empty();
    } catch (DcapException e) {
      return Optional.of(judgeWithout(quote, e, at));
    }
  }

  /** The verdict on a quote whose collateral could not be named because of the quote itself. */
  public Judgement judgeWithout(Quote quote, DcapException e, Instant at) {
    Optional<Bytes> fmspc = Optional.empty();
    try {
      fmspc = Optional.of(quote.certificationData().pckCertChain().pckExtension().fmspc());
    } catch (DcapException ignored) {
      // No readable PCK extension: the verdict simply has no FMSPC.
    }
    Verdict v = Verdict.builder()
        .failure(dev.dcapd.verifier.verify.Failure.of(e))
        .checksum(QuoteJson.checksum(quote))
        .quoteVersion(quote.version())
        .teeType(quote.teeType())
        .fmspc(fmspc)
        .verifiedAt(at)
        .insecureRoot(verifier.trustAnchor().insecure())
        .build();
    return judgement(PolicyCheck.appraise(policy, v, quote, Optional.empty(), at), Optional.empty());
  }

  private Judgement judgement(Appraisal a, Optional<QuoteCollateral> c) {
    return new Judgement(a, c, VerdictLifetime.holdsUntil(policy, a, c));
  }

  /**
   * Judges with the provider's collateral current at {@code now} ({@code cachedOnly}: only what it
   * holds in memory, else empty so the caller can move to a thread that may wait). Collateral held
   * in memory is used as it is; collateral is fetched only for a quote whose PCK chain the trust
   * anchor vouches for ({@link #untrustedChain}), so no quote a genuine platform did not make
   * causes a request to a collateral source.
   *
   * @throws DcapException {@code COLLATERAL_UNAVAILABLE} when no collateral can be had now,
   *     {@code COLLATERAL_NOT_FOUND} when every source answered that it knows no such platform
   */
  public Optional<Judgement> judgeNow(Quote quote, Instant now, boolean cachedOnly) throws DcapException {
    Optional<QuoteCollateral> ready = collateral.cached(quote, now);
    if (ready.isPresent() || cachedOnly) {
      return ready.map(c -> judge(quote, c, now));
    }
    Optional<Judgement> untrusted = untrustedChain(quote, now);
    if (untrusted.isPresent()) {
      return untrusted;
    }
    QuoteCollateral c;
    try {
      c = collateral.forQuote(quote, now);
    } catch (DcapException e) {
      if (e.code().kind() == FailureCode.Kind.UNAVAILABLE) {
        throw e;
      }
      return Optional.of(judgeWithout(quote, e, now));
    }
    return Optional.of(judge(quote, c, now));
  }

  /** The API's verdict message: the verifier's evidence with the appraisal's outcome, root and policy. */
  public dev.dcapd.proto.v1.Verdict message(Judgement j) {
    Appraisal a = j.appraisal();
    // Reached at its verification instant: current then, and stamped so, so that an answer given
    // at that instant needs no copy of the message.
    dev.dcapd.proto.v1.Verdict.Builder b = ProtoVerdicts.verdictBuilder(a.verdict())
        .setCurrentAt(ProtoVerdicts.timestamp(a.verdict().verifiedAt()))
        .setSuccess(a.success())
        .setTrustRoot(trustRoot)
        .setPolicy(PolicyRef.newBuilder().setName(a.policyName()).setSha256(a.policySha256()));
    j.holdsUntil().ifPresent(t -> b.setHoldsUntil(ProtoVerdicts.timestamp(t)));
    if (!a.success()) {
      b.setFailure(Failure.newBuilder()
          .setCode(a.failureCode().map(FailureCode::name).orElse(FailureCode.POLICY_VIOLATION.name()))
          .setMessage(a.failureMessage().orElse("")));
    }
    for (Violation v : a.violations()) {
      b.addViolations(Failure.newBuilder().setCode(v.code().name()).setMessage(v.message()));
    }
    return b.build();
  }

  /**
   * A verdict's status in one word: its TCB status when it succeeded, else its failure code (the
   * values of {@code VerdictChange.from} and {@code to}).
   */
  public static String status(dev.dcapd.proto.v1.Verdict v) {
    return v.getSuccess() ? v.getTcbStatus() : v.getFailure().getCode();
  }
}
