package dev.dcapd.sidecar.attest;

import dev.dcapd.sidecar.agent.AgentException;

/** A quote could not be minted, or the one minted does not hold what the sidecar asked for. */
public final class AttestException extends Exception {
  private static final long serialVersionUID = 1L;

  /** What went wrong: the agent, or the evidence it returned. */
  public enum Kind {
    /** The agent could not be reached or did not answer in time; worth retrying. */
    AGENT_UNAVAILABLE,
    /** The agent answered with an error or a malformed answer. */
    AGENT_ERROR,
    /** The quote does not parse, is not TDX, or does not carry the report data asked for. */
    BAD_QUOTE,
    /** The event log is malformed or does not replay to the quote's RTMRs. */
    BAD_EVENT_LOG
  }

  private final Kind kind;

  public AttestException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  static AttestException of(AgentException e) {
    return new AttestException(e.retryable() ? Kind.AGENT_UNAVAILABLE : Kind.AGENT_ERROR, e.getMessage(), e);
  }

  public Kind kind() {
    return kind;
  }
}
