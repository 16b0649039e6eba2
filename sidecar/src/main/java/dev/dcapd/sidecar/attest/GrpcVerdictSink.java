package dev.dcapd.sidecar.attest;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.dcapd.proto.v1.AttestationServiceGrpc;
import dev.dcapd.proto.v1.Verdict;
import dev.dcapd.proto.v1.VerifyRequest;
import dev.dcapd.proto.v1.VerifyResponse;
import dev.dcapd.verifier.Bytes;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Submits quotes to a dcapd daemon over gRPC ({@code AttestationService.Verify}) and turns the
 * answer into a {@link Submission}. UNAVAILABLE, DEADLINE_EXCEEDED and RESOURCE_EXHAUSTED are
 * worth retrying; anything else is the daemon's final word on the quote.
 */
public final class GrpcVerdictSink implements VerdictSink {
  private final String target;
  private final ManagedChannel channel;
  private final Duration deadline;

  /** A sink for {@code target} ({@code host:port}, or a gRPC target such as {@code unix:/path}). */
  public GrpcVerdictSink(String target, Duration deadline) {
    this.target = target;
    this.deadline = deadline;
    this.channel = Grpc.newChannelBuilder(target, InsecureChannelCredentials.create()).build();
  }

  @Override
  public Submission submit(Bytes quote) throws SubmitException {
    VerifyResponse r;
    try {
      r = AttestationServiceGrpc.newBlockingStub(channel)
          .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
          .verify(VerifyRequest.newBuilder().setQuote(ByteString.copyFrom(quote.toByteArray())).build());
    } catch (StatusRuntimeException e) {
      Status.Code code = e.getStatus().getCode();
      boolean retry = code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED
          || code == Status.Code.RESOURCE_EXHAUSTED;
      throw new SubmitException("the daemon at " + target + " answered " + code
          + (e.getStatus().getDescription() != null ? ": " + e.getStatus().getDescription() : ""), retry, e);
    }
    Verdict v = r.getVerdict();
    return new Submission(r.getChecksum(), r.getSuccess(), v.getTcbStatus(), v.getAdvisoryIdsList(),
        v.hasFailure() ? Optional.of(v.getFailure().getCode()) : Optional.empty(),
        v.hasFailure() ? Optional.of(v.getFailure().getMessage()) : Optional.empty(),
        v.getTeeType(), v.getQuoteVersion(), instant(v.getVerifiedAt()), v.getInsecureRoot());
  }

  private static Instant instant(Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
  }

  @Override
  public String describe() {
    return target;
  }

  @Override
  public void close() {
    channel.shutdownNow();
  }
}
