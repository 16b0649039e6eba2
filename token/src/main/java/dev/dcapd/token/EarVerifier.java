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
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;

/**
 * Verifies dcapd's EAR tokens offline against the daemon's public keys (a pinned JWKS, or one
 * fetched once): ES256 only, a key the JWKS names, the signature, {@code iat}/{@code exp} with a
 * small leeway, the EAR profile, the nonce the relying party expects, and a verdict anchored in
 * Intel's root ({@code insecure_root} false) unless {@link #allowInsecureRoot()} says otherwise.
 * Fails closed: anything else is a {@link TokenException} with a stable reason.
 */
public final class EarVerifier {
  /** Clock difference tolerated between the daemon and the relying party. */
  public static final Duration LEEWAY = Duration.ofSeconds(30);
  /** The claim (in {@code submods.quote.dcapd}) that says the verdict rests on a root other than Intel's. */
  public static final String INSECURE_ROOT_CLAIM = "insecure_root";
  private static final Pattern IPV4_LITERAL = Pattern.compile("[0-9]{1,3}(?:\\.[0-9]{1,3}){3}");

  private final JWKSet keys;
  private final boolean allowInsecureRoot;

  private EarVerifier(JWKSet keys, boolean allowInsecureRoot) {
    this.keys = Objects.requireNonNull(keys, "keys");
    this.allowInsecureRoot = allowInsecureRoot;
  }

  /** Trusts exactly these keys. */
  public static EarVerifier withKeys(JWKSet keys) {
    return new EarVerifier(keys.toPublicJWKSet(), false);
  }

  /**
   * INSECURE: this verifier, also accepting tokens whose verdict rests on a root other than Intel's
   * (a daemon run with {@code --insecure-trust-root}: anyone holding that root's key can make quotes
   * it calls genuine), or that do not say which. For tests against such a daemon only.
   */
  public EarVerifier allowInsecureRoot() {
    return new EarVerifier(keys, true);
  }

  /** Trusts the keys of a JWKS document ({@code /.well-known/jwks.json}, or {@code GetKeys}). */
  public static EarVerifier fromJwks(String json) throws TokenException {
    try {
      return withKeys(JWKSet.parse(json));
    } catch (ParseException e) {
      throw new TokenException(TokenException.Reason.MALFORMED, "not a JWKS: " + e.getMessage(), e);
    }
  }

  /**
   * Fetches the daemon's JWKS once from {@code url} and trusts its keys: over https with the JVM's
   * default trust, or over plain http from this machine (loopback) only.
   *
   * @throws TokenException {@link TokenException.Reason#INSECURE_JWKS_URL} for a plain-http URL to
   *     another host, before any connection is made
   * @throws IllegalArgumentException for a URL that is neither http nor https
   */
  public static EarVerifier fetch(URI url, Duration timeout) throws IOException, TokenException {
    return fetch(url, timeout, Optional.empty(), false);
  }

  /**
   * Fetches the daemon's JWKS once from {@code url} and trusts its keys.
   *
   * @param tls the TLS trust for an https URL (e.g. only a private CA); empty: the JVM's default
   * @param insecureHttp INSECURE: also fetch over plain http from hosts other than loopback, where
   *     anyone on the path can answer with keys of their own and so have any token they sign accepted
   * @throws TokenException {@link TokenException.Reason#INSECURE_JWKS_URL} for a plain-http URL to
   *     another host unless {@code insecureHttp}, before any connection is made
   * @throws IllegalArgumentException for a URL that is neither http nor https
   */
  public static EarVerifier fetch(URI url, Duration timeout, Optional<SSLContext> tls, boolean insecureHttp)
      throws IOException, TokenException {
    requireAuthenticatedSource(url, insecureHttp);
    // Redirects are never followed: an https URL must not hand the request on to a plain-http one.
    HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER);
    tls.ifPresent(b::sslContext);
    HttpClient http = b.build();
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

  /**
   * Refuses a URL whose answer anyone on the path could write: plain http to a host other than
   * loopback ({@code localhost}, 127.0.0.0/8, ::1, written as such: no name is looked up, so a
   * name that merely resolves to loopback does not count), unless {@code insecureHttp}.
   *
   * @throws TokenException {@link TokenException.Reason#INSECURE_JWKS_URL}
   * @throws IllegalArgumentException for a URL that is neither http nor https
   */
  public static void requireAuthenticatedSource(URI url, boolean insecureHttp) throws TokenException {
    String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    if (scheme.equals("https")) {
      return;
    }
    if (!scheme.equals("http")) {
      throw new IllegalArgumentException("a JWKS URL is https:// (or http:// on this machine), not " + url);
    }
    if (insecureHttp || isLoopback(url.getHost())) {
      return;
    }
    throw new TokenException(TokenException.Reason.INSECURE_JWKS_URL, url + " is plain http to a host other than "
        + "this machine, so anyone on the path could answer with their own keys: use https");
  }

  private static boolean isLoopback(String host) {
    if (host == null) {
      return false;
    }
    if (host.equalsIgnoreCase("localhost")) {
      return true;
    }
    boolean v6 = host.startsWith("[") && host.endsWith("]");
    if (!v6 && !IPV4_LITERAL.matcher(host).matches()) {
      return false;
    }
    try {
      // A literal (checked above): InetAddress only parses it, it looks nothing up.
      return InetAddress.getByName(v6 ? host.substring(1, host.length() - 1) : host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
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
    Object dcapd = ((Map<?, ?>) m.get(Ear.SUBMOD)).get(Ear.DCAPD);
    Object insecureRoot = dcapd instanceof Map<?, ?> d ? d.get(INSECURE_ROOT_CLAIM) : null;
    if (!Boolean.FALSE.equals(insecureRoot) && !allowInsecureRoot) {
      throw new TokenException(TokenException.Reason.INSECURE_ROOT, insecureRoot == null
          ? "the token does not say whether its verdict rests on Intel's root (no " + INSECURE_ROOT_CLAIM + " claim)"
          : "its verdict rests on a root other than Intel's (" + INSECURE_ROOT_CLAIM + ": " + insecureRoot
              + "), which anyone holding that root's key can make quotes for");
    }
    return new VerifiedEar(claims, kid);
  }
}
