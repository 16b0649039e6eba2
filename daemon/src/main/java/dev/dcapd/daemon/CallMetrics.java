package dev.dcapd.daemon;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import dev.dcapd.daemon.api.ApiErrors;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Counts every gRPC call by method and status code in the daemon's {@link Metrics}, and times the
 * unary ones. A call is counted once: with the status the server closed it with, or as CANCELLED
 * when the client went away first (how a {@code WatchVerdicts} stream usually ends). A call refused
 * for a per-client bound ({@link ApiErrors#WATCHERS_PER_PEER}, {@link ApiErrors#CHALLENGES_PER_PEER})
 * is also counted as rejected, its reason the label.
 */
final class CallMetrics implements ServerInterceptor {
  private final Metrics metrics;

  CallMetrics(Metrics metrics) {
    this.metrics = metrics;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    Timing timing = new Timing(call.getMethodDescriptor().getFullMethodName(),
        call.getMethodDescriptor().getType() == MethodType.UNARY);
    ServerCall.Listener<Q> listener = next.startCall(new SimpleForwardingServerCall<>(call) {
      @Override
      public void close(Status status, Metadata trailers) {
        timing.end(status.getCode());
        if (status.getCode() == Status.Code.RESOURCE_EXHAUSTED) {
          perPeerReason(status, trailers).ifPresent(r -> metrics.rejected(r.toLowerCase(Locale.ROOT)));
        }
        super.close(status, trailers);
      }
    }, headers);
    return new SimpleForwardingServerCallListener<>(listener) {
      @Override
      public void onCancel() {
        timing.end(Status.Code.CANCELLED);
        super.onCancel();
      }
    };
  }

  /** The per-client bound a RESOURCE_EXHAUSTED status names in its ErrorInfo, if it names one. */
  private static Optional<String> perPeerReason(Status status, Metadata trailers) {
    com.google.rpc.Status s;
    try {
      s = StatusProto.fromStatusAndTrailers(status, trailers);
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    for (Any detail : s.getDetailsList()) {
      if (detail.is(ErrorInfo.class)) {
        try {
          String reason = detail.unpack(ErrorInfo.class).getReason();
          if (PER_PEER.contains(reason)) {
            return Optional.of(reason);
          }
        } catch (InvalidProtocolBufferException e) {
          return Optional.empty();
        }
      }
    }
    return Optional.empty();
  }

  private static final Set<String> PER_PEER = Set.of(ApiErrors.WATCHERS_PER_PEER, ApiErrors.CHALLENGES_PER_PEER);

  /** One call from its start; it may end on a worker (close) and on the transport (cancel) at once. */
  private final class Timing {
    private final String method;
    private final boolean timed;
    private final long start = System.nanoTime();
    private final AtomicBoolean ended = new AtomicBoolean();

    Timing(String method, boolean timed) {
      this.method = method;
      this.timed = timed;
    }

    void end(Status.Code code) {
      if (ended.compareAndSet(false, true)) {
        metrics.grpcHandled(method, code.name(), timed ? System.nanoTime() - start : -1);
      }
    }
  }
}
