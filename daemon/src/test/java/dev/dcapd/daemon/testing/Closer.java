package dev.dcapd.daemon.testing;

import java.util.ArrayList;
import java.util.List;

/**
 * What a test opened (daemons, channels, stores), closed in the reverse order it was opened. A
 * test holds one in a field marked {@code @AutoClose}, so JUnit closes it after each test, whether
 * the test passed or not.
 */
public final class Closer implements AutoCloseable {
  private final List<AutoCloseable> open = new ArrayList<>();

  /** {@code resource}, to be closed before everything opened earlier. */
  public synchronized <T extends AutoCloseable> T add(T resource) {
    open.add(resource);
    return resource;
  }

  /** Closes everything, newest first; the first failure is thrown with the later ones suppressed. */
  @Override
  public synchronized void close() throws Exception {
    Exception first = null;
    for (int i = open.size() - 1; i >= 0; i--) {
      try {
        open.get(i).close();
      } catch (Exception e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    open.clear();
    if (first != null) {
      throw first;
    }
  }
}
