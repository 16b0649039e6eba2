package dev.dcapd.sidecar.agent;

/** The guest agent could not give an answer, and {@link #kind()} says why. */
public final class AgentException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Why the call failed; the first two are worth retrying, the last two are not. */
  public enum Kind {
    /** No socket at the path, connection refused, or the connection dropped. */
    UNREACHABLE,
    /** The agent did not answer within the deadline. */
    TIMEOUT,
    /** The agent answered with an error ({@code {"error": ...}}, HTTP 4xx/5xx). */
    REFUSED,
    /** The agent answered 200 with something that is not the documented shape (bad JSON, bad hex). */
    BAD_ANSWER
  }

  private final Kind kind;

  public AgentException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public AgentException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }

  /** Whether calling again later may succeed. */
  public boolean retryable() {
    return kind == Kind.UNREACHABLE || kind == Kind.TIMEOUT;
  }
}
