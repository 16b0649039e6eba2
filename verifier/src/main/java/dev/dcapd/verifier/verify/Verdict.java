package dev.dcapd.verifier.verify;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.collateral.TcbStatus;
import dev.dcapd.verifier.pck.CaType;
import dev.dcapd.verifier.quote.TeeType;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The answer to one verification (DESIGN.md, "The verdict"): whether the quote is accepted, its
 * TCB status and advisories, the failure if not, and the evidence a relying party needs without
 * re-parsing the quote.
 *
 * <p>{@code tcbStatus} is present whenever the TCB evaluation completed, also when a later time
 * check failed: with {@code collateralExpired} it gives Intel QvE's view, which only flags expiry.
 * Evidence not reached before a failure is empty.
 *
 * @param success every check passed and the TCB is not revoked
 * @param tcbStatus the converged TCB status (platform, TDX module, QE)
 * @param advisoryIds the matched levels' advisory ids, de-duplicated, platform level first
 * @param failure the first check that failed, absent on success
 * @param checksum lower-case hex SHA-256 of the quote's raw bytes
 * @param tcbDate the matched platform TCB level's date
 * @param qeIdentityStatus the status of the QE identity level the QE's ISVSVN matched
 * @param verifiedAt the instant the quote was judged at
 * @param earliestExpiry the earliest nextUpdate/notAfter among the collateral and PCK chain used
 * @param collateralExpired whether {@code verifiedAt} is at or after {@code earliestExpiry} (Intel
 *     QvE's {@code collateral_expiration_status}, earliest expiration {@code <=} instant); at exactly
 *     that instant every piece is still valid, so the flag can be set on a successful verdict
 * @param collateralId {@code QuoteCollateral.id()} of the collateral used
 * @param insecureRoot whether the trust anchor was not the pinned Intel root
 */
public record Verdict(
    boolean success,
    Optional<TcbStatus> tcbStatus,
    List<String> advisoryIds,
    Optional<Failure> failure,
    String checksum,
    int quoteVersion,
    TeeType teeType,
    Optional<Bytes> fmspc,
    Optional<Bytes> pceId,
    Optional<CaType> caType,
    Optional<Instant> tcbDate,
    Optional<TcbStatus> qeIdentityStatus,
    Instant verifiedAt,
    Optional<Instant> earliestExpiry,
    boolean collateralExpired,
    String collateralId,
    boolean insecureRoot) {

  public Verdict {
    Objects.requireNonNull(tcbStatus, "tcbStatus");
    advisoryIds = List.copyOf(advisoryIds);
    Objects.requireNonNull(failure, "failure");
    Objects.requireNonNull(checksum, "checksum");
    Objects.requireNonNull(teeType, "teeType");
    Objects.requireNonNull(fmspc, "fmspc");
    Objects.requireNonNull(pceId, "pceId");
    Objects.requireNonNull(caType, "caType");
    Objects.requireNonNull(tcbDate, "tcbDate");
    Objects.requireNonNull(qeIdentityStatus, "qeIdentityStatus");
    Objects.requireNonNull(verifiedAt, "verifiedAt");
    Objects.requireNonNull(earliestExpiry, "earliestExpiry");
    Objects.requireNonNull(collateralId, "collateralId");
    if (success == failure.isPresent()) {
      throw new IllegalArgumentException("a verdict succeeds exactly when it has no failure");
    }
    if (success && (tcbStatus.isEmpty() || tcbStatus.get() == TcbStatus.REVOKED)) {
      throw new IllegalArgumentException("a successful verdict has a TCB status other than Revoked");
    }
  }

  /** The failure code's name, if the verdict failed. */
  public Optional<String> failureCode() {
    return failure.map(f -> f.code().name());
  }
}
