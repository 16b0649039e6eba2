package dev.dcapd.daemon;

import dev.dcapd.daemon.api.ApiErrors;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Bounds the calls in flight (running or queued for the worker pool). Beyond the bound a call is
 * refused at once with RESOURCE_EXHAUSTED instead of waiting in an unbounded queue. Streams
 * ({@code WatchVerdicts}) last as long as their client and are bounded by their own limit.
 */
public final class CapacityLimiter implements ServerInterceptor {
  private final Semaphore permits;
  private final Metrics metrics;

  public CapacityLimiter(int maxInFlight, Metrics metrics) {
    this.permits = new Semaphore(maxInFlight);
    this.metrics = metrics;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    if (call.getMethodDescriptor().getType() == io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING) {
      return next.startCall(call, headers);
    }
    if (!permits.tryAcquire()) {
      metrics.rejected();
      com.google.rpc.Status s = StatusProto.fromThrowable(ApiErrors.exhausted("the server is at capacity; retry with backoff"));
      call.close(Status.RESOURCE_EXHAUSTED.withDescription(s.getMessage()), StatusProto.toStatusRuntimeException(s).getTrailers());
      return new ServerCall.Listener<>() {};
    }
    AtomicBoolean released = new AtomicBoolean();
    Runnable release = () -> {
      if (released.compareAndSet(false, true)) {
        permits.release();
      }
    };
    try {
      return new SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
        @Override
        public void onComplete() {
          try {
            super.onComplete();
          } finally {
            release.run();
          }
        }

        @Override
        public void onCancel() {
          try {
            super.onCancel();
          } finally {
            release.run();
          }
        }
      };
    } catch (RuntimeException e) {
      release.run();
      throw e;
    }
  }
}
