package dev.dcapd.sidecar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dcapd.verifier.Backoff;
import dev.dcapd.verifier.binding.KeyType;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
  @Test
  void durations() {
    assertEquals(Duration.ofMillis(500), Main.duration("500ms", "--x"));
    assertEquals(Duration.ofSeconds(30), Main.duration("30s", "--x"));
    assertEquals(Duration.ofMinutes(5), Main.duration("5m", "--x"));
    assertEquals(Duration.ofHours(1), Main.duration("1h", "--x"));
    assertEquals(Duration.ofDays(2), Main.duration("2d", "--x"));
    assertEquals(Duration.ofSeconds(30), Main.duration("PT30S", "--x"));
    for (String bad : new String[] {"", "s", "10", "-1s", "0s", "1w", "abc"}) {
      assertThrows(IllegalArgumentException.class, () -> Main.duration(bad, "--x"), bad);
    }
  }

  @Test
  void listenIsUnixOrLoopbackOnly() {
    assertEquals(Path.of("/tmp/a.sock"), Listen.parse("unix:/tmp/a.sock").socket().orElseThrow());
    assertEquals(8080, Listen.parse("127.0.0.1:8080").tcp().orElseThrow().getPort());
    assertEquals(9, Listen.parse("[::1]:9").tcp().orElseThrow().getPort());
    for (String bad : new String[] {"0.0.0.0:80", "8.8.8.8:80", "unix:", "localhost", "127.0.0.1:x", "127.0.0.1:70000"}) {
      assertThrows(IllegalArgumentException.class, () -> Listen.parse(bad), bad);
    }
  }

  @Test
  void keyTypes() {
    assertEquals(KeyType.P256, Main.keyType("p256"));
    assertEquals(KeyType.SECP256K1, Main.keyType("SECP256K1"));
    assertThrows(IllegalArgumentException.class, () -> Main.keyType("ed25519"));
  }

  @Test
  void backoffDoublesToItsCap() {
    Backoff b = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(5));
    assertEquals(Duration.ofSeconds(1), b.delay(1));
    assertEquals(Duration.ofSeconds(2), b.delay(2));
    assertEquals(Duration.ofSeconds(4), b.delay(3));
    assertEquals(Duration.ofSeconds(5), b.delay(4));
    assertEquals(Duration.ofSeconds(5), b.delay(1000));
  }

  @Test
  void simulateWithoutTheSimulatorModuleIsOneLineAndItsOwnExitCode(@TempDir Path dir) {
    // The sidecar module's own class path has no sidecar-sim, as in the sidecar's image.
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new String[] {"--simulate", "--state-dir", dir.resolve("sim").toString()},
        new PrintWriter(out, true), new PrintWriter(err, true));
    assertEquals(Main.EXIT_NO_SIMULATOR, code);
    String message = err.toString().strip();
    assertTrue(message.startsWith("dcap-sidecar: --simulate needs the simulator"), message);
    assertFalse(message.contains("\n") || message.contains("Exception"), message);
    assertEquals("", out.toString());
    assertFalse(Files.exists(dir.resolve("sim")));
  }

  @Test
  void simulateNeedsAStateDir() {
    StringWriter err = new StringWriter();
    assertEquals(Main.EXIT_BAD_INPUT, Main.run(new String[] {"--simulate"}, new PrintWriter(new StringWriter()),
        new PrintWriter(err, true)));
    assertEquals("dcap-sidecar: --simulate needs --state-dir DIR", err.toString().strip());
  }

  @Test
  void theApiTokenGoesToTheStateDir() {
    Main main = new Main(new PrintWriter(new StringWriter()));
    new picocli.CommandLine(main).parseArgs("--agent", "unix:/nowhere/dstack.sock", "--listen", "127.0.0.1:0");
    SidecarConfig config = main.config(null);
    assertEquals(Path.of(Main.DEFAULT_STATE_DIR), config.stateDir().orElseThrow());
    main = new Main(new PrintWriter(new StringWriter()));
    new picocli.CommandLine(main).parseArgs("--agent", "unix:/nowhere/dstack.sock", "--listen", "127.0.0.1:0",
        "--state-dir", "/srv/sidecar");
    assertEquals(Path.of("/srv/sidecar"), main.config(null).stateDir().orElseThrow());
  }

  @Test
  void aTcpListenerWithoutAStateDirIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> new SidecarConfig(
        dev.dcapd.sidecar.agent.AgentEndpoint.unix(Path.of("/nowhere.sock")), "dstack", Duration.ofSeconds(1),
        java.util.Optional.empty(), Duration.ofSeconds(1), java.util.List.of(Listen.parse("127.0.0.1:0")), KeyType.P256,
        java.util.Optional.empty(), Duration.ofHours(1), SidecarConfig.DEFAULT_BACKOFF, 1, Duration.ofSeconds(1),
        java.util.Optional.empty()));
  }
}
