package dev.dcapd.verifier.collateral;

import static dev.dcapd.verifier.collateral.CollateralJson.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dcapd.verifier.DcapException;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A TCB level judged by one ISVSVN: a level of a QE identity, or of a TDX module identity in TCB
 * info ({@code {"tcb":{"isvsvn":N},"tcbDate",...,"tcbStatus",...,"advisoryIDs":[...]}}).
 */
public record EnclaveTcbLevel(int isvSvn, Instant tcbDate, TcbStatus tcbStatus, List<String> advisoryIds) {
  private static final int MAX_SVN = 0xffff;

  public EnclaveTcbLevel {
    if (isvSvn < 0 || isvSvn > MAX_SVN) {
      throw new IllegalArgumentException("isvsvn out of range for u16: " + isvSvn);
    }
    Objects.requireNonNull(tcbDate, "tcbDate");
    Objects.requireNonNull(tcbStatus, "tcbStatus");
    advisoryIds = List.copyOf(advisoryIds);
  }

  static EnclaveTcbLevel parse(JsonNode n, Set<TcbStatus> allowed, String what) throws DcapException {
    if (!n.isObject()) {
      throw malformed(what + " is not an object");
    }
    JsonNode tcb = object(n, "tcb", what);
    return new EnclaveTcbLevel(
        (int) integer(tcb, "isvsvn", MAX_SVN, what + " tcb"),
        instant(n, "tcbDate", what),
        status(n, allowed, what),
        strings(n, "advisoryIDs", what));
  }
}
