package dev.dcapd.daemon.api;

import dev.dcapd.proto.v1.VerdictChange;
import dev.dcapd.proto.v1.WatchVerdictsRequest;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The verdict changes of stored quotes, fanned out to {@code WatchVerdicts} streams. Each stream
 * has a bounded queue drained as its transport becomes ready; a client that falls more than
 * {@link #QUEUE_LIMIT} changes behind is ended with RESOURCE_EXHAUSTED rather than holding the
 * daemon's memory.
 */
final class VerdictEvents {
  static final int QUEUE_LIMIT = 4096;
  /** Streams open at once; more are refused with RESOURCE_EXHAUSTED. */
  static final int WATCHER_LIMIT = 256;

  private final CopyOnWriteArrayList<Watcher> watchers = new CopyOnWriteArrayList<>();

  /** Sends {@code change} to every stream whose filter it matches. */
  void publish(VerdictChange change) {
    for (Watcher w : watchers) {
      if (w.matches(change)) {
        w.offer(change);
      }
    }
  }

  int watchers() {
    return watchers.size();
  }

  /** Starts a stream; it ends when the client cancels or falls too far behind. */
  void watch(WatchVerdictsRequest filter, ServerCallStreamObserver<VerdictChange> stream) {
    if (watchers.size() >= WATCHER_LIMIT) {
      stream.onError(ApiErrors.exhausted("at most " + WATCHER_LIMIT + " WatchVerdicts streams are open at once"));
      return;
    }
    Watcher w = new Watcher(filter, stream);
    stream.setOnCancelHandler(() -> watchers.remove(w));
    stream.setOnReadyHandler(w::drain);
    watchers.add(w);
  }

  private final class Watcher {
    private final WatchVerdictsRequest filter;
    private final ServerCallStreamObserver<VerdictChange> stream;
    private final Queue<VerdictChange> queue = new ArrayDeque<>();
    private boolean ended;

    Watcher(WatchVerdictsRequest filter, ServerCallStreamObserver<VerdictChange> stream) {
      this.filter = filter;
      this.stream = stream;
    }

    boolean matches(VerdictChange c) {
      return (filter.getChecksum().isEmpty() || filter.getChecksum().equalsIgnoreCase(c.getChecksum()))
          && (filter.getFmspc().isEmpty() || filter.getFmspc().equals(c.getFmspc()))
          && (filter.getStatus().isEmpty() || filter.getStatus().equals(c.getTo()));
    }

    synchronized void offer(VerdictChange c) {
      if (ended) {
        return;
      }
      if (queue.size() >= QUEUE_LIMIT) {
        ended = true;
        queue.clear();
        watchers.remove(this);
        stream.onError(Status.RESOURCE_EXHAUSTED
            .withDescription("the watcher fell " + QUEUE_LIMIT + " verdict changes behind; watch again")
            .asRuntimeException());
        return;
      }
      queue.add(c);
      drain();
    }

    synchronized void drain() {
      while (!ended && !queue.isEmpty() && stream.isReady() && !stream.isCancelled()) {
        stream.onNext(queue.poll());
      }
    }
  }
}
