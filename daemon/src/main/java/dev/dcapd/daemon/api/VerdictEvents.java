package dev.dcapd.daemon.api;

import dev.dcapd.proto.v1.VerdictChange;
import dev.dcapd.proto.v1.WatchVerdictsRequest;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The verdict changes of stored quotes, fanned out to {@code WatchVerdicts} streams. Each stream
 * has a bounded queue drained as its transport becomes ready; a client that falls more than
 * {@link #QUEUE_LIMIT} changes behind is ended with RESOURCE_EXHAUSTED rather than holding the
 * daemon's memory. At most {@link #WATCHER_LIMIT} streams are open at once, and at most a bound of
 * them per peer ({@link Peers}), so that one client cannot take every stream; a stream the client
 * cancels, or whose connection dies, frees its place at once.
 */
final class VerdictEvents {
  static final int QUEUE_LIMIT = 4096;
  /** Streams open at once; more are refused with RESOURCE_EXHAUSTED. */
  static final int WATCHER_LIMIT = dev.dcapd.daemon.PeerLimits.TOTAL_WATCHERS;

  private final CopyOnWriteArrayList<Watcher> watchers = new CopyOnWriteArrayList<>();
  /** Open streams by peer; a peer with none has no entry. Guarded by itself, as is admission. */
  private final Map<String, Integer> perPeer = new HashMap<>();

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

  /**
   * Starts a stream for {@code peer}, unless the daemon or that peer holds its bound of streams
   * already ({@link ApiErrors#WATCHERS_PER_PEER}); it ends when the client cancels or falls too
   * far behind.
   */
  void watch(WatchVerdictsRequest filter, ServerCallStreamObserver<VerdictChange> stream, String peer, int peerLimit) {
    Watcher w = new Watcher(filter, stream, peer);
    // Set while the call is new (grpc-java's rule); a refused stream's cancel frees nothing.
    stream.setOnCancelHandler(w::end);
    stream.setOnReadyHandler(w::drain);
    synchronized (perPeer) {
      int held = perPeer.getOrDefault(peer, 0);
      if (held >= peerLimit) {
        stream.onError(ApiErrors.exhausted(ApiErrors.WATCHERS_PER_PEER, "at most " + peerLimit
            + " WatchVerdicts streams are open at once from one client address"));
        return;
      }
      if (watchers.size() >= WATCHER_LIMIT) {
        stream.onError(ApiErrors.exhausted("at most " + WATCHER_LIMIT + " WatchVerdicts streams are open at once"));
        return;
      }
      perPeer.put(peer, held + 1);
      w.admitted.set(true);
      watchers.add(w);
    }
    if (stream.isCancelled()) {
      w.end();
    }
  }

  private final class Watcher {
    private final WatchVerdictsRequest filter;
    private final ServerCallStreamObserver<VerdictChange> stream;
    private final String peer;
    private final Queue<VerdictChange> queue = new ArrayDeque<>();
    private boolean ended;
    /** Holds a place: from admission until {@link #end()}. */
    private final AtomicBoolean admitted = new AtomicBoolean();

    Watcher(WatchVerdictsRequest filter, ServerCallStreamObserver<VerdictChange> stream, String peer) {
      this.filter = filter;
      this.stream = stream;
      this.peer = peer;
    }

    /** Frees this stream's place, once. */
    void end() {
      if (admitted.compareAndSet(true, false)) {
        synchronized (perPeer) {
          watchers.remove(this);
          perPeer.computeIfPresent(peer, (p, n) -> n > 1 ? n - 1 : null);
        }
      }
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
        end();
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
