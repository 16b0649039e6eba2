package dev.dcapd.verifier.quote;

import static dev.dcapd.verifier.quote.QuoteHeader.requireLength;

import dev.dcapd.verifier.Bytes;
import java.util.List;
import java.util.Optional;

/**
 * A TDX TD report: 1.0 (584 bytes) or 1.5 (648 bytes, which adds {@code teeTcbSvn2} and
 * {@code mrServiceTd}). The two TD 1.5 fields are present exactly when the report is 1.5.
 */
public record TdReport(
    Bytes teeTcbSvn,
    Bytes mrSeam,
    Bytes mrSignerSeam,
    Bytes seamAttributes,
    Bytes tdAttributes,
    Bytes xfam,
    Bytes mrTd,
    Bytes mrConfigId,
    Bytes mrOwner,
    Bytes mrOwnerConfig,
    List<Bytes> rtmrs,
    Bytes reportData,
    Optional<Bytes> teeTcbSvn2,
    Optional<Bytes> mrServiceTd)
    implements QuoteBody {

  public TdReport {
    requireLength(teeTcbSvn, 16, "teeTcbSvn");
    requireLength(mrSeam, 48, "mrSeam");
    requireLength(mrSignerSeam, 48, "mrSignerSeam");
    requireLength(seamAttributes, 8, "seamAttributes");
    requireLength(tdAttributes, 8, "tdAttributes");
    requireLength(xfam, 8, "xfam");
    requireLength(mrTd, 48, "mrTd");
    requireLength(mrConfigId, 48, "mrConfigId");
    requireLength(mrOwner, 48, "mrOwner");
    requireLength(mrOwnerConfig, 48, "mrOwnerConfig");
    rtmrs = List.copyOf(rtmrs);
    if (rtmrs.size() != QuoteLayout.TD_RTMR_COUNT) {
      throw new IllegalArgumentException("a TD report has 4 RTMRs, not " + rtmrs.size());
    }
    for (Bytes r : rtmrs) {
      requireLength(r, QuoteLayout.TD_RTMR_SIZE, "rtmr");
    }
    requireLength(reportData, 64, "reportData");
    if (teeTcbSvn2.isPresent() != mrServiceTd.isPresent()) {
      throw new IllegalArgumentException("teeTcbSvn2 and mrServiceTd come together (TD report 1.5)");
    }
    teeTcbSvn2.ifPresent(b -> requireLength(b, 16, "teeTcbSvn2"));
    mrServiceTd.ifPresent(b -> requireLength(b, 48, "mrServiceTd"));
  }

  @Override
  public BodyType bodyType() {
    return teeTcbSvn2.isPresent() ? BodyType.TD_REPORT_15 : BodyType.TD_REPORT_10;
  }

  /** RTMR {@code index} (0-3). */
  public Bytes rtmr(int index) {
    return rtmrs.get(index);
  }
}
