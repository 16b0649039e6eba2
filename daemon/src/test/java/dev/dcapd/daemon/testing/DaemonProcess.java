package dev.dcapd.daemon.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code dcapd serve} as a process of its own, started through its real entry point on the test's
 * class path with a gRPC listener on a free loopback port: the ports come from its start-up line.
 * {@link #kill()} is {@code kill -9}; {@link #close()} kills it too and waits for it to be gone.
 */
public final class DaemonProcess implements AutoCloseable {
  private static final Pattern GRPC = Pattern.compile("^dcapd serving grpc 127\\.0\\.0\\.1:(\\d+) .*");
  private static final Pattern HTTP = Pattern.compile(" http://127\\.0\\.0\\.1:(\\d+)/ ");
  private static final Pattern READY = Pattern.compile("\\(ready (\\d+) ms after JVM start\\)");

  private final Process process;
  private final String line;
  private final long startedNanos;
  private final long readyNanos;

  private DaemonProcess(Process process, String line, long startedNanos, long readyNanos) {
    this.process = process;
    this.line = line;
    this.startedNanos = startedNanos;
    this.readyNanos = readyNanos;
  }

  /**
   * Starts {@code dcapd serve --grpc 127.0.0.1:0 --data DATA [store options] OPTIONS…} and waits
   * for its start-up line; its log goes to {@code log} (an undrained pipe would stall it).
   */
  public static DaemonProcess start(Path data, Path log, List<String> options) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m", "-cp", System.getProperty("java.class.path"),
        "dev.dcapd.daemon.Dcapd", "serve", "--grpc", "127.0.0.1:0"));
    cmd.addAll(TestStores.serveOptions(data));
    cmd.addAll(options);
    long started = System.nanoTime();
    Process p = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      String line = out.readLine();
      long ready = System.nanoTime();
      if (line == null || !GRPC.matcher(line).matches()) {
        throw new IOException("the daemon did not print its start-up line (" + line + "); its log is " + log);
      }
      // Anything it prints later is read and dropped, so that a full pipe never stalls it.
      Thread drain = new Thread(() -> {
        try {
          while (out.readLine() != null) {
            // dropped
          }
        } catch (IOException e) {
          // the process is gone
        }
      }, "daemon-stdout");
      drain.setDaemon(true);
      drain.start();
      return new DaemonProcess(p, line, started, ready);
    } catch (IOException | RuntimeException e) {
      p.destroyForcibly();
      throw e;
    }
  }

  public String startupLine() {
    return line;
  }

  public int grpcPort() {
    Matcher m = GRPC.matcher(line);
    if (!m.matches()) {
      throw new IllegalStateException(line);
    }
    return Integer.parseInt(m.group(1));
  }

  /** The {@code --http} port, when the daemon serves one (on 127.0.0.1). */
  public int httpPort() {
    Matcher m = HTTP.matcher(line);
    if (!m.find()) {
      throw new IllegalStateException("no http listener in: " + line);
    }
    return Integer.parseInt(m.group(1));
  }

  /** {@link System#nanoTime()} just before the process was started. */
  public long startedNanos() {
    return startedNanos;
  }

  /** {@link System#nanoTime()} when its start-up line was read. */
  public long readyNanos() {
    return readyNanos;
  }

  /** How long after its JVM started the daemon says it was ready, from its start-up line. */
  public OptionalInt readyAfterJvmStartMillis() {
    Matcher m = READY.matcher(line);
    return m.find() ? OptionalInt.of(Integer.parseInt(m.group(1))) : OptionalInt.empty();
  }

  public Process process() {
    return process;
  }

  /** {@code kill -9}, and waits (at most 30 s) for the process to be gone. */
  public boolean kill() throws InterruptedException {
    process.destroyForcibly();
    return process.waitFor(30, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    kill();
  }
}
