package dev.dcapd.daemon.api;

import com.google.protobuf.Timestamp;
import dev.dcapd.proto.v1.Failure;
import dev.dcapd.verifier.verify.Verdict;
import java.time.Instant;

/** The verifier's {@link Verdict} as the API's message. */
public final class ProtoVerdicts {
  private ProtoVerdicts() {}

  public static dev.dcapd.proto.v1.Verdict verdict(Verdict v) {
    return verdictBuilder(v).build();
  }

  /** {@link #verdict}, still open for the fields a caller adds (policy, root, current_at). */
  public static dev.dcapd.proto.v1.Verdict.Builder verdictBuilder(Verdict v) {
    dev.dcapd.proto.v1.Verdict.Builder b = dev.dcapd.proto.v1.Verdict.newBuilder()
        .setSuccess(v.success())
        .addAllAdvisoryIds(v.advisoryIds())
        .setChecksum(v.checksum())
        .setQuoteVersion(v.quoteVersion())
        .setTeeType(v.teeType().name())
        .setVerifiedAt(timestamp(v.verifiedAt()))
        .setCollateralExpired(v.collateralExpired())
        .setCollateralId(v.collateralId())
        .setInsecureRoot(v.insecureRoot());
    v.tcbStatus().ifPresent(s -> b.setTcbStatus(s.intelName()));
    v.failure().ifPresent(f -> b.setFailure(Failure.newBuilder().setCode(f.code().name()).setMessage(f.message())));
    v.fmspc().ifPresent(f -> b.setFmspc(ProtoQuotes.bs(f)));
    v.pceId().ifPresent(p -> b.setPceId(ProtoQuotes.bs(p)));
    v.caType().ifPresent(c -> b.setCa(c.pcsName()));
    v.tcbDate().ifPresent(d -> b.setTcbDate(d.toString()));
    v.qeIdentityStatus().ifPresent(s -> b.setQeIdentityStatus(s.intelName()));
    v.earliestExpiry().ifPresent(e -> b.setEarliestExpiry(timestamp(e)));
    return b;
  }

  public static Timestamp timestamp(Instant i) {
    return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
  }

  public static Timestamp timestampMicros(long micros) {
    return Timestamp.newBuilder()
        .setSeconds(Math.floorDiv(micros, 1_000_000L))
        .setNanos((int) Math.floorMod(micros, 1_000_000L) * 1000)
        .build();
  }

  public static Instant instant(Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
  }
}
