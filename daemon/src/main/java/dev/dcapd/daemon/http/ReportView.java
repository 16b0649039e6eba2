package dev.dcapd.daemon.http;

import dev.dcapd.daemon.api.ProtoVerdicts;
import dev.dcapd.proto.v1.Failure;
import dev.dcapd.proto.v1.GetResponse;
import dev.dcapd.proto.v1.Verdict;
import dev.dcapd.proto.v1.VerdictChange;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.binding.KeyType;
import dev.dcapd.verifier.binding.ReportDataBinding;
import dev.dcapd.verifier.collateral.QeIdentity;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.collateral.TcbInfo;
import dev.dcapd.verifier.policy.Warnings;
import dev.dcapd.verifier.quote.EnclaveReport;
import dev.dcapd.verifier.quote.Quote;
import dev.dcapd.verifier.quote.TdReport;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The report page's view model: what a person reads about one stored quote as it is judged now,
 * worked out here so that the template only prints. Absent parts are {@code null} (templates test
 * them with {@code ??}). Public only because FreeMarker reads public types.
 */
public final class ReportView {
  static final String API = PhalaApi.PREFIX;
  private static final Pattern ADVISORY_ID = Pattern.compile("INTEL-SA-(\\d{1,10})", Pattern.CASE_INSENSITIVE);
  private static final String ADVISORY_URL = "https://www.intel.com/content/www/us/en/security-center/advisory/";

  /** The banner: plainly verified (green), with warnings (amber), under an insecure root (violet), not verified (red). */
  enum Banner {
    OK("ok", "Verified"),
    WARN("warn", "Verified with warnings"),
    INSECURE("insecure", "Insecure test root"),
    BAD("bad", "Not verified");

    private final String cssClass;
    private final String outcome;

    Banner(String cssClass, String outcome) {
      this.cssClass = cssClass;
      this.outcome = outcome;
    }

    /** The class the banner's section has. */
    String cssClass() {
      return cssClass;
    }

    /** What the banner says first, in large. */
    String outcome() {
      return outcome;
    }

    /**
     * A verdict under a non-Intel root proves nothing about Intel hardware, whatever it says, so
     * its banner says so before anything else; then a failure; then an accepted verdict with a
     * TCB status other than UpToDate or any advisory; else plainly verified.
     */
    static Banner of(boolean verified, boolean insecureRoot, List<String> warnings) {
      if (insecureRoot) {
        return INSECURE;
      }
      if (!verified) {
        return BAD;
      }
      return warnings.isEmpty() ? OK : WARN;
    }
  }

  /**
   * The whole page.
   *
   * @param banner the banner's class: {@code ok}, {@code warn}, {@code insecure} or {@code bad}
   * @param outcome what the banner says first: Verified, Verified with warnings, Insecure test root or Not verified
   * @param warnings what makes an accepted verdict "verified with warnings" ({@link Warnings}); empty
   *     when it did not verify
   */
  public record Report(
      String checksum,
      boolean verified,
      String banner,
      String outcome,
      List<String> warnings,
      Problem failure,
      List<Problem> violations,
      String tcbStatus,
      String tcbStatusMeaning,
      List<Advisory> advisories,
      Platform platform,
      List<Field> measurements,
      List<Field> moreMeasurements,
      ReportData reportData,
      Timeline timeline,
      List<Change> history,
      List<Field> times,
      Trust trust,
      Links links) {}

  /** A failure or policy violation: its stable code, the verifier's message, and what it means. */
  public record Problem(String code, String message, String meaning) {}

  /** An Intel security advisory and its page at Intel. */
  public record Advisory(String id, String url) {}

  public record Platform(String teeType, int quoteVersion, String fmspc, String ca, String pceId, String tcbDate,
      String qeIdentityStatus) {}

  public record Field(String name, String value) {}

  /**
   * The 64 bytes of report_data: a dcapd key binding when they hold one; else, when they read as
   * text (mostly printable ASCII, as a nonce or a name would be), that text with each unprintable
   * byte a dot. A hash reads as noise and gets no text.
   */
  public record ReportData(String hex, boolean allZero, Binding binding, String text) {}

  public record Binding(String keyType, String keyId, String nonce) {}

  public record Change(String at, String from, String to, String reason) {}

  public record Trust(String root, boolean insecureRoot, String policy, String policySha256) {}

  public record Links(String raw, String collateral, String json) {}

  private ReportView() {}

