package dev.dcapd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The remote options' parsing and the one-line usage errors that need no daemon. */
class ServerOptionsTest {
  private final ServerOptions.DurationConverter durations = new ServerOptions.DurationConverter();

  @Test
  void timeouts() {
    assertEquals(Duration.ofMillis(250), durations.convert("250ms"));
    assertEquals(Duration.ofMillis(1500), durations.convert("1.5s"));
    assertEquals(Duration.ofMinutes(2), durations.convert("2m"));
    assertEquals(Duration.ofSeconds(10), durations.convert("PT10S"));
    for (String bad : new String[] {"soon", "0s", "-1s", "10"}) {
      assertThrows(CommandLine.TypeConversionException.class, () -> durations.convert(bad), bad);
    }
  }

  private static int run(StringWriter err, String... args) {
    return Dcap.run(args, new PrintWriter(new StringWriter()), new PrintWriter(err));
  }

  @Test
  void remoteCommandsWithoutAServerAreUsageErrors() {
    for (String[] args : new String[][] {
        {"get", "ab".repeat(32)}, {"recent"}, {"raw", "--head", "ab".repeat(32)}, {"--server", "nope", "recent"}}) {
      StringWriter err = new StringWriter();
      assertEquals(Dcap.EXIT_BAD_INPUT, run(err, args), String.join(" ", args));
      assertEquals(1, err.toString().lines().count(), err.toString());
      assertTrue(err.toString().startsWith("dcap: "), err.toString());
    }
  }
}
