package dev.dcapd.token;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Verifies dcapd's EAR tokens offline against the daemon's public keys (a pinned JWKS, or one
 * fetched once): ES256 only, a key the JWKS names, the signature, {@code iat}/{@code exp} with a
 * small leeway, the EAR profile, and the nonce the relying party expects. Fails closed: anything
 * else is a {@link TokenException} with a stable reason.
 */
public final class EarVerifier {
  /** Clock difference tolerated between the daemon and the relying party. */
  public static final Duration LEEWAY = Duration.ofSeconds(30);

  private final JWKSet keys;

  private EarVerifier(JWKSet keys) {
    this.keys = Objects.requireNonNull(keys, "keys");
  }

  /** Trusts exactly these keys. */
  public static EarVerifier withKeys(JWKSet keys) {
    return new EarVerifier(keys.toPublicJWKSet());
  }

  /** Trusts the keys of a JWKS document ({@code /.well-known/jwks.json}, or {@code GetKeys}). */
  public static EarVerifier fromJwks(String json) throws TokenException {
    try {
      return withKeys(JWKSet.parse(json));
    } catch (ParseException e) {
      throw new TokenException(TokenException.Reason.MALFORMED, "not a JWKS: " + e.getMessage(), e);
    }
  }

  /** Fetches the daemon's JWKS once from {@code url} and trusts its keys. */
  public static EarVerifier fetch(URI url, Duration timeout) throws IOException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(timeout).build();
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(url).timeout(timeout).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new IOException("JWKS at " + url + " answered " + r.statusCode());
      }
      return fromJwks(r.body());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted fetching " + url, e);
    } catch (TokenException e) {
      throw new IOException("JWKS at " + url + ": " + e.getMessage(), e);
    }
  }

  /** The trusted keys. */
  public JWKSet keys() {
    return keys;
  }

  /**
   * The token's claims, if and only if it is a dcapd EAR signed by a trusted key, valid at
   * {@code now}, and carrying {@code expectedNonce} (hex) when one is given.
   */
  public VerifiedEar verify(String token, Optional<String> expectedNonce, Instant now) throws TokenException {
    SignedJWT jwt;
    try {
      jwt = SignedJWT.parse(token.trim());
    } catch (ParseException e) {
      throw new TokenException(TokenException.Reason.MALFORMED, "not a signed JWT: " + e.getMessage(), e);
    }
    if (!JWSAlgorithm.ES256.equals(jwt.getHeader().getAlgorithm())) {
      throw new TokenException(TokenException.Reason.WRONG_ALGORITHM,
          "signed with " + jwt.getHeader().getAlgorithm() + ", not ES256");
    }
    String kid = jwt.getHeader().getKeyID();
    JWK jwk = kid == null ? null : keys.getKeyByKeyId(kid);
    if (!(jwk instanceof ECKey key)) {
      throw new TokenException(TokenException.Reason.UNKNOWN_KEY, "signed by key " + kid + ", which is not trusted");
    }
    try {
      if (!jwt.verify(new ECDSAVerifier(key))) {
        throw new TokenException(TokenException.Reason.BAD_SIGNATURE, "the signature does not verify");
      }
    } catch (JOSEException e) {
      throw new TokenException(TokenException.Reason.BAD_SIGNATURE, "the signature does not verify: " + e.getMessage(), e);
    }
    JWTClaimsSet claims;
    try {
      claims = jwt.getJWTClaimsSet();
    } catch (ParseException e) {
      throw new TokenException(TokenException.Reason.MALFORMED, "claims do not parse: " + e.getMessage(), e);
    }
    if (claims.getExpirationTime() == null || claims.getIssueTime() == null) {
      throw new TokenException(TokenException.Reason.MALFORMED, "no iat or exp");
    }
    Instant exp = claims.getExpirationTime().toInstant();
    Instant iat = claims.getIssueTime().toInstant();
    if (!now.isBefore(exp.plus(LEEWAY))) {
      throw new TokenException(TokenException.Reason.EXPIRED, "expired at " + exp);
    }
    if (iat.isAfter(now.plus(LEEWAY))) {
      throw new TokenException(TokenException.Reason.EXPIRED, "issued in the future, at " + iat);
    }
    if (!Ear.PROFILE.equals(claims.getClaim(Ear.EAT_PROFILE))) {
      throw new TokenException(TokenException.Reason.WRONG_PROFILE, "eat_profile is " + claims.getClaim(Ear.EAT_PROFILE));
    }
    Object submods = claims.getClaim(Ear.SUBMODS);
    if (!(submods instanceof Map<?, ?> m) || !(m.get(Ear.SUBMOD) instanceof Map<?, ?>)) {
      throw new TokenException(TokenException.Reason.MALFORMED, "no submods." + Ear.SUBMOD);
    }
    if (expectedNonce.isPresent()) {
      Object nonce = claims.getClaim(Ear.EAT_NONCE);
      if (!(nonce instanceof String s) || !s.equalsIgnoreCase(expectedNonce.get())) {
        throw new TokenException(TokenException.Reason.WRONG_NONCE, "the token does not carry the expected nonce");
      }
    }
    return new VerifiedEar(claims, kid);
  }
}