  /**
   * The page for {@code answer}, a stored quote's answer as {@code PhalaApi}'s view gives it.
   *
   * @param quote the stored quote, parsed
   * @param collateral what the verdict was reached against; empty when it was reached without
   * @param now the instant the answer was given at
   */
  static Report of(GetResponse answer, Quote quote, Optional<QuoteCollateral> collateral, Instant now) {
    Verdict v = answer.getVerdict();
    String checksum = answer.getChecksum();
    Problem failure = null;
    if (!v.getSuccess()) {
      String code = v.getFailure().getCode().isEmpty() ? "VERIFICATION_FAILED" : v.getFailure().getCode();
      failure = new Problem(code, v.getFailure().getMessage(), PlainWords.failure(code));
    }
    List<Problem> violations = new ArrayList<>();
    for (Failure f : v.getViolationsList()) {
      violations.add(new Problem(f.getCode(), f.getMessage(), null));
    }
    List<Advisory> advisories = new ArrayList<>();
    for (String id : v.getAdvisoryIdsList()) {
      advisories.add(advisory(id));
    }
    List<Field> times = new ArrayList<>();
    times.add(new Field("Uploaded", PageTime.text(ProtoVerdicts.instant(answer.getUploadedAt()))));
    times.add(new Field("Judged", PageTime.text(ProtoVerdicts.instant(v.getVerifiedAt()))));
    times.add(new Field("Shown to hold", PageTime.text(ProtoVerdicts.instant(v.getCurrentAt()))));
    if (v.hasEarliestExpiry()) {
      times.add(new Field("Evidence expires", PageTime.text(ProtoVerdicts.instant(v.getEarliestExpiry()))));
    }
    times.add(new Field("Size", answer.getSize() + " bytes"));
    List<String> warnings = v.getSuccess() ? Warnings.of(v.getTcbStatus(), v.getAdvisoryIdsList()) : List.of();
    Banner banner = Banner.of(v.getSuccess(), v.getInsecureRoot(), warnings);
    return new Report(
        checksum,
        v.getSuccess(),
        banner.cssClass(),
        banner.outcome(),
        warnings,
        failure,
        violations,
        v.getTcbStatus(),
        PlainWords.tcbStatus(v.getTcbStatus()).orElse(null),
        advisories,
        platform(answer, quote),
        measurements(quote),
        moreMeasurements(quote),
        reportData(quote.body().reportData()),
        timeline(v, collateral, now),
        history(answer.getHistoryList()),
        times,
        new Trust(v.getTrustRoot(), v.getInsecureRoot(), v.getPolicy().getName(), v.getPolicy().getSha256()),
        new Links(API + "raw/" + checksum, answer.getCollateralId().isEmpty() ? null : API + "collateral/" + checksum,
            API + "view/" + checksum));
  }

  /** An advisory id with its page at Intel, whose address spells the id in lower case. */
  static Advisory advisory(String id) {
    return ADVISORY_ID.matcher(id).matches()
        ? new Advisory(id, ADVISORY_URL + id.toLowerCase(Locale.ROOT) + ".html")
        : new Advisory(id, null);
  }

  private static Platform platform(GetResponse answer, Quote quote) {
    Verdict v = answer.getVerdict();
    // A verdict that failed before the PCK certificate was read names no platform; the quote's
    // own chain may still say which one it claims to be.
    Bytes fmspc = Bytes.of(v.getFmspc().isEmpty() ? answer.getQuote().getPck().getFmspc().toByteArray() : v.getFmspc().toByteArray());
    Bytes pceId = Bytes.of(v.getPceId().isEmpty() ? answer.getQuote().getPck().getPceid().toByteArray() : v.getPceId().toByteArray());
    String ca = v.getCa().isEmpty() ? answer.getQuote().getPck().getCa() : v.getCa();
    return new Platform(quote.teeType().name(), quote.version(), orNull(fmspc.hex()), orNull(ca), orNull(pceId.hex()),
        orNull(v.getTcbDate()), orNull(v.getQeIdentityStatus()));
  }

  private static List<Field> measurements(Quote quote) {
    List<Field> out = new ArrayList<>();
    if (quote.body() instanceof TdReport td) {
      out.add(new Field("MRTD", td.mrTd().hex()));
      for (int i = 0; i < td.rtmrs().size(); i++) {
        out.add(new Field("RTMR" + i, td.rtmr(i).hex()));
      }
    } else if (quote.body() instanceof EnclaveReport e) {
      out.add(new Field("MRENCLAVE", e.mrEnclave().hex()));
      out.add(new Field("MRSIGNER", e.mrSigner().hex()));
      out.add(new Field("ISVPRODID", Integer.toString(e.isvProdId())));
      out.add(new Field("ISVSVN", Integer.toString(e.isvSvn())));
    }
    return out;
  }

