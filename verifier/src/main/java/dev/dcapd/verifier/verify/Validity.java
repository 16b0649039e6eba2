package dev.dcapd.verifier.verify;

import dev.dcapd.verifier.FailureCode;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The time window of one piece of evidence (a certificate, a CRL, TCB info, QE identity) and the
 * failure it gives outside it.
 *
 * <p>Boundaries are Intel's: expired only when the instant is after the end. Unlike Intel's QvE,
 * which only flags expiry and does not check the start at all, both ends fail here (DESIGN.md,
 * "The verdict"): {@code CERTIFICATE_EXPIRED} past a certificate's notAfter, {@code
 * COLLATERAL_EXPIRED} past a CRL's, TCB info's or QE identity's nextUpdate, and {@code
 * COLLATERAL_NOT_YET_VALID} before any piece's start (notBefore, thisUpdate, issueDate).
 */
record Validity(String piece, Instant notBefore, Instant notAfter, boolean certificate) {
  Validity {
    Objects.requireNonNull(piece, "piece");
    Objects.requireNonNull(notBefore, "notBefore");
    Objects.requireNonNull(notAfter, "notAfter");
  }

  static Validity certificate(String piece, java.security.cert.X509Certificate cert) {
    return new Validity(piece, cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant(), true);
  }

  static Validity collateral(String piece, Instant notBefore, Instant notAfter) {
    return new Validity(piece, notBefore, notAfter, false);
  }

  Optional<Failure> check(Instant at) {
    if (at.isBefore(notBefore)) {
      return Optional.of(new Failure(FailureCode.COLLATERAL_NOT_YET_VALID, piece + " is not valid before " + notBefore + " (verified at " + at + ")"));
    }
    if (at.isAfter(notAfter)) {
      FailureCode code = certificate ? FailureCode.CERTIFICATE_EXPIRED : FailureCode.COLLATERAL_EXPIRED;
      return Optional.of(new Failure(code, piece + " expired at " + notAfter + " (verified at " + at + ")"));
    }
    return Optional.empty();
  }
}
