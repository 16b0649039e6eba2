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
 * <p>Build one with {@link #builder()}: it names every field, derives {@code success} from the
 * absence of a failure, and refuses a verdict without its checksum, quote version, TEE type or
 * instant. The canonical constructor stays public for tests and checks the same invariants.
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

  /** A builder for a verdict; see {@link Builder#build()} for what it refuses. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding every field of this verdict, to build one that differs in a few. */
  public Builder toBuilder() {
    return builder().tcbStatus(tcbStatus).advisoryIds(advisoryIds).failure(failure).checksum(checksum)
        .quoteVersion(quoteVersion).teeType(teeType).fmspc(fmspc).pceId(pceId).caType(caType).tcbDate(tcbDate)
        .qeIdentityStatus(qeIdentityStatus).verifiedAt(verifiedAt).earliestExpiry(earliestExpiry)
        .collateralExpired(collateralExpired).collateralId(collateralId).insecureRoot(insecureRoot);
  }

  /**
   * Builds a {@link Verdict} field by field. Evidence left unset is empty, flags false and the
   * collateral id empty (no collateral was used); the verdict succeeds exactly when no failure is
   * set. Setters taking an {@link Optional} serve callers that map from something that may lack
   * the field; none takes null.
   */
  public static final class Builder {
    private Optional<TcbStatus> tcbStatus = Optional.empty();
    private List<String> advisoryIds = List.of();
    private Optional<Failure> failure = Optional.empty();
    private String checksum;
    private Integer quoteVersion;
    private TeeType teeType;
    private Optional<Bytes> fmspc = Optional.empty();
    private Optional<Bytes> pceId = Optional.empty();
    private Optional<CaType> caType = Optional.empty();
    private Optional<Instant> tcbDate = Optional.empty();
    private Optional<TcbStatus> qeIdentityStatus = Optional.empty();
    private Instant verifiedAt;
    private Optional<Instant> earliestExpiry = Optional.empty();
    private boolean collateralExpired;
    private String collateralId = "";
    private boolean insecureRoot;

    private Builder() {}

    public Builder tcbStatus(TcbStatus s) {
      return tcbStatus(Optional.of(s));
    }

    public Builder tcbStatus(Optional<TcbStatus> s) {
      this.tcbStatus = Objects.requireNonNull(s, "tcbStatus");
      return this;
    }

    public Builder advisoryIds(List<String> ids) {
      this.advisoryIds = List.copyOf(ids);
      return this;
    }

    /** The first check that failed: the verdict does not succeed. */
    public Builder failure(Failure f) {
      return failure(Optional.of(f));
    }

    public Builder failure(Optional<Failure> f) {
      this.failure = Objects.requireNonNull(f, "failure");
      return this;
    }

    public Builder checksum(String hex) {
      this.checksum = Objects.requireNonNull(hex, "checksum");
      return this;
    }

    public Builder quoteVersion(int version) {
      this.quoteVersion = version;
      return this;
    }

    public Builder teeType(TeeType t) {
      this.teeType = Objects.requireNonNull(t, "teeType");
      return this;
    }

    public Builder fmspc(Bytes b) {
      return fmspc(Optional.of(b));
    }

    public Builder fmspc(Optional<Bytes> b) {
      this.fmspc = Objects.requireNonNull(b, "fmspc");
      return this;
    }

    public Builder pceId(Bytes b) {
      return pceId(Optional.of(b));
    }

    public Builder pceId(Optional<Bytes> b) {
      this.pceId = Objects.requireNonNull(b, "pceId");
      return this;
    }

    public Builder caType(CaType c) {
      return caType(Optional.of(c));
    }

    public Builder caType(Optional<CaType> c) {
      this.caType = Objects.requireNonNull(c, "caType");
      return this;
    }

    public Builder tcbDate(Instant d) {
      return tcbDate(Optional.of(d));
    }

    public Builder tcbDate(Optional<Instant> d) {
      this.tcbDate = Objects.requireNonNull(d, "tcbDate");
      return this;
    }

    public Builder qeIdentityStatus(TcbStatus s) {
      return qeIdentityStatus(Optional.of(s));
    }

    public Builder qeIdentityStatus(Optional<TcbStatus> s) {
      this.qeIdentityStatus = Objects.requireNonNull(s, "qeIdentityStatus");
      return this;
    }

    public Builder verifiedAt(Instant t) {
      this.verifiedAt = Objects.requireNonNull(t, "verifiedAt");
      return this;
    }

    public Builder earliestExpiry(Instant t) {
      return earliestExpiry(Optional.of(t));
    }

    public Builder earliestExpiry(Optional<Instant> t) {
      this.earliestExpiry = Objects.requireNonNull(t, "earliestExpiry");
      return this;
    }

    public Builder collateralExpired(boolean expired) {
      this.collateralExpired = expired;
      return this;
    }

    /** {@code QuoteCollateral.id()} of the collateral used (default empty: none was). */
    public Builder collateralId(String id) {
      this.collateralId = Objects.requireNonNull(id, "collateralId");
      return this;
    }

    public Builder insecureRoot(boolean insecure) {
      this.insecureRoot = insecure;
      return this;
    }

    /**
     * @throws IllegalStateException if the checksum, quote version, TEE type or instant is unset
     * @throws IllegalArgumentException if the verdict would succeed without a TCB status, or with
     *     Revoked
     */
    public Verdict build() {
      if (checksum == null || quoteVersion == null || teeType == null || verifiedAt == null) {
        throw new IllegalStateException("a verdict needs its checksum, quote version, TEE type and instant");
      }
      return new Verdict(failure.isEmpty(), tcbStatus, advisoryIds, failure, checksum, quoteVersion, teeType,
          fmspc, pceId, caType, tcbDate, qeIdentityStatus, verifiedAt, earliestExpiry, collateralExpired,
          collateralId, insecureRoot);
    }
  }
}
