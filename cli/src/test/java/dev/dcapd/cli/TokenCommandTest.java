package dev.dcapd.cli;

import static dev.dcapd.cli.TokenFixtures.dcap;
import static dev.dcapd.daemon.testing.LiveDaemon.TDX_AT;
import static dev.dcapd.daemon.testing.LiveDaemon.TDX_CHECKSUM;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcapd.cli.TokenFixtures.Result;
import dev.dcapd.daemon.testing.LiveDaemon;
import dev.dcapd.token.Ear;
import dev.dcapd.token.EarVerifier;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dcap token verify} as a relying party uses it, on tokens a live daemon signed (asked for
 * with {@code dcap --server S verify --token}) and the keys it publishes ({@code dcap --server S keys},
 * its JWKS URL, or GetKeys). The daemon's clock is fixed at {@link LiveDaemon#TDX_AT}, so tokens are
 * judged as of then with {@code --at}.
 */
class TokenCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String AT = Long.toString(TDX_AT.getEpochSecond());
  @TempDir static Path dir;
  private static LiveDaemon daemon;
  private static Path tdx;
  private static Path forged;
  private static Path jwks;
  /** The daemon's token about dcap-qvl's TDX quote (UpToDate: affirming). */
  private static String token;

  @BeforeAll
  static void start() throws Exception {
    daemon = LiveDaemon.startWithHttp(dir);
    tdx = Files.write(dir.resolve("tdx.bin"), LiveDaemon.TDX);
    forged = Files.write(dir.resolve("forged.bin"), TokenFixtures.forgedTdx());
    Result keys = dcap("--server", daemon.target(), "keys");
    assertEquals(0, keys.exit(), keys.err());
    jwks = Files.writeString(dir.resolve("jwks.json"), keys.out());
    Result verify = dcap("--server", daemon.target(), "verify", tdx.toString(), "--token");
    assertEquals(0, verify.exit(), verify.err());
    token = verify.out().strip();
    assertEquals(1, verify.out().lines().count(), "the token alone: " + verify.out());
  }

  @AfterAll
  static void stop() {
    daemon.close();
  }

  private static Result verifyToken(String tokenText, String... more) {
    List<String> args = new ArrayList<>(List.of("token", "verify", tokenText));
    args.addAll(List.of(more));
    return dcap(args.toArray(String[]::new));
  }

  /** Exit 2 with one line on stderr naming {@code reason}, nothing on stdout. */
  private static void assertRefused(Result r, String reason) {
    assertEquals(2, r.exit(), r.err());
    assertTrue(r.err().startsWith("dcap: " + reason + ": "), r.err());
    assertEquals(1, r.err().lines().count(), r.err());
    assertEquals("", r.out());
  }

  @Test
  void aTokenFromTheDaemonVerifiesWithItsKeysFromAFileAUrlOrTheServer() throws Exception {
    Result r = verifyToken(token, "--jwks", jwks.toString(), "--at", AT);
    assertEquals(0, r.exit(), r.err());
    assertEquals("", r.err());
    JsonNode claims = JSON.readTree(r.out());
    assertEquals(Ear.PROFILE, claims.get(Ear.EAT_PROFILE).textValue());
    assertEquals(TDX_AT.getEpochSecond(), claims.get("iat").longValue());
    JsonNode quote = claims.get(Ear.SUBMODS).get(Ear.SUBMOD);
    assertEquals(Ear.AFFIRMING, quote.get(Ear.STATUS).textValue());
    assertEquals(TDX_CHECKSUM, quote.at("/dcapd/checksum").textValue());
    assertEquals("UpToDate", quote.at("/dcapd/tcb_status").textValue());
    assertTrue(claims.get(Ear.EAT_NONCE) == null, "no nonce was asked for");
    String kid = JSON.readTree(TokenFixtures.header(token)).get("kid").textValue();
    assertEquals(kid, claims.get("key_id").textValue());
    assertEquals(kid, JSON.readTree(Files.readString(jwks)).at("/keys/0/kid").textValue());

    String url = daemon.httpUrl() + "/.well-known/jwks.json";
    Result fromUrl = verifyToken(token, "--jwks", url, "--at", "2025-07-19T10:00:34Z");
    assertEquals(0, fromUrl.exit(), fromUrl.err());
    assertEquals(r.out(), fromUrl.out());
    Result fromServer = dcap("--server", daemon.target(), "token", "verify", token, "--at", AT);
    assertEquals(0, fromServer.exit(), fromServer.err());
    assertEquals(r.out(), fromServer.out());
  }

  @Test
  void theTokenCanComeOnStandardInput() {
    InputStream stdin = System.in;
    try {
      System.setIn(new ByteArrayInputStream((token + "\n").getBytes(StandardCharsets.US_ASCII)));
      Result r = verifyToken("-", "--jwks", jwks.toString(), "--at", AT);
      assertEquals(0, r.exit(), r.err());
      assertEquals(verifyToken(token, "--jwks", jwks.toString(), "--at", AT).out(), r.out());
    } finally {
      System.setIn(stdin);
    }
  }

  @Test
  void oneChangedByteIsABadSignature() {
    assertRefused(verifyToken(TokenFixtures.withClaimChanged(token), "--jwks", jwks.toString(), "--at", AT),
        "BAD_SIGNATURE");
    assertRefused(verifyToken(TokenFixtures.withSignatureChanged(token), "--jwks", jwks.toString(), "--at", AT),
        "BAD_SIGNATURE");
  }

  @Test
  void aNonceTheTokenDoesNotCarryIsTheWrongNonce() {
    assertRefused(verifyToken(token, "--jwks", jwks.toString(), "--at", AT, "--nonce", "00112233"), "WRONG_NONCE");
    Result notHex = verifyToken(token, "--jwks", jwks.toString(), "--at", AT, "--nonce", "xyz");
    assertEquals(2, notHex.exit());
    assertTrue(notHex.err().startsWith("dcap: --nonce: "), notHex.err());
  }

  @Test
  void fromItsExpiryPlusTheLeewayItHasExpired() throws Exception {
    long exp = JSON.readTree(verifyToken(token, "--jwks", jwks.toString(), "--at", AT).out()).get("exp").longValue();
    String lastGood = Long.toString(exp + EarVerifier.LEEWAY.toSeconds() - 1);
    assertEquals(0, verifyToken(token, "--jwks", jwks.toString(), "--at", lastGood).exit());
    String firstBad = Long.toString(exp + EarVerifier.LEEWAY.toSeconds());
    assertRefused(verifyToken(token, "--jwks", jwks.toString(), "--at", firstBad), "EXPIRED");
    // Without --at the instant is now, long after the daemon's fixed clock.
    assertRefused(verifyToken(token, "--jwks", jwks.toString()), "EXPIRED");
  }

  @Test
  void aForgedQuotesTokenVerifiesAndIsContraindicated() throws Exception {
    Result verify = dcap("--server", daemon.target(), "verify", forged.toString(), "--token");
    assertEquals(1, verify.exit(), "the daemon rejects the forged quote: " + verify.err());
    Result r = verifyToken(verify.out().strip(), "--jwks", jwks.toString(), "--at", AT);
    assertEquals(1, r.exit(), r.err());
    JsonNode quote = JSON.readTree(r.out()).get(Ear.SUBMODS).get(Ear.SUBMOD);
    assertEquals(Ear.CONTRAINDICATED, quote.get(Ear.STATUS).textValue());
    assertEquals("INVALID_QUOTE_SIGNATURE", quote.at("/dcapd/failure").textValue());
    assertEquals("dcap: the token verifies and its ear.status is contraindicated (INVALID_QUOTE_SIGNATURE)",
        r.err().strip());
  }

  @Test
  void keysThatDoNotSignItOrCannotBeHad() throws Exception {
    Path empty = Files.writeString(dir.resolve("empty-jwks.json"), "{\"keys\":[]}");
    assertRefused(verifyToken(token, "--jwks", empty.toString(), "--at", AT), "UNKNOWN_KEY");

    Path notJwks = Files.writeString(dir.resolve("not-jwks.json"), "{\"keys\": 1}");
    Result bad = verifyToken(token, "--jwks", notJwks.toString(), "--at", AT);
    assertEquals(2, bad.exit());
    assertTrue(bad.err().startsWith("dcap: " + notJwks + ": not a JWKS"), bad.err());

    Result missing = verifyToken(token, "--jwks", dir.resolve("nowhere.json").toString(), "--at", AT);
    assertEquals(2, missing.exit());
    assertTrue(missing.err().endsWith("nowhere.json: no such file\n"), missing.err());

    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    Result unreachable = verifyToken(token, "--jwks", "http://127.0.0.1:" + closed + "/.well-known/jwks.json", "--at", AT);
    assertEquals(2, unreachable.exit());
    assertEquals(1, unreachable.err().lines().count(), unreachable.err());

    Result none = verifyToken(token, "--at", AT);
    assertEquals(2, none.exit());
    assertTrue(none.err().contains("--jwks FILE|URL, or dcap --server"), none.err());
    Result noCommand = dcap("token");
    assertEquals(2, noCommand.exit());
  }

  @Test
  void remoteVerifyAndGetAddTheTokenToTheirJson() throws Exception {
    Result verify = dcap("--server", daemon.target(), "verify", tdx.toString(), "--token", "--json");
    assertEquals(0, verify.exit(), verify.err());
    JsonNode answer = JSON.readTree(verify.out());
    assertEquals(TDX_CHECKSUM, answer.get("checksum").textValue());
    assertEquals(0, verifyToken(answer.get("token").textValue(), "--jwks", jwks.toString(), "--at", AT).exit());

    Result get = dcap("--server", daemon.target(), "get", TDX_CHECKSUM, "--token");
    assertEquals(0, get.exit(), get.err());
    Result fromGet = verifyToken(get.out().strip(), "--jwks", jwks.toString(), "--at", AT);
    assertEquals(0, fromGet.exit(), fromGet.err());
    Result getJson = dcap("--server", daemon.target(), "get", TDX_CHECKSUM, "--token", "--json");
    assertEquals(0, getJson.exit(), getJson.err());
    assertTrue(JSON.readTree(getJson.out()).get("token").textValue().startsWith("eyJ"), getJson.out());
    Result plain = dcap("--server", daemon.target(), "get", TDX_CHECKSUM, "--json");
    assertTrue(JSON.readTree(plain.out()).get("token") == null, "no token unless asked for");

    Result two = dcap("--server", daemon.target(), "verify", tdx.toString(), forged.toString(), "--token");
    assertEquals(2, two.exit());
    assertEquals("dcap: --token takes one QUOTE", two.err().strip());
    Result offline = dcap("verify", tdx.toString(), "--token", "--collateral", jwks.toString());
    assertEquals(2, offline.exit());
    assertTrue(offline.err().startsWith("dcap: --token needs dcap --server"), offline.err());
  }
}