  private static List<Field> moreMeasurements(Quote quote) {
    List<Field> out = new ArrayList<>();
    if (quote.body() instanceof TdReport td) {
      out.add(new Field("MRSEAM", td.mrSeam().hex()));
      out.add(new Field("MRSIGNERSEAM", td.mrSignerSeam().hex()));
      out.add(new Field("MRCONFIGID", td.mrConfigId().hex()));
      out.add(new Field("MROWNER", td.mrOwner().hex()));
      out.add(new Field("MROWNERCONFIG", td.mrOwnerConfig().hex()));
      out.add(new Field("TDATTRIBUTES", td.tdAttributes().hex()));
      out.add(new Field("XFAM", td.xfam().hex()));
      out.add(new Field("TEE_TCB_SVN", td.teeTcbSvn().hex()));
      td.teeTcbSvn2().ifPresent(b -> out.add(new Field("TEE_TCB_SVN2", b.hex())));
      td.mrServiceTd().ifPresent(b -> out.add(new Field("MRSERVICETD", b.hex())));
    } else if (quote.body() instanceof EnclaveReport e) {
      out.add(new Field("ATTRIBUTES", e.attributes().hex()));
      out.add(new Field("MISCSELECT", String.format(Locale.ROOT, "%08x", e.miscSelect())));
      out.add(new Field("CPUSVN", e.cpuSvn().hex()));
    }
    return out;
  }

  /** report_data decoded: the dcapd binding ({@link ReportDataBinding}) when it holds one. */
  static ReportData reportData(Bytes reportData) {
    Optional<ReportDataBinding.Binding> b = ReportDataBinding.decode(reportData);
    if (b.isPresent()) {
      ReportDataBinding.Binding binding = b.get();
      String keyType = binding.keyType() == KeyType.P256 ? "P-256" : "secp256k1 (key id is its Ethereum address)";
      String keyId = (binding.keyType() == KeyType.SECP256K1 ? "0x" : "") + binding.keyId().hex();
      return new ReportData(reportData.hex(), false,
          new Binding(keyType, keyId, binding.hasNoNonce() ? null : binding.nonceHash().hex()), null);
    }
    return new ReportData(reportData.hex(), reportData.isAllZero(), null, text(reportData));
  }

  /**
   * The bytes as ASCII, trailing zero bytes left out and each unprintable byte a dot; {@code null}
   * unless at least three in four of them are printable.
   */
  private static String text(Bytes b) {
    int end = b.length();
    while (end > 0 && b.get(end - 1) == 0) {
      end--;
    }
    StringBuilder s = new StringBuilder(end);
    int printable = 0;
    for (int i = 0; i < end; i++) {
      int c = b.unsigned(i);
      boolean p = c >= 0x20 && c < 0x7f;
      printable += p ? 1 : 0;
      s.append(p ? (char) c : '.');
    }
    return end > 0 && printable * 4 >= end * 3 ? s.toString() : null;
  }

  private static Timeline timeline(Verdict v, Optional<QuoteCollateral> collateral, Instant now) {
    List<Timeline.Span> spans = new ArrayList<>();
    if (collateral.isPresent()) {
      try {
        TcbInfo tcb = TcbInfo.parse(collateral.get().tcbInfo());
        spans.add(new Timeline.Span("TCB info", tcb.issueDate(), tcb.nextUpdate()));
      } catch (DcapException e) {
        // Stored collateral parsed when the verdict was reached; a part that does not now is left off.
      }
      try {
        QeIdentity qe = QeIdentity.parse(collateral.get().qeIdentity());
        spans.add(new Timeline.Span("QE identity", qe.issueDate(), qe.nextUpdate()));
      } catch (DcapException e) {
        // As above.
      }
    }
    if (spans.isEmpty()) {
      return null;
    }
    List<Timeline.Moment> moments = new ArrayList<>();
    moments.add(new Timeline.Moment("judged", ProtoVerdicts.instant(v.getVerifiedAt())));
    if (v.hasEarliestExpiry()) {
      moments.add(new Timeline.Moment("expires", ProtoVerdicts.instant(v.getEarliestExpiry())));
    }
    return Timeline.of(spans, moments, now);
  }

  private static List<Change> history(List<VerdictChange> changes) {
    List<Change> out = new ArrayList<>(changes.size());
    for (VerdictChange c : changes) {
      out.add(new Change(PageTime.text(ProtoVerdicts.instant(c.getAt())), c.getFrom().isEmpty() ? null : c.getFrom(),
          c.getTo(), c.getReason()));
    }
    return out;
  }

  private static String orNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}
