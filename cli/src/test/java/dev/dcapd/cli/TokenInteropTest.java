package dev.dcapd.cli;

import static dev.dcapd.daemon.testing.LiveDaemon.TDX_AT;
import static dev.dcapd.daemon.testing.LiveDaemon.TDX_CHECKSUM;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcapd.client.DcapClient;
import dev.dcapd.daemon.testing.LiveDaemon;
import dev.dcapd.token.Ear;
import dev.dcapd.token.EarVerifier;
import dev.dcapd.token.KeyRing;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon's tokens verify with the JOSE libraries relying parties use elsewhere, through the
 * examples people run: {@code examples/node/verify_token.js} (jose) and
 * {@code examples/python/verify_token.py} (PyJWT), each given a live daemon's token and its JWKS as
 * served at {@code /.well-known/jwks.json}. Both must agree with {@link EarVerifier} on every case:
 * exit 0 for the genuine token, 1 for a forged quote's (contraindicated) token, 2 naming the same
 * reason for a changed byte, a key they were not given, a wrong nonce, and an instant past
 * exp + {@link EarVerifier#LEEWAY}. Each runs only where its runtime is installed (CI installs both;
 * the cli build runs {@code npm ci} in examples/node).
 */
class TokenInteropTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path EXAMPLES = Path.of("..", "examples").toAbsolutePath().normalize();
  private static final Path PYTHON = Path.of("/usr/bin/python3");
  private static final Duration SCRIPT_TIMEOUT = Duration.ofSeconds(60);
  @TempDir static Path dir;
  private static LiveDaemon daemon;
  private static Path jwks;
  private static Path otherJwks;
  private static String token;
  private static String forgedToken;
  private static long exp;

  record Run(int exit, String out, String err) {}

  /** One case: what to give the script, the exit expected, and the reason on stderr when refused. */
  record Case(String name, String token, Path jwks, long at, Optional<String> nonce, int exit, String reason) {}

  @BeforeAll
  static void start() throws Exception {
    daemon = LiveDaemon.startWithHttp(dir);
    try (DcapClient client = DcapClient.builder(daemon.target()).build()) {
      token = client.verifyWithToken(LiveDaemon.TDX, Optional.empty()).response().getToken();
      forgedToken = client.verifyWithToken(TokenFixtures.forgedTdx(), Optional.empty()).response().getToken();
    }
    HttpResponse<String> keys = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create(daemon.httpUrl() + "/.well-known/jwks.json")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, keys.statusCode(), keys.body());
    jwks = Files.writeString(dir.resolve("jwks.json"), keys.body());
    otherJwks = Files.writeString(dir.resolve("other-jwks.json"),
        KeyRing.generate(TDX_AT).publicKeys(TDX_AT, Duration.ofMinutes(5)).toString());
    exp = EarVerifier.fromJwks(keys.body()).verify(token, Optional.empty(), TDX_AT).expiresAt().getEpochSecond();
  }

  @AfterAll
  static void stop() {
    if (daemon != null) {
      daemon.close();
    }
  }

  private static List<Case> cases() {
    long at = TDX_AT.getEpochSecond();
    long leeway = EarVerifier.LEEWAY.toSeconds();
    Optional<String> none = Optional.empty();
    return List.of(
        new Case("genuine", token, jwks, at, none, 0, null),
        new Case("genuine, last second of the leeway", token, jwks, exp + leeway - 1, none, 0, null),
        new Case("forged quote", forgedToken, jwks, at, none, 1, null),
        new Case("one claim byte changed", TokenFixtures.withClaimChanged(token), jwks, at, none, 2, "BAD_SIGNATURE"),
        new Case("one signature byte changed", TokenFixtures.withSignatureChanged(token), jwks, at, none, 2,
            "BAD_SIGNATURE"),
        new Case("another daemon's keys", token, otherJwks, at, none, 2, "UNKNOWN_KEY"),
        new Case("wrong nonce", token, jwks, at, Optional.of("00112233"), 2, "WRONG_NONCE"),
        new Case("past exp + leeway", token, jwks, exp + leeway, none, 2, "EXPIRED"));
  }

  @Test
  void nodeJoseAgrees() throws Exception {
    Path script = EXAMPLES.resolve("node/verify_token.js");
    assumeTrue(runs(List.of("node", "--version")), "node is not on the PATH; CI installs it");
    assumeTrue(Files.isDirectory(EXAMPLES.resolve("node/node_modules/jose")),
        "examples/node/node_modules/jose is missing; the cli build installs it with npm (examples/node/install.sh)");
    agrees(c -> command(List.of("node", script.toString()), c));
  }

  @Test
  void pythonPyJwtAgrees() throws Exception {
    Path script = EXAMPLES.resolve("python/verify_token.py");
    assumeTrue(runs(List.of(PYTHON.toString(), "-c", "import jwt, cryptography")),
        "/usr/bin/python3 with PyJWT and cryptography is missing (Debian python3-jwt, python3-cryptography); CI installs them");
    agrees(c -> command(List.of(PYTHON.toString(), script.toString()), c));
  }

  private static List<String> command(List<String> interpreter, Case c) {
    List<String> cmd = new ArrayList<>(interpreter);
    cmd.addAll(List.of(c.token(), c.jwks().toString(), "--at", Long.toString(c.at())));
    c.nonce().ifPresent(n -> cmd.addAll(List.of("--nonce", n)));
    return cmd;
  }

  /** Runs every case, then fails once listing each disagreement. */
  private static void agrees(Function<Case, List<String>> command) throws Exception {
    List<String> failures = new ArrayList<>();
    for (Case c : cases()) {
      Run r = run(command.apply(c));
      if (r.exit() != c.exit()) {
        failures.add(c.name() + ": exit " + r.exit() + ", expected " + c.exit() + "; stderr " + r.err().strip());
      } else if (c.reason() != null && !r.err().contains(": " + c.reason() + ": ")) {
        failures.add(c.name() + ": stderr does not name " + c.reason() + ": " + r.err().strip());
      } else if (c.exit() != 2) {
        JsonNode quote = JSON.readTree(r.out()).path(Ear.SUBMODS).path(Ear.SUBMOD);
        String status = quote.path(Ear.STATUS).asText();
        String expected = c.exit() == 0 ? Ear.AFFIRMING : Ear.CONTRAINDICATED;
        if (!expected.equals(status) || (c.exit() == 0 && !TDX_CHECKSUM.equals(quote.at("/dcapd/checksum").asText()))) {
          failures.add(c.name() + ": claims " + quote);
        }
      }
    }
    assertEquals(List.of(), failures);
  }

  private static boolean runs(List<String> cmd) throws InterruptedException {
    try {
      return run(cmd).exit() == 0;
    } catch (IOException e) {
      return false;
    }
  }

  private static Run run(List<String> cmd) throws IOException, InterruptedException {
    Path out = Files.createTempFile(dir, "out", ".txt");
    Path err = Files.createTempFile(dir, "err", ".txt");
    Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(SCRIPT_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor();
      throw new AssertionError(cmd.get(0) + " did not finish within " + SCRIPT_TIMEOUT + ": " + String.join(" ", cmd));
    }
    return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
  }
}
