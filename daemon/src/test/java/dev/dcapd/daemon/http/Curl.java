package dev.dcapd.daemon.http;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/** Runs Debian's {@code curl} as a user would, and reads back its status, headers and body. */
final class Curl {
  private final Path dir;
  private int runs;

  Curl(Path dir) {
    this.dir = dir;
  }

  /** What one curl run gave: the last response's status, its headers (lower-case names) and body. */
  record Result(int status, Map<String, String> headers, byte[] body) {
    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  /** {@code curl -sS ARGS...} with the headers and body captured; fails the test if curl itself fails. */
  Result run(String... args) throws IOException, InterruptedException {
    int n = ++runs;
    Path headers = dir.resolve("headers-" + n);
    Path body = dir.resolve("body-" + n);
    List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "30", "-D", headers.toString()));
    boolean ownOutput = List.of(args).contains("-o");
    if (!ownOutput) {
      cmd.addAll(List.of("-o", body.toString()));
    }
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("curl did not finish: " + cmd);
    }
    assertTrue(p.exitValue() == 0, "curl " + String.join(" ", args) + " exited " + p.exitValue() + ": " + out);
    Map<String, String> h = new TreeMap<>();
    int status = 0;
    for (String line : Files.readAllLines(headers, StandardCharsets.ISO_8859_1)) {
      if (line.startsWith("HTTP/")) {
        status = Integer.parseInt(line.split(" ")[1]);
        h.clear();
      } else if (line.indexOf(':') > 0) {
        int c = line.indexOf(':');
        h.put(line.substring(0, c).trim().toLowerCase(Locale.ROOT), line.substring(c + 1).trim());
      }
    }
    byte[] bytes = !ownOutput && Files.exists(body) ? Files.readAllBytes(body) : new byte[0];
    return new Result(status, h, bytes);
  }
}
