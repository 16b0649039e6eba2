package dev.dcapd.sidecar.agent;

import dev.dcapd.verifier.Bytes;
import java.util.Objects;
import java.util.Optional;

/**
 * A quote as a guest agent returned it.
 *
 * @param quote the quote bytes
 * @param eventLog the event log as the agent sent it: JSON text (the agent nests it as a string)
 * @param reportData the report data the agent says it used, when it says
 * @param vmConfig the VM configuration JSON text, or empty
 * @param hashAlgorithm for Tappd.TdxQuote, the algorithm it used ("raw" for raw mode); empty otherwise
 * @param prefix for Tappd.TdxQuote, the tag it used; empty otherwise
 */
public record AgentQuote(Bytes quote, String eventLog, Optional<Bytes> reportData, String vmConfig,
    String hashAlgorithm, String prefix) {
  public AgentQuote {
    Objects.requireNonNull(quote, "quote");
    Objects.requireNonNull(eventLog, "eventLog");
    Objects.requireNonNull(reportData, "reportData");
    Objects.requireNonNull(vmConfig, "vmConfig");
    Objects.requireNonNull(hashAlgorithm, "hashAlgorithm");
    Objects.requireNonNull(prefix, "prefix");
  }
}
