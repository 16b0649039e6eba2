package dev.dcapd.sidecar.attest;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The daemon's verdict on a submitted quote, in the verdict JSON's terms.
 *
 * @param failureCode the stable failure code when {@code success} is false
 * @param insecureRoot the daemon trusted a root other than Intel's (a test or simulator setup)
 */
public record Submission(String checksum, boolean success, String tcbStatus, List<String> advisoryIds,
    Optional<String> failureCode, Optional<String> failureMessage, String teeType, int quoteVersion,
    Instant verifiedAt, boolean insecureRoot) {
  public Submission {
    advisoryIds = List.copyOf(advisoryIds);
  }
}
