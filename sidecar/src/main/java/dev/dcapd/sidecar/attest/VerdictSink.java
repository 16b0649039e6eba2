package dev.dcapd.sidecar.attest;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.verify.Verdict;
import java.io.Closeable;

/** Where the sidecar sends each fresh quote to be verified and stored: the dcapd daemon. */
public interface VerdictSink extends Closeable {
  /** Submits {@code quote}; the daemon's verdict, or a {@link SubmitException} saying why not. */
  Verdict submit(Bytes quote) throws SubmitException;

  /** Where the verdicts come from, for status lines. */
  String describe();

  @Override
  void close();
}
