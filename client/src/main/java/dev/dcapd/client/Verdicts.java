package dev.dcapd.client;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.FailureCode;
import dev.dcapd.verifier.collateral.TcbStatus;
import dev.dcapd.verifier.pck.CaType;
import dev.dcapd.verifier.quote.TeeType;
import dev.dcapd.verifier.verify.Failure;
import dev.dcapd.verifier.verify.Verdict;
import java.time.Instant;
import java.util.Optional;

/** The API's verdict message as the verifier's {@link Verdict}, so policies apply to it. */
public final class Verdicts {
  private Verdicts() {}

  /**
   * Reads {@code v}; throws IllegalArgumentException when it names something this client does not
   * know (a failure code or status from a newer server), because guessing would not fail closed.
   */
  public static Verdict fromProto(dev.dcapd.proto.v1.Verdict v) {
    Optional<Failure> failure = v.hasFailure()
        ? Optional.of(new Failure(FailureCode.valueOf(v.getFailure().getCode()), v.getFailure().getMessage()))
        : Optional.empty();
    if (v.getSuccess() == failure.isPresent()) {
      throw new IllegalArgumentException("a verdict succeeds exactly when it has no failure");
    }
    return Verdict.builder()
        .tcbStatus(status(v.getTcbStatus()))
        .advisoryIds(v.getAdvisoryIdsList())
        .failure(failure)
        .checksum(v.getChecksum())
        .quoteVersion(v.getQuoteVersion())
        .teeType(TeeType.valueOf(v.getTeeType()))
        .fmspc(bytes(v.getFmspc()))
        .pceId(bytes(v.getPceId()))
        .caType(caType(v.getCa()))
        .tcbDate(v.getTcbDate().isEmpty() ? Optional.empty() : Optional.of(Instant.parse(v.getTcbDate())))
        .qeIdentityStatus(status(v.getQeIdentityStatus()))
        .verifiedAt(instant(v.getVerifiedAt()))
        .earliestExpiry(v.hasEarliestExpiry() ? Optional.of(instant(v.getEarliestExpiry())) : Optional.empty())
        .collateralExpired(v.getCollateralExpired())
        .collateralId(v.getCollateralId())
        .insecureRoot(v.getInsecureRoot())
        .build();
  }

  public static Instant instant(Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
  }

  private static Optional<TcbStatus> status(String name) {
    if (name.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(TcbStatus.fromIntelName(name)
        .orElseThrow(() -> new IllegalArgumentException("unknown TCB status " + name)));
  }

  private static Optional<Bytes> bytes(ByteString b) {
    return b.isEmpty() ? Optional.empty() : Optional.of(Bytes.of(b.toByteArray()));
  }

  private static Optional<CaType> caType(String pcsName) {
    if (pcsName.isEmpty()) {
      return Optional.empty();
    }
    for (CaType c : CaType.values()) {
      if (c.pcsName().equals(pcsName)) {
        return Optional.of(c);
      }
    }
    throw new IllegalArgumentException("unknown PCK CA " + pcsName);
  }
}
