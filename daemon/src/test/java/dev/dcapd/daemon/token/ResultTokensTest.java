package dev.dcapd.daemon.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.benmanes.caffeine.cache.Ticker;
import com.google.protobuf.ByteString;
import dev.dcapd.daemon.api.AttestationFailure;
import dev.dcapd.proto.v1.Failure;
import dev.dcapd.proto.v1.PolicyRef;
import dev.dcapd.proto.v1.Verdict;
import dev.dcapd.token.Ear;
import dev.dcapd.token.EarIssuer;
import dev.dcapd.token.EarVerifier;
import dev.dcapd.token.KeyRing;
import dev.dcapd.token.VerifiedEar;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.Vectors;
import dev.dcapd.verifier.binding.KeyType;
import dev.dcapd.verifier.binding.ReportDataBinding;
import dev.dcapd.verifier.quote.Quote;
import dev.dcapd.verifier.quote.QuoteInput;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultTokensTest {
  private static final Instant NOW = Instant.parse("2025-07-19T10:00:34Z");
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  /** A TD quote's REPORTDATA: header (48) + 520, 64 bytes. */
  private static final int TD_REPORTDATA = 48 + 520;

  private final AtomicLong nanos = new AtomicLong();
  private final Ticker ticker = nanos::get;
  private final EarIssuer issuer = new EarIssuer(KeyRing.generate(NOW), Duration.ofMinutes(5), "test", "test");
  private final ResultTokens tokens = new ResultTokens(issuer, CLOCK, ticker);

  private static Quote withReportData(byte[] reportData) throws Exception {
    byte[] q = Vectors.bytes("dcap-qvl/tdx_quote").clone();
    System.arraycopy(reportData, 0, q, TD_REPORTDATA, reportData.length);
    return QuoteInput.parse(q);
  }

  private static Verdict verdict(boolean success, String status, String failure) {
    Verdict.Builder v = Verdict.newBuilder().setSuccess(success).setTcbStatus(status).setChecksum("c4")
        .setQuoteVersion(4).setTeeType("TDX").setFmspc(ByteString.copyFrom(HexFormat.of().parseHex("b0c06f000000")))
        .setPolicy(PolicyRef.newBuilder().setName("default").setSha256("ab")).setTrustRoot("44a0");
    if (failure != null) {
      v.setFailure(Failure.newBuilder().setCode(failure).setMessage("m"));
    }
    return v.build();
  }

  private VerifiedEar verify(String token) throws Exception {
    return EarVerifier.fromJwks(tokens.jwks()).verify(token, Optional.empty(), NOW);
  }

  @Test
  void aNonceTheQuoteCarriesIsInTheTokenOnce() throws Exception {
    ResultTokens.Challenge c = tokens.challenge("test");
    assertEquals(NOW.plus(ResultTokens.CHALLENGE_LIFETIME), c.expiresAt());
    Quote quote = withReportData(c.nonce());
    String token = tokens.issue(quote, verdict(true, "UpToDate", null), Optional.of(c.nonce()));
    VerifiedEar ear = EarVerifier.fromJwks(tokens.jwks())
        .verify(token, Optional.of(HexFormat.of().formatHex(c.nonce())), NOW);
    assertEquals(Ear.AFFIRMING, ear.status());
    assertEquals("0x" + HexFormat.of().formatHex(quote.body().reportData().toByteArray()),
        ear.dcapd().get("report_data"));

    assertReason("NONCE_REPLAYED", () -> tokens.issue(quote, verdict(true, "UpToDate", null), Optional.of(c.nonce())));
  }

  @Test
  void aNonceNeverIssuedOrExpiredOrNotCarriedIsRefused() throws Exception {
    byte[] made = new byte[32];
    made[0] = 7;
    assertReason("NONCE_UNKNOWN", () -> tokens.issue(withReportData(made), verdict(true, "UpToDate", null), Optional.of(made)));

    ResultTokens.Challenge c = tokens.challenge("test");
    Quote other = withReportData(new byte[64]);
    assertReason("NONCE_NOT_BOUND", () -> tokens.issue(other, verdict(true, "UpToDate", null), Optional.of(c.nonce())));
    // Not carried does not use the nonce up; time does.
    nanos.addAndGet(ResultTokens.CHALLENGE_LIFETIME.plusSeconds(1).toNanos());
    Quote carrying = withReportData(c.nonce());
    assertReason("NONCE_UNKNOWN", () -> tokens.issue(carrying, verdict(true, "UpToDate", null), Optional.of(c.nonce())));
  }

  @Test
  void aPeerAtItsBoundOfOpenChallengesIsRefusedUntilOneIsUsedOrExpires() throws Exception {
    ResultTokens bounded = new ResultTokens(issuer, CLOCK, ticker, 3);
    List<ResultTokens.Challenge> held = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      held.add(bounded.challenge("10.0.0.1"));
      nanos.addAndGet(Duration.ofSeconds(10).toNanos());
    }
    ResultTokens.TooManyChallenges refused = assertThrows(ResultTokens.TooManyChallenges.class,
        () -> bounded.challenge("10.0.0.1"));
    // The oldest of the three expires 5 minutes after it was handed out, 30 s ago.
    assertEquals(ResultTokens.CHALLENGE_LIFETIME.minusSeconds(30), refused.retryAfter());
    // Another peer is not held back, and the refused one's nonces all still work.
    bounded.challenge("10.0.0.2");
    bounded.issue(withReportData(held.get(1).nonce()), verdict(true, "UpToDate", null), Optional.of(held.get(1).nonce()));
    // Using one frees its place; then only time does.
    held.set(1, bounded.challenge("10.0.0.1"));
    assertThrows(ResultTokens.TooManyChallenges.class, () -> bounded.challenge("10.0.0.1"));
    nanos.addAndGet(refused.retryAfter().toNanos());
    bounded.challenge("10.0.0.1");
    for (int i = 1; i < 3; i++) {
      byte[] n = held.get(i).nonce();
      bounded.issue(withReportData(n), verdict(true, "UpToDate", null), Optional.of(n));
    }
  }

  @Test
  void aDcapdbv1BindingCarriesTheNonceByItsHash() throws Exception {
    ResultTokens.Challenge c = tokens.challenge("test");
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    java.security.interfaces.ECPublicKey pub = (java.security.interfaces.ECPublicKey) g.generateKeyPair().getPublic();
    byte[] xy = new byte[64];
    byte[] x = pub.getW().getAffineX().toByteArray();
    byte[] y = pub.getW().getAffineY().toByteArray();
    System.arraycopy(x, Math.max(0, x.length - 32), xy, 32 - Math.min(32, x.length), Math.min(32, x.length));
    System.arraycopy(y, Math.max(0, y.length - 32), xy, 64 - Math.min(32, y.length), Math.min(32, y.length));
    Bytes bound = ReportDataBinding.encode(KeyType.P256, Bytes.of(xy), Optional.of(Bytes.of(c.nonce())));
    String token = tokens.issue(withReportData(bound.toByteArray()), verdict(true, "UpToDate", null), Optional.of(c.nonce()));
    assertEquals(Optional.of(HexFormat.of().formatHex(c.nonce())), verify(token).nonce());
  }

  @Test
  void theStatusFollowsTheVerdict() throws Exception {
    Quote q = withReportData(new byte[64]);
    assertEquals(Ear.AFFIRMING, verify(tokens.issue(q, verdict(true, "UpToDate", null), Optional.empty())).status());
    VerifiedEar outOfDate = verify(tokens.issue(q, verdict(true, "OutOfDate", null), Optional.empty()));
    assertEquals(Ear.WARNING, outOfDate.status());
    assertEquals(32L, ((Number) outOfDate.vector().get("hardware")).longValue());
    VerifiedEar forged = verify(tokens.issue(q, verdict(false, "", "INVALID_QUOTE_SIGNATURE"), Optional.empty()));
    assertEquals(Ear.CONTRAINDICATED, forged.status());
    assertEquals(97L, ((Number) forged.vector().get("hardware")).longValue());
    assertEquals("INVALID_QUOTE_SIGNATURE", forged.dcapd().get("failure"));
    VerifiedEar revoked = verify(tokens.issue(q, verdict(false, "Revoked", "TCB_REVOKED"), Optional.empty()));
    assertEquals(96L, ((Number) revoked.vector().get("hardware")).longValue());
    Verdict debug = verdict(false, "UpToDate", "DEBUG_NOT_ALLOWED").toBuilder()
        .addViolations(Failure.newBuilder().setCode("DEBUG_NOT_ALLOWED")).build();
    VerifiedEar refused = verify(tokens.issue(q, debug, Optional.empty()));
    assertEquals(Ear.CONTRAINDICATED, refused.status());
    assertEquals(96L, ((Number) refused.vector().get("configuration")).longValue());
    assertEquals(2L, ((Number) refused.vector().get("hardware")).longValue());
  }

  @Test
  void formatsOtherThanEarAndANonceWithoutATokenAreRefused() {
    ResultTokens.requireFormat("", false);
    ResultTokens.requireFormat("EAR", true);
    assertThrows(AttestationFailure.class, () -> ResultTokens.requireFormat("jwt", false));
    assertThrows(AttestationFailure.class, () -> ResultTokens.requireFormat("", true));
  }

  @Test
  void theKeyRingIsMadeOnceKeptPrivateRotatedOrGiven(@TempDir Path dir) throws Exception {
    TokenSettings defaults = TokenSettings.DEFAULTS;
    String first = kid(ResultTokens.open(dir, defaults, "t", CLOCK));
    Path file = dir.resolve(ResultTokens.KEY_RING_FILE);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertEquals(first, kid(ResultTokens.open(dir, defaults, "t", CLOCK)));

    ResultTokens rotated = ResultTokens.open(dir, new TokenSettings(Optional.empty(), defaults.lifetime(), true), "t", CLOCK);
    assertNotEquals(first, kid(rotated));
    assertTrue(rotated.jwks().contains(first), "the old key stays published while its tokens may be valid");

    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    String pem = "-----BEGIN PRIVATE KEY-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(g.generateKeyPair().getPrivate().getEncoded())
        + "\n-----END PRIVATE KEY-----\n";
    Path keyFile = Files.writeString(dir.resolve("key.pem"), pem);
    ResultTokens given = ResultTokens.open(dir, new TokenSettings(Optional.of(keyFile), defaults.lifetime(), false), "t", CLOCK);
    assertNotEquals(kid(rotated), kid(given));
    assertTrue(given.jwks().contains(kid(rotated)));
  }

  private static String kid(ResultTokens t) throws Exception {
    return com.nimbusds.jose.jwk.JWKSet.parse(t.jwks()).getKeys().get(
        com.nimbusds.jose.jwk.JWKSet.parse(t.jwks()).getKeys().size() - 1).getKeyID();
  }

  private static void assertReason(String reason, org.junit.jupiter.api.function.Executable call) {
    AttestationFailure f = assertThrows(AttestationFailure.class, call);
    assertEquals(Optional.of(reason), f.reason());
  }
}
