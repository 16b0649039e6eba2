package dev.dcapd.verifier.eventlog;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import dev.dcapd.verifier.quote.TdReport;
import java.util.ArrayList;
import java.util.List;

/**
 * The result of replaying an event log: RTMR0-3 as the log says they should be, and the digest
 * each event was extended with (in log order; computed for runtime events).
 */
public record Replay(List<Bytes> rtmrs, List<Bytes> digests) {
  public Replay {
    rtmrs = List.copyOf(rtmrs);
    digests = List.copyOf(digests);
    if (rtmrs.size() != TdxEvent.RTMR_COUNT) {
      throw new IllegalArgumentException("a replay gives 4 RTMRs, not " + rtmrs.size());
    }
  }

  /** RTMR {@code index} (0-3). */
  public Bytes rtmr(int index) {
    return rtmrs.get(index);
  }

  /** The indexes of the RTMRs whose replayed value differs from the TD report's, in order. */
  public List<Integer> mismatches(TdReport report) {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < TdxEvent.RTMR_COUNT; i++) {
      if (!rtmrs.get(i).equals(report.rtmr(i))) {
        out.add(i);
      }
    }
    return out;
  }

  /** Whether all four RTMRs equal the TD report's. */
  public boolean matches(TdReport report) {
    return mismatches(report).isEmpty();
  }

  /** Passes when all four RTMRs equal the TD report's; else {@link FailureCode#EVENT_LOG_MISMATCH}. */
  public void check(TdReport report) throws DcapException {
    List<Integer> bad = mismatches(report);
    if (!bad.isEmpty()) {
      throw new DcapException(FailureCode.EVENT_LOG_MISMATCH, "the event log does not replay to RTMR" + bad);
    }
  }

  /**
   * Passes when RTMR3 equals the TD report's. Enough for the dstack facts (app id, compose hash)
   * and for stripped logs that keep only the runtime events, where RTMR0-2 cannot be replayed.
   */
  public void checkRtmr3(TdReport report) throws DcapException {
    if (!rtmrs.get(3).equals(report.rtmr(3))) {
      throw new DcapException(FailureCode.EVENT_LOG_MISMATCH, "the event log does not replay to RTMR3");
    }
  }
}
