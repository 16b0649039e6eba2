package dev.dcapd.onchain;

import dev.dcapd.verifier.Bytes;
import java.util.Optional;

/**
 * A chain interaction that did not happen as asked: the RPC is unreachable or answers with an
 * error, the chain is not the expected one, or a call reverted (then {@link #revertData()} holds
 * what it reverted with). The message is one line.
 */
public final class OnchainException extends Exception {
  private static final long serialVersionUID = 1L;
  private final transient Bytes revertData;

  public OnchainException(String message) {
    this(message, null, null);
  }

  public OnchainException(String message, Throwable cause) {
    this(message, null, cause);
  }

  /** A call that reverted with {@code revertData}. */
  public static OnchainException reverted(String message, Bytes revertData) {
    return new OnchainException(message, revertData, null);
  }

  private OnchainException(String message, Bytes revertData, Throwable cause) {
    super(message, cause);
    this.revertData = revertData;
  }

  /** The revert data when a call reverted. */
  public Optional<Bytes> revertData() {
    return Optional.ofNullable(revertData);
  }
}
