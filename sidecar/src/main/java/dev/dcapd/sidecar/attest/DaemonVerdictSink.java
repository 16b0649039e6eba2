package dev.dcapd.sidecar.attest;

import dev.dcapd.client.DcapClient;
import dev.dcapd.client.DcapClientException;
import dev.dcapd.client.RetryPolicy;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.verify.Verdict;
import io.grpc.Status;
import java.io.IOException;
import java.time.Duration;

/**
 * Submits quotes to a dcapd daemon through the client library ({@code Verify}: verified and
 * stored). The client does not retry by itself here: the {@link Keeper} owns the backoff, so an
 * outage is visible in its status rather than hidden inside one long call. UNAVAILABLE,
 * DEADLINE_EXCEEDED and RESOURCE_EXHAUSTED are worth retrying; anything else is final.
 */
public final class DaemonVerdictSink implements VerdictSink {
  private final DcapClient client;

  /** A sink for {@code target}: {@code HOST:PORT} or {@code unix:PATH}. */
  public DaemonVerdictSink(String target, Duration deadline) throws IOException {
    this.client = DcapClient.builder(target).deadline(deadline).retry(RetryPolicy.NONE).build();
  }

  @Override
  public Verdict submit(Bytes quote) throws SubmitException {
    try {
      return client.verify(quote.toByteArray()).verdict();
    } catch (DcapClientException e) {
      Status.Code code = e.code();
      boolean retry = code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED
          || code == Status.Code.RESOURCE_EXHAUSTED;
      throw new SubmitException("the daemon at " + client.target() + ": " + e.getMessage(), retry, e);
    }
  }

  @Override
  public String describe() {
    return client.target().toString();
  }

  @Override
  public void close() {
    client.close();
  }
}
