package dev.dcapd.verifier.policy;

import java.util.ArrayList;
import java.util.List;

/**
 * What makes an accepted verdict "verified with warnings" rather than plainly verified: a TCB
 * status other than {@code UpToDate} (the policy accepted it, Intel still advises action) and every
 * Intel security advisory the verdict names. The report page's amber banner and the CLI's summary
 * line say these; an accepted verdict without them is verified without qualification.
 */
public final class Warnings {
  private static final String UP_TO_DATE = "UpToDate";

  private Warnings() {}

  /**
   * The warnings of an accepted verdict with this status (Intel's name) and these advisory ids:
   * the status unless it is {@code UpToDate} (or unknown, empty), then each advisory id, in order.
   * Empty when there is nothing to warn of.
   */
  public static List<String> of(String tcbStatus, List<String> advisoryIds) {
    List<String> out = new ArrayList<>(advisoryIds.size() + 1);
    if (tcbStatus != null && !tcbStatus.isEmpty() && !UP_TO_DATE.equals(tcbStatus)) {
      out.add(tcbStatus);
    }
    out.addAll(advisoryIds);
    return List.copyOf(out);
  }
}
