package dev.dcapd.collateral;

import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import java.time.Instant;
import java.util.Objects;

/**
 * Collateral that passed a {@link CollateralCheck}, with the window in which all of it is
 * current: from the latest issue date, CRL thisUpdate or certificate notBefore to the earliest
 * nextUpdate or notAfter ({@link #earliestExpiry}).
 */
public final class CheckedCollateral {
  private final QuoteCollateral collateral;
  private final Instant checkedAt;
  private final Instant validFrom;
  private final Instant earliestExpiry;
  /** Computed on first use: the id hashes 20 KB of JSON, the edition parses every part. */
  private volatile String id;
  private volatile CollateralEdition edition;

  /**
   * @throws IllegalArgumentException unless {@code validFrom <= checkedAt <= earliestExpiry}
   */
  public CheckedCollateral(QuoteCollateral collateral, Instant checkedAt, Instant validFrom, Instant earliestExpiry) {
    this.collateral = Objects.requireNonNull(collateral, "collateral");
    this.checkedAt = Objects.requireNonNull(checkedAt, "checkedAt");
    this.validFrom = Objects.requireNonNull(validFrom, "validFrom");
    this.earliestExpiry = Objects.requireNonNull(earliestExpiry, "earliestExpiry");
    if (checkedAt.isBefore(validFrom) || checkedAt.isAfter(earliestExpiry)) {
      throw new IllegalArgumentException("collateral checked at " + checkedAt + " outside its window "
          + validFrom + " .. " + earliestExpiry);
    }
  }

  public QuoteCollateral collateral() {
    return collateral;
  }

  /** {@link QuoteCollateral#id()} of the collateral, computed once. */
  public String id() {
    String i = id;
    if (i == null) {
      i = collateral.id();
      id = i;
    }
    return i;
  }

  /**
   * How new each part is, read once.
   *
   * @throws DcapException {@code COLLATERAL_MALFORMED} if a part cannot be read (a checked
   *     collateral's parts always can)
   */
  public CollateralEdition edition() throws DcapException {
    CollateralEdition e = edition;
    if (e == null) {
      e = CollateralEdition.of(collateral);
      edition = e;
    }
    return e;
  }

  /** The instant the check judged the collateral at. */
  public Instant checkedAt() {
    return checkedAt;
  }

  /** The latest issueDate, CRL thisUpdate and certificate notBefore. */
  public Instant validFrom() {
    return validFrom;
  }

  /** The earliest nextUpdate (TCB info, QE identity, both CRLs) and certificate notAfter. */
  public Instant earliestExpiry() {
    return earliestExpiry;
  }

  /** Whether every part is current at {@code t}; Intel's boundaries (expired only after). */
  public boolean validAt(Instant t) {
    return !t.isBefore(validFrom) && !t.isAfter(earliestExpiry);
  }

  @Override
  public String toString() {
    return "CheckedCollateral[" + collateral.id() + ", " + validFrom + " .. " + earliestExpiry + "]";
  }
}
