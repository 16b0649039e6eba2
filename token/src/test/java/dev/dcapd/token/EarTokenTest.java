package dev.dcapd.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.SignedJWT;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EarTokenTest {
  private static final Instant NOW = Instant.parse("2026-12-05T06:00:00Z");
  private static final Duration LIFETIME = Duration.ofMinutes(5);
  private static final EarIssuer.Appraisal UP_TO_DATE = new EarIssuer.Appraisal(
      Map.of("hardware", 2, "instance-identity", 2, "runtime-opaque", 2), "policy:default#ab",
      Map.of("checksum", "c42f", "tcb_status", "UpToDate", "insecure_root", false), Optional.of("00ff"));

  private final KeyRing ring = KeyRing.generate(NOW);
  private final EarIssuer issuer = new EarIssuer(ring, LIFETIME, "https://dcapd.dev", "test");

  private EarVerifier verifier(Instant at) throws TokenException {
    return EarVerifier.fromJwks(issuer.jwks(at));
  }

  @Test
  void aTokenVerifiesWithThePublishedKeyAndSaysWhatWasAppraised() throws Exception {
    String token = issuer.issue(UP_TO_DATE, NOW);
    VerifiedEar ear = verifier(NOW).verify(token, Optional.of("00FF"), NOW.plusSeconds(60));
    assertEquals(Ear.AFFIRMING, ear.status());
    assertEquals("c42f", ear.checksum());
    assertEquals(Optional.of("UpToDate"), ear.tcbStatus());
    assertEquals(Optional.of("00ff"), ear.nonce());
    assertEquals(2L, ((Number) ear.vector().get("hardware")).longValue());
    assertEquals(0L, ((Number) ear.vector().get("executables")).longValue());
    assertEquals(NOW.plus(LIFETIME), ear.expiresAt());
    assertEquals(ring.current().getKeyID(), ear.keyId());
    assertEquals(Ear.PROFILE, ear.claims().getClaim(Ear.EAT_PROFILE));
  }

  @Test
  void theWorstTierIsTheStatus() {
    assertEquals(Ear.WARNING, new EarIssuer.Appraisal(Map.of("hardware", 32, "instance-identity", 2), "p", Map.of(),
        Optional.empty()).status());
    assertEquals(Ear.CONTRAINDICATED, new EarIssuer.Appraisal(Map.of("hardware", 32, "runtime-opaque", 96), "p",
        Map.of(), Optional.empty()).status());
    assertEquals(Ear.NONE, new EarIssuer.Appraisal(Map.of(), "p", Map.of(), Optional.empty()).status());
  }

  @Test
  void aTokenWithOneByteChangedIsRefused() throws Exception {
    String token = issuer.issue(UP_TO_DATE, NOW);
    String[] parts = token.split("\\.");
    byte[] payload = Base64.getUrlDecoder().decode(parts[1]);
    int at = new String(payload).indexOf("UpToDate");
    payload[at] = 'D';
    String forged = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(payload) + "." + parts[2];
    assertReason(TokenException.Reason.BAD_SIGNATURE, forged, Optional.empty(), NOW);

    byte[] sig = Base64.getUrlDecoder().decode(parts[2]);
    sig[5] ^= 1;
    assertReason(TokenException.Reason.BAD_SIGNATURE,
        parts[0] + "." + parts[1] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(sig), Optional.empty(), NOW);
    assertReason(TokenException.Reason.MALFORMED, "not.a.token", Optional.empty(), NOW);
  }

  @Test
  void anExpiredTokenAndAWrongNonceAreRefused() throws Exception {
    String token = issuer.issue(UP_TO_DATE, NOW);
    assertReason(TokenException.Reason.EXPIRED, token, Optional.empty(), NOW.plus(LIFETIME).plus(EarVerifier.LEEWAY));
    assertReason(TokenException.Reason.EXPIRED, token, Optional.empty(), NOW.minus(Duration.ofMinutes(2)));
    assertReason(TokenException.Reason.WRONG_NONCE, token, Optional.of("00fe"), NOW);
    String noNonce = issuer.issue(new EarIssuer.Appraisal(UP_TO_DATE.vector(), "p", Map.of("checksum", "c4"),
        Optional.empty()), NOW);
    assertReason(TokenException.Reason.WRONG_NONCE, noNonce, Optional.of("00ff"), NOW);
  }

  @Test
  void aVerdictThatMayRestOnAnotherRootIsRefusedUnlessAllowed() throws Exception {
    Map<String, Object> claims = new java.util.HashMap<>(UP_TO_DATE.claims());
    List<Object> notFalse = new java.util.ArrayList<>(List.of(true, "false", 0, Map.of()));
    notFalse.add(null);
    for (Object value : notFalse) {
      if (value == null) {
        claims.remove("insecure_root");
      } else {
        claims.put("insecure_root", value);
      }
      String token = issuer.issue(new EarIssuer.Appraisal(UP_TO_DATE.vector(), "p", claims, Optional.empty()), NOW);
      assertReason(TokenException.Reason.INSECURE_ROOT, token, Optional.empty(), NOW);
      VerifiedEar allowed = verifier(NOW).allowInsecureRoot().verify(token, Optional.empty(), NOW);
      assertTrue(allowed.insecureRoot(), String.valueOf(value));
    }
    String noDcapdClaims = issuer.issue(new EarIssuer.Appraisal(UP_TO_DATE.vector(), "p", Map.of(), Optional.empty()), NOW);
    assertReason(TokenException.Reason.INSECURE_ROOT, noDcapdClaims, Optional.empty(), NOW);
    assertFalse(verifier(NOW).verify(issuer.issue(UP_TO_DATE, NOW), Optional.empty(), NOW).insecureRoot());
  }

  @Test
  void aRotatedOutKeyIsPublishedUntilItsTokensExpireThenRefused() throws Exception {
    String old = issuer.issue(UP_TO_DATE, NOW);
    KeyRing rotated = ring.rotate(NOW.plusSeconds(10));
    EarIssuer next = new EarIssuer(rotated, LIFETIME, "https://dcapd.dev", "test");
    Instant soon = NOW.plusSeconds(60);
    assertEquals(2, rotated.publicKeys(soon, LIFETIME).getKeys().size());
    EarVerifier.fromJwks(next.jwks(soon)).verify(old, Optional.empty(), soon);
    EarVerifier.fromJwks(next.jwks(soon)).verify(next.issue(UP_TO_DATE, soon), Optional.empty(), soon);

    Instant later = NOW.plusSeconds(10).plus(LIFETIME).plusSeconds(1);
    assertEquals(1, rotated.publicKeys(later, LIFETIME).getKeys().size());
    TokenException e = assertThrows(TokenException.class,
        () -> EarVerifier.fromJwks(next.jwks(later)).verify(old, Optional.empty(), NOW));
    assertEquals(TokenException.Reason.UNKNOWN_KEY, e.reason());
  }

  @Test
  void onlyEs256IsAccepted() throws Exception {
    SignedJWT hs = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(ring.current().getKeyID()).build(),
        SignedJWT.parse(issuer.issue(UP_TO_DATE, NOW)).getJWTClaimsSet());
    hs.sign(new MACSigner(new byte[32]));
    assertReason(TokenException.Reason.WRONG_ALGORITHM, hs.serialize(), Optional.empty(), NOW);
    String[] parts = issuer.issue(UP_TO_DATE, NOW).split("\\.");
    String none = Base64.getUrlEncoder().withoutPadding().encodeToString("{\"alg\":\"none\"}".getBytes()) + "." + parts[1] + ".";
    assertReason(TokenException.Reason.MALFORMED, none, Optional.empty(), NOW);
  }

  @Test
  void theRingIsSavedForItsOwnerOnlyAndReadBack(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("token-keys.json");
    KeyRing rotated = ring.rotate(NOW.plusSeconds(1));
    rotated.save(file);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    KeyRing back = KeyRing.load(file);
    assertEquals(rotated.current().getKeyID(), back.current().getKeyID());
    assertEquals(2, back.entries().size());
    assertTrue(back.entries().get(0).retired().isPresent());
    assertEquals(rotated.current(), back.current());
  }

  private void assertReason(TokenException.Reason reason, String token, Optional<String> nonce, Instant at) throws Exception {
    EarVerifier v = verifier(NOW);
    TokenException e = assertThrows(TokenException.class, () -> v.verify(token, nonce, at));
    assertEquals(reason, e.reason(), e.getMessage());
  }
}
