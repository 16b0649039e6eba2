package dev.dcapd.cli;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.dcapd.client.DcapClientException;
import dev.dcapd.client.Target;
import dev.dcapd.proto.v1.Quote;
import dev.dcapd.proto.v1.QuoteBody;
import dev.dcapd.proto.v1.Verdict;
import dev.dcapd.verifier.policy.Warnings;
import io.grpc.Status;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/** Output and error mapping shared by the commands that talk to a daemon. */
final class Remote {
  private static final HexFormat HEX = HexFormat.of();
  private static final String LABEL_FORMAT = "%-12s %s%n";

  private Remote() {}

  /** Whether this failure means the daemon could not be reached in time. */
  static boolean unreachable(DcapClientException e) {
    return e.reason() == null
        && (e.code() == Status.Code.UNAVAILABLE || e.code() == Status.Code.DEADLINE_EXCEEDED);
  }

  /** A failed call as the CLI's one-line error (exit 2: bad input or an unreachable server). */
  static CliException failure(Target server, DcapClientException e) {
    if (unreachable(e)) {
      String why = e.status().getDescription() == null ? e.code().name() : e.status().getDescription();
      return new CliException(Dcap.EXIT_BAD_INPUT, "cannot reach the server at " + server + ": " + why);
    }
    return new CliException(Dcap.EXIT_BAD_INPUT, message(e));
  }

  /** The failure code (or status) and the server's description, one line. */
  static String message(DcapClientException e) {
    String code = e.reason() != null ? e.reason() : e.code().name();
    String description = e.status().getDescription();
    return description == null ? code : code + ": " + description;
  }

  /** The short human summary of a verdict and its quote. */
  static void printSummary(PrintWriter out, String checksum, Verdict v, Quote q, Timestamp uploadedAt) {
    line(out, "checksum", checksum);
    if (v.getSuccess()) {
      line(out, "verified", verifiedDetail(v.getTcbStatus(), v.getAdvisoryIdsList()).orElse("yes"));
    } else {
      line(out, "verified", "no: " + v.getFailure().getCode() + ": " + v.getFailure().getMessage());
    }
    line(out, "tcb status", v.getTcbStatus().isEmpty() ? "-" : v.getTcbStatus());
    line(out, "advisories", v.getAdvisoryIdsCount() == 0 ? "none" : String.join(", ", v.getAdvisoryIdsList()));
    String tee = q.getHeader().getTeeType().isEmpty() ? v.getTeeType() : q.getHeader().getTeeType();
    line(out, "tee", tee + " (quote v" + q.getHeader().getVersion() + ")");
    QuoteBody b = q.getBody();
    if ("TDX".equals(tee)) {
      line(out, "mrtd", hex(b.getMrtd()));
      line(out, "rtmr0", hex(b.getRtmr0()));
      line(out, "rtmr1", hex(b.getRtmr1()));
      line(out, "rtmr2", hex(b.getRtmr2()));
      line(out, "rtmr3", hex(b.getRtmr3()));
    } else {
      line(out, "mrenclave", hex(b.getMrenclave()));
      line(out, "mrsigner", hex(b.getMrsigner()));
      line(out, "isvprodid", Integer.toString(b.getIsvprodid()));
      line(out, "isvsvn", Integer.toString(b.getIsvsvn()));
    }
    line(out, "reportdata", hex(b.getReportdata()));
    if (v.hasVerifiedAt()) {
      line(out, "verified at", instant(v.getVerifiedAt()));
    }
    if (uploadedAt != null) {
      line(out, "uploaded at", instant(uploadedAt));
    }
    if (v.getInsecureRoot()) {
      line(out, "WARNING", "anchored in a non-Intel root (the server runs with an insecure option)");
    }
  }

  /**
   * For an accepted verdict with a TCB status other than UpToDate or any advisory,
   * {@code with warnings: <status> <advisory>...}; empty for a plainly verified one.
   */
  static Optional<String> verifiedDetail(String tcbStatus, List<String> advisoryIds) {
    List<String> warnings = Warnings.of(tcbStatus, advisoryIds);
    return warnings.isEmpty() ? Optional.empty() : Optional.of("with warnings: " + String.join(" ", warnings));
  }

  static void line(PrintWriter out, String label, String value) {
    out.printf(LABEL_FORMAT, label, value);
  }

  static String hex(ByteString b) {
    return b.isEmpty() ? "-" : HEX.formatHex(b.toByteArray());
  }

  static String instant(Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos()).toString();
  }

  /** To the second, for table columns. */
  static String instantSeconds(Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds()).toString();
  }
}
