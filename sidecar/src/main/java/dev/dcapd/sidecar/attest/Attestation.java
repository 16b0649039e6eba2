package dev.dcapd.sidecar.attest;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.eventlog.DstackAppInfo;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A quote minted for the app key (and possibly a caller's nonce), with the event log that
 * accounts for its RTMRs.
 *
 * @param checksum lower-case hex SHA-256 of the quote: its id at the daemon
 * @param eventLog the event log exactly as the agent sent it (JSON text)
 * @param rtmrs RTMR0-3 as replayed from the event log (equal to the quote's)
 */
public record Attestation(String agentKind, Bytes quote, String checksum, Bytes reportData, Optional<Bytes> nonce,
    String eventLog, List<Bytes> rtmrs, DstackAppInfo app, Instant mintedAt) {
  public Attestation {
    Objects.requireNonNull(quote, "quote");
    rtmrs = List.copyOf(rtmrs);
  }
}
