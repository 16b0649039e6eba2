package dev.dcapd.cli;

import static dev.dcapd.daemon.testing.LiveDaemon.TDX_AT;
import static dev.dcapd.daemon.testing.LiveDaemon.TDX_CHECKSUM;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcapd.client.DcapClient;
import dev.dcapd.daemon.Daemon;
import dev.dcapd.daemon.DaemonConfig;
import dev.dcapd.daemon.testing.LiveDaemon;
import dev.dcapd.daemon.testing.TestStores;
import dev.dcapd.proto.v1.VerifyResponse;
import dev.dcapd.testkit.Forge;
import dev.dcapd.testkit.ForgeSpec;
import dev.dcapd.testkit.ForgedCase;
import dev.dcapd.token.Ear;
import dev.dcapd.token.EarIssuer;
import dev.dcapd.token.EarVerifier;
import dev.dcapd.token.KeyRing;
import dev.dcapd.verifier.quote.TeeType;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon's tokens verify with the JOSE libraries relying parties use elsewhere, through the
 * examples people run: {@code examples/node/verify_token.js} (jose) and
 * {@code examples/python/verify_token.py} (PyJWT), each given a live daemon's token and its JWKS as
 * served at {@code /.well-known/jwks.json}. Both, and {@code dcap token verify} ({@link EarVerifier}),
 * must agree on every case: exit 0 for the genuine token, 1 for a forged quote's (contraindicated)
 * token, 2 naming the same reason for a changed byte, a key they were not given, a wrong nonce, an
 * instant past exp + {@link EarVerifier#LEEWAY}, and a verdict that rests on a root other than
 * Intel's ({@code INSECURE_ROOT}: a daemon run with {@code --insecure-trust-root} under a testkit
 * root, or a token without the {@code insecure_root} claim) unless given {@code --allow-insecure-root}.
 * Node and Python run only where their runtime is installed (CI installs both; the cli build runs
 * {@code npm ci} in examples/node).
 */
class TokenInteropTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path EXAMPLES = Path.of("..", "examples").toAbsolutePath().normalize();
  private static final Path PYTHON = Path.of("/usr/bin/python3");
  private static final Duration SCRIPT_TIMEOUT = Duration.ofSeconds(60);
  private static final String ALLOW_INSECURE_ROOT = "--allow-insecure-root";
  @TempDir static Path dir;
  private static LiveDaemon daemon;
  private static Path jwks;
  private static Path otherJwks;
  private static String token;
  private static String forgedToken;
  private static long exp;
  /** A daemon trusting a testkit root (--insecure-trust-root), its token about a quote forged under it, its keys. */
  private static Daemon insecureDaemon;
  private static ForgedCase insecureCase;
  private static String insecureRootToken;
  private static String insecureChecksum;
  private static Path insecureJwks;
  /** A token signed by a key of {@link #noClaimJwks} that does not say which root its verdict rests on. */
  private static String noClaimToken;
  private static Path noClaimJwks;

  record Run(int exit, String out, String err) {}

  /**
   * One case: what to give the verifier, the exit expected, the reason on stderr when refused, and
   * the quote's checksum the claims name when accepted.
   */
  record Case(String name, String token, Path jwks, long at, Optional<String> nonce, List<String> flags, int exit,
      String reason, String checksum) {
    Case(String name, String token, Path jwks, long at, Optional<String> nonce, int exit, String reason) {
      this(name, token, jwks, at, nonce, List.of(), exit, reason, TDX_CHECKSUM);
    }
  }

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

    insecureCase = Forge.forge(ForgeSpec.builder().tee(TeeType.TDX).build());
    Path root = Files.writeString(dir.resolve("insecure-root.pem"), insecureCase.rootPem(), StandardCharsets.US_ASCII);
    Path collateral = Files.createDirectories(dir.resolve("insecure-collateral"));
    Files.writeString(collateral.resolve("platform.json"), insecureCase.collateral().toJson(), StandardCharsets.UTF_8);
    insecureDaemon = Daemon.start(TestStores.on(new DaemonConfig(Optional.of(new InetSocketAddress("127.0.0.1", 0)),
        Optional.empty(), dir.resolve("insecure-data"), List.of(), Optional.of(collateral), Optional.of(root),
        Optional.empty(), false, Optional.empty(), 2, 64, 1 << 17, 16 << 20, Duration.ofSeconds(5), Duration.ofSeconds(1))),
        Clock.fixed(insecureCase.at(), ZoneOffset.UTC));
    try (DcapClient client = DcapClient.builder("127.0.0.1:" + insecureDaemon.grpcAddress().orElseThrow().getPort()).build()) {
      VerifyResponse r = client.verifyWithToken(insecureCase.quoteBytes(), Optional.empty()).response();
      assertTrue(r.getSuccess(), "the forged quote verifies under its own root: " + r);
      insecureRootToken = r.getToken();
      insecureChecksum = java.util.HexFormat.of().formatHex(
          java.security.MessageDigest.getInstance("SHA-256").digest(insecureCase.quoteBytes()));
      insecureJwks = Files.writeString(dir.resolve("insecure-jwks.json"), client.getKeys());
    }

    EarIssuer silent = new EarIssuer(KeyRing.generate(TDX_AT), Duration.ofMinutes(5), "https://dcapd.dev", "test");
    noClaimToken = silent.issue(new EarIssuer.Appraisal(Map.of("hardware", 2, "instance-identity", 2), "policy:default#ab",
        Map.of("checksum", TDX_CHECKSUM, "tcb_status", "UpToDate"), Optional.empty()), TDX_AT);
    noClaimJwks = Files.writeString(dir.resolve("no-claim-jwks.json"), silent.jwks(TDX_AT));
  }

  @AfterAll
  static void stop() {
    if (daemon != null) {
      daemon.close();
    }
    if (insecureDaemon != null) {
      insecureDaemon.close();
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
        new Case("past exp + leeway", token, jwks, exp + leeway, none, 2, "EXPIRED"),
        new Case("genuine, allowing an insecure root", token, jwks, at, none, List.of(ALLOW_INSECURE_ROOT), 0, null,
            TDX_CHECKSUM),
        new Case("insecure root", insecureRootToken, insecureJwks, insecureCase.at().getEpochSecond(), none, List.of(), 2,
            "INSECURE_ROOT", null),
        new Case("insecure root, allowed", insecureRootToken, insecureJwks, insecureCase.at().getEpochSecond(), none,
            List.of(ALLOW_INSECURE_ROOT), 0, null, insecureChecksum),
        new Case("no insecure_root claim", noClaimToken, noClaimJwks, at, none, List.of(), 2, "INSECURE_ROOT", null),
        new Case("no insecure_root claim, allowed", noClaimToken, noClaimJwks, at, none, List.of(ALLOW_INSECURE_ROOT), 0,
            null, TDX_CHECKSUM));
  }

  @Test
  void dcapTokenVerifyAgrees() throws Exception {
    agrees(c -> {
      List<String> cmd = new ArrayList<>(List.of("token", "verify", c.token(), "--jwks", c.jwks().toString(),
          "--at", Long.toString(c.at())));
      c.nonce().ifPresent(n -> cmd.addAll(List.of("--nonce", n)));
      cmd.addAll(c.flags());
      TokenFixtures.Result r = TokenFixtures.dcap(cmd.toArray(String[]::new));
      return new Run(r.exit(), r.out(), r.err());
    });
  }

  @Test
  void nodeJoseAgrees() throws Exception {
    Path script = EXAMPLES.resolve("node/verify_token.js");
    assumeTrue(runs(List.of("node", "--version")), "node is not on the PATH; CI installs it");
    assumeTrue(Files.isDirectory(EXAMPLES.resolve("node/node_modules/jose")),
        "examples/node/node_modules/jose is missing; the cli build installs it with npm (examples/node/install.sh)");
    agrees(c -> run(command(List.of("node", script.toString()), c)));
  }

  @Test
  void pythonPyJwtAgrees() throws Exception {
    Path script = EXAMPLES.resolve("python/verify_token.py");
    assumeTrue(runs(List.of(PYTHON.toString(), "-c", "import jwt, cryptography")),
        "/usr/bin/python3 with PyJWT and cryptography is missing (Debian python3-jwt, python3-cryptography); CI installs them");
    agrees(c -> run(command(List.of(PYTHON.toString(), script.toString()), c)));
  }

  private static List<String> command(List<String> interpreter, Case c) {
    List<String> cmd = new ArrayList<>(interpreter);
    cmd.addAll(List.of(c.token(), c.jwks().toString(), "--at", Long.toString(c.at())));
    c.nonce().ifPresent(n -> cmd.addAll(List.of("--nonce", n)));
    cmd.addAll(c.flags());
    return cmd;
  }

  /** A verifier run on one case. */
  interface Verifier {
    Run verify(Case c) throws Exception;
  }

  /** Runs every case, then fails once listing each disagreement. */
  private static void agrees(Verifier verifier) throws Exception {
    List<String> failures = new ArrayList<>();
    for (Case c : cases()) {
      Run r = verifier.verify(c);
      if (r.exit() != c.exit()) {
        failures.add(c.name() + ": exit " + r.exit() + ", expected " + c.exit() + "; stderr " + r.err().strip());
      } else if (c.reason() != null && !r.err().contains(": " + c.reason() + ": ")) {
        failures.add(c.name() + ": stderr does not name " + c.reason() + ": " + r.err().strip());
      } else if (c.exit() != 2) {
        JsonNode quote = JSON.readTree(r.out()).path(Ear.SUBMODS).path(Ear.SUBMOD);
        String status = quote.path(Ear.STATUS).asText();
        List<String> expected = c.exit() == 0 ? List.of(Ear.AFFIRMING, Ear.WARNING) : List.of(Ear.CONTRAINDICATED);
        if (!expected.contains(status) || (c.exit() == 0 && !c.checksum().equals(quote.at("/dcapd/checksum").asText()))) {
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
