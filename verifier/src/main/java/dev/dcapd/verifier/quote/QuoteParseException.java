package dev.dcapd.verifier.quote;

import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;

/** The parser's only failure: what is wrong ({@link #code()}) and where parsing stopped. */
public final class QuoteParseException extends DcapException {
  private static final long serialVersionUID = 1L;

  private final int offset;

  public QuoteParseException(FailureCode code, int offset, String message) {
    super(code, message + " (at byte " + offset + ")");
    this.offset = offset;
  }

  /** The byte offset in the input of the field that could not be accepted. */
  public int offset() {
    return offset;
  }
}
