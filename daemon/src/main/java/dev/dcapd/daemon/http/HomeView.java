package dev.dcapd.daemon.http;

import dev.dcapd.daemon.api.Attestations;
import dev.dcapd.proto.store.v1.StoredRecord;
import dev.dcapd.verifier.policy.Warnings;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The upload page's view model: the form (with the last upload's error, if any) and a page of
 * recent quotes. Absent parts are {@code null}. Public only because FreeMarker reads public types.
 */
public record HomeView(String error, int maxBytes, List<Row> recent, String older) {
  /**
   * One stored quote in the list: its status is its TCB status, or why it is not verified; its
   * badge is the report page's banner in small ({@code ok}, {@code warn}, {@code insecure}, {@code bad}).
   */
  public record Row(String checksum, String href, boolean verified, String badge, String badgeText, String tee,
      String status, String uploaded) {}

  static HomeView of(String error, int maxBytes, Attestations.Recent page) {
    List<Row> rows = new ArrayList<>(page.entries().size());
    for (Attestations.Listed e : page.entries()) {
      StoredRecord r = e.record();
      String status;
      if (e.verified()) {
        status = r.getVerdict().getTcbStatus();
      } else if (r.getVerdict().getSuccess()) {
        // Verified once, but the verdict no longer holds as stored: its report judges it again.
        status = "to be judged again";
      } else {
        status = r.getVerdict().getFailure().getCode();
      }
      Instant uploaded = Instant.EPOCH.plus(r.getUploadedAtMicros(), ChronoUnit.MICROS);
      List<String> warnings = e.verified()
          ? Warnings.of(r.getVerdict().getTcbStatus(), r.getVerdict().getAdvisoryIdsList()) : List.of();
      ReportView.Banner banner = ReportView.Banner.of(e.verified(), r.getVerdict().getInsecureRoot(), warnings);
      String badgeText = banner == ReportView.Banner.INSECURE
          ? (e.verified() ? "verified under an insecure test root" : "not verified, insecure test root")
          : banner.outcome().toLowerCase(Locale.ROOT);
      rows.add(new Row(e.checksum(), ReportPages.REPORTS + "/" + e.checksum(), e.verified(), banner.cssClass(), badgeText,
          r.getTeeType(), status, PageTime.text(uploaded)));
    }
    String older = page.nextPageToken()
        .map(t -> "/?" + ReportPages.AFTER + "=" + URLEncoder.encode(t, StandardCharsets.UTF_8))
        .orElse(null);
    return new HomeView(error, maxBytes, rows, older);
  }
}
