package dev.dcapd.daemon.token;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import dev.dcapd.daemon.api.AttestationFailure;
import dev.dcapd.daemon.crypto.EcdsaChoice;
import dev.dcapd.proto.v1.Verdict;
import dev.dcapd.token.EarIssuer;
import dev.dcapd.token.KeyRing;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.binding.ReportDataBinding;
import dev.dcapd.verifier.json.QuoteJson;
import dev.dcapd.verifier.policy.PolicyCheck;
import dev.dcapd.verifier.policy.Warnings;
import dev.dcapd.verifier.quote.Quote;
import java.io.IOException;
import java.io.StringReader;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.jce.ECNamedCurveTable;
import org.bouncycastle.jce.spec.ECNamedCurveParameterSpec;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Signed attestation results: the daemon's EAR tokens, its signing keys and the nonces it hands
 * out. A token restates a verdict the daemon judged for the answer it comes with, under its own
 * root and policy against the collateral it holds as current (never collateral a caller gave), so
 * it is true when issued; it stays valid for {@link TokenSettings#lifetime()}, and never past the
 * instant its verdict stops holding ({@code holds_until}).
 *
 * <p>Keys: the ring lives in {@code token-keys.json} in the data directory (owner-only), generated
 * on first start; an operator's key file ({@code --token-key}) or {@code --rotate-token-key} makes
 * a new current key and retires the old one, which stays in the JWKS until its last token expired.
 *
 * <p>Nonces ({@code GetChallenge}): 32 random bytes, accepted once within
 * {@link #CHALLENGE_LIFETIME}, and only for a quote whose report_data carries them (its first
 * bytes, or the SHA-256 in a {@code dcapdbv1} binding's nonce field). One peer (a client address,
 * see {@code Peers}) holds at most a bound of them open; beyond it a challenge is refused
 * ({@link TooManyChallenges}) until one of its nonces is used or expires, so that no client can
 * push other clients' nonces out of the {@value #MAX_OPEN_CHALLENGES} the daemon keeps in all.
 */
public final class ResultTokens {
  public static final String FORMAT_EAR = "ear";
  public static final Duration CHALLENGE_LIFETIME = Duration.ofMinutes(5);
  /** The ring's file in the data directory. */
  public static final String KEY_RING_FILE = "token-keys.json";
  /** Open nonces kept in all, a memory bound; the per-peer bound keeps one client far below it. */
  static final int MAX_OPEN_CHALLENGES = 100_000;
  /** The default bound of open nonces per peer. */
  public static final int DEFAULT_CHALLENGES_PER_PEER = 64;
  private static final int NONCE_BYTES = 32;
  private static final HexFormat HEX = HexFormat.of();
  private static final ObjectMapper JSON = new ObjectMapper();

  private final EarIssuer issuer;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();
  /** Nonces handed out and not yet used, by hex. */
  private final Cache<String, Boolean> open;
  /** Nonces used, remembered as long as they could have been open, so a replay is named as one. */
  private final Cache<String, Boolean> used;
  /** The nonces each peer was handed, oldest first; weighed by how many, so that all of them stay bounded. */
  private final Cache<String, PeerNonces> byPeer;
  private final Ticker ticker;
  private final int challengesPerPeer;

  ResultTokens(EarIssuer issuer, Clock clock) {
    this(issuer, clock, Ticker.systemTicker(), DEFAULT_CHALLENGES_PER_PEER);
  }

  ResultTokens(EarIssuer issuer, Clock clock, Ticker ticker) {
    this(issuer, clock, ticker, DEFAULT_CHALLENGES_PER_PEER);
  }

  /**
   * @param ticker measures how long a nonce has been open (its lifetime is real time, not the clock's)
   * @param challengesPerPeer nonces one peer may hold open at once
   */
  ResultTokens(EarIssuer issuer, Clock clock, Ticker ticker, int challengesPerPeer) {
    if (challengesPerPeer < 1) {
      throw new IllegalArgumentException("the open challenges per peer must be at least 1");
    }
    this.issuer = issuer;
    this.clock = clock;
    this.ticker = ticker;
    this.challengesPerPeer = challengesPerPeer;
    this.open = Caffeine.newBuilder().ticker(ticker)
        .expireAfterWrite(CHALLENGE_LIFETIME).maximumSize(MAX_OPEN_CHALLENGES).build();
    this.used = Caffeine.newBuilder().ticker(ticker)
        .expireAfterWrite(CHALLENGE_LIFETIME).maximumSize(MAX_OPEN_CHALLENGES).build();
    // A peer's entry goes a lifetime after its last challenge, when all its nonces have expired. Only
    // many peers together, holding as many nonces as the daemon keeps in all, push one out early.
    this.byPeer = Caffeine.newBuilder().ticker(ticker)
        .expireAfterAccess(CHALLENGE_LIFETIME)
        .maximumWeight(MAX_OPEN_CHALLENGES)
        .weigher((String peer, PeerNonces n) -> Math.max(1, n.size()))
        .build();
  }

  /**
   * The daemon's tokens: the key ring in {@code dataDir} (created on first start), with the
   * operator's key as current key when one is given, rotated when asked.
   */
  public static ResultTokens open(Path dataDir, TokenSettings settings, String build, Clock clock) throws IOException {
    return open(dataDir, settings, build, clock, DEFAULT_CHALLENGES_PER_PEER);
  }

  /** As {@link #open(Path, TokenSettings, String, Clock)}, each peer holding at most {@code challengesPerPeer} nonces open. */
  public static ResultTokens open(Path dataDir, TokenSettings settings, String build, Clock clock, int challengesPerPeer)
      throws IOException {
    Path file = dataDir.resolve(KEY_RING_FILE);
    Instant now = clock.instant();
    KeyRing ring = Files.exists(file) ? KeyRing.load(file) : null;
    if (settings.keyFile().isPresent()) {
      ECKey given = readKey(settings.keyFile().get());
      ring = ring == null ? KeyRing.of(given, now) : ring.withCurrent(given, now);
    } else if (ring == null) {
      ring = KeyRing.generate(now);
    } else if (settings.rotate()) {
      ring = ring.rotate(now);
    }
    ring = ring.prune(now, settings.lifetime());
    ring.save(file);
    return new ResultTokens(new EarIssuer(ring, settings.lifetime(), "https://github.com/dcapd", build,
        EcdsaChoice.signingProvider().orElse(null)), clock, Ticker.systemTicker(), challengesPerPeer);
  }

  /** Tokens signed by a key that lives in memory only (an embedded service, tests). */
  public static ResultTokens ephemeral(Duration lifetime, String build, Clock clock) {
    return new ResultTokens(new EarIssuer(KeyRing.generate(clock.instant()), lifetime, "https://github.com/dcapd", build),
        clock);
  }

  /** A P-256 private key from a PEM file (PKCS#8 or SEC1, as openssl writes them) or a JWK JSON file. */
  static ECKey readKey(Path file) throws IOException {
    String text = Files.readString(file, StandardCharsets.UTF_8).trim();
    try {
      if (text.startsWith("{")) {
        JWK jwk = JWK.parse(text);
        if (!(jwk instanceof ECKey ec) || !jwk.isPrivate()) {
          throw new IOException("token key " + file + " is not an EC private key");
        }
        return ec;
      }
      return fromPem(text);
    } catch (java.text.ParseException | GeneralSecurityException | RuntimeException e) {
      throw new IOException("token key " + file + " does not parse: " + e.getMessage(), e);
    }
  }

  /** A PEM private key, its public half derived from it when the file does not carry it (PKCS#8). */
  private static ECKey fromPem(String pem) throws IOException, GeneralSecurityException {
    Object o;
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      o = parser.readObject();
    }
    JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
    PrivateKey priv;
    if (o instanceof PEMKeyPair pair) {
      priv = converter.getKeyPair(pair).getPrivate();
    } else if (o instanceof PrivateKeyInfo info) {
      priv = converter.getPrivateKey(info);
    } else {
      throw new GeneralSecurityException("no private key in the PEM file");
    }
    if (!(priv instanceof ECPrivateKey ec)) {
      throw new GeneralSecurityException("not an EC private key");
    }
    ECNamedCurveParameterSpec p256 = ECNamedCurveTable.getParameterSpec("secp256r1");
    org.bouncycastle.math.ec.ECPoint q = p256.getG().multiply(ec.getS()).normalize();
    ECPublicKey pub = (ECPublicKey) KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(
        new ECPoint(q.getAffineXCoord().toBigInteger(), q.getAffineYCoord().toBigInteger()), ec.getParams()));
    return new ECKey.Builder(Curve.P_256, pub).privateKey(ec).build();
  }

  /** A nonce handed out now, and when it stops being accepted. */
  public record Challenge(byte[] nonce, Instant expiresAt) {}

  /**
   * A new nonce for {@code peer}, or {@link TooManyChallenges} while that peer holds its bound of
   * nonces open: a refusal rather than dropping the peer's oldest, so that a nonce handed out
   * stays good for its whole lifetime.
   */
  public Challenge challenge(String peer) {
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(nonce);
    String hex = HEX.formatHex(nonce);
    Instant now = clock.instant();
    long tick = ticker.read();
    long[] refusedFor = {0};
    byPeer.asMap().compute(peer, (p, held) -> {
      PeerNonces n = held != null ? held : new PeerNonces();
      n.prune(tick);
      if (n.size() >= challengesPerPeer) {
        refusedFor[0] = n.oldestExpiry() - tick;
        return n;
      }
      n.add(hex, tick + CHALLENGE_LIFETIME.toNanos());
      open.put(hex, Boolean.TRUE);
      return n;
    });
    if (refusedFor[0] > 0) {
      throw new TooManyChallenges(challengesPerPeer, Duration.ofNanos(refusedFor[0]));
    }
    return new Challenge(nonce, now.plus(CHALLENGE_LIFETIME));
  }

  /** A peer asked for a challenge while holding its bound of them open. */
  public static final class TooManyChallenges extends RuntimeException {
    private final transient Duration retryAfter;

    TooManyChallenges(int bound, Duration retryAfter) {
      super("at most " + bound + " challenges are open at once for one client address: use or let expire one first");
      this.retryAfter = retryAfter;
    }

    /** When the peer's oldest open nonce expires (one used earlier frees a place sooner). */
    public Duration retryAfter() {
      return retryAfter;
    }
  }

  /** One peer's nonces, oldest first, with the tick each expires at; touched only inside the cache's compute. */
  private final class PeerNonces {
    private final ArrayDeque<String> nonces = new ArrayDeque<>();
    private final ArrayDeque<Long> expiries = new ArrayDeque<>();

    int size() {
      return nonces.size();
    }

    void add(String hex, long expiresAt) {
      nonces.addLast(hex);
      expiries.addLast(expiresAt);
    }

    long oldestExpiry() {
      return expiries.getFirst();
    }

    /** Drops the nonces no longer open: expired, used, or dropped from the daemon's total. */
    void prune(long tick) {
      int n = nonces.size();
      for (int i = 0; i < n; i++) {
        String hex = nonces.pollFirst();
        long expiry = expiries.pollFirst();
        if (expiry - tick > 0 && open.getIfPresent(hex) != null) {
          nonces.addLast(hex);
          expiries.addLast(expiry);
        }
      }
    }
  }

  /** The public keys, as a JWKS document. */
  public String jwks() {
    return issuer.jwks(clock.instant());
  }

  /** Refuses any format but {@code ear}, and a nonce without a token. */
  public static void requireFormat(String format, boolean nonceGiven) {
    if (format.isEmpty()) {
      if (nonceGiven) {
        throw AttestationFailure.invalidArgument("a nonce goes with a token: ask for token \"ear\"");
      }
      return;
    }
    if (!FORMAT_EAR.equals(format.toLowerCase(Locale.ROOT))) {
      throw AttestationFailure.invalidArgument("token format must be \"ear\", not \"" + format + "\"");
    }
  }

  /**
   * The EAR token for {@code verdict} (judged for this answer) about {@code quote}. With a nonce,
   * it must be one this daemon handed out, unused and unexpired, and the quote must carry it; it
   * is used up by this call.
   */
  public String issue(Quote quote, Verdict verdict, Optional<byte[]> nonce) {
    Optional<String> nonceHex = Optional.empty();
    if (nonce.isPresent()) {
      String hex = HEX.formatHex(nonce.get());
      checkNonce(quote, nonce);
      if (open.asMap().remove(hex) == null) {
        // Used or expired since it was checked.
        checkNonce(quote, nonce);
        throw AttestationFailure.refused("NONCE_REPLAYED", "the nonce was used already");
      }
      used.put(hex, Boolean.TRUE);
      nonceHex = Optional.of(hex);
    }
    return issuer.issue(new EarIssuer.Appraisal(vector(verdict, quote), policyId(verdict), claims(quote, verdict),
        nonceHex), clock.instant(), verdict.hasHoldsUntil()
            ? Optional.of(Instant.ofEpochSecond(verdict.getHoldsUntil().getSeconds(), verdict.getHoldsUntil().getNanos()))
            : Optional.empty());
  }

  /**
   * Refuses a nonce this daemon would not put in a token for {@code quote}, without using it up:
   * adapters call this before an upload, so that a refused nonce stores nothing.
   */
  public void checkNonce(Quote quote, Optional<byte[]> nonce) {
    if (nonce.isEmpty()) {
      return;
    }
    if (!binds(quote, nonce.get())) {
      throw AttestationFailure.refused("NONCE_NOT_BOUND", "the quote's report_data does not carry the nonce");
    }
    String hex = HEX.formatHex(nonce.get());
    if (open.getIfPresent(hex) == null) {
      throw used.getIfPresent(hex) != null
          ? AttestationFailure.refused("NONCE_REPLAYED", "the nonce was used already")
          : AttestationFailure.refused("NONCE_UNKNOWN", "the nonce was not issued by this daemon or has expired");
    }
  }

  /** Whether report_data starts with the nonce, or holds a dcapdbv1 binding whose nonce field is its SHA-256. */
  static boolean binds(Quote quote, byte[] nonce) {
    Bytes reportData = reportData(quote);
    if (nonce.length == 0 || nonce.length > reportData.length()) {
      return false;
    }
    if (reportData.slice(0, nonce.length).equals(Bytes.of(nonce))) {
      return true;
    }
    return ReportDataBinding.decode(reportData)
        .map(b -> b.nonceHash().equals(ReportDataBinding.nonceHash(Bytes.of(nonce))))
        .orElse(false);
  }

  /**
   * The AR4SI trustworthiness vector for a verdict: {@code instance-identity} and {@code hardware}
   * 2 for a genuine platform whose TCB is up to date with no advisory, {@code hardware} 32 (known
   * vulnerabilities) for any other accepted TCB status or any advisory, 96 when revoked, 97 when the
   * quote could not be traced to genuine hardware; {@code runtime-opaque} 2 for a non-debug TEE, 96
   * for a debug one; {@code configuration} 2 when the policy accepted it, 96 when it did not.
   * Executables, file system, storage and sourced data are not appraised (0).
   *
   * <p>A verdict proven under an insecure (non-Intel) root never affirms: the platform was traced to
   * a root the operator chose, not to Intel, so {@code instance-identity} and {@code hardware} are at
   * best 32 and the token at best {@code warning}, with the {@code insecure_root} claim that
   * verifiers refuse unless told otherwise.
   */
  static Map<String, Integer> vector(Verdict v, Quote quote) {
    Map<String, Integer> out = new LinkedHashMap<>();
    String code = v.hasFailure() ? v.getFailure().getCode() : "";
    boolean policyRefused = v.getViolationsCount() > 0;
    boolean genuine = v.getSuccess() || policyRefused;
    if (genuine) {
      boolean insecure = v.getInsecureRoot();
      // Affirming only without what the report page and the CLI call warnings.
      boolean current = !v.getTcbStatus().isEmpty() && Warnings.of(v.getTcbStatus(), v.getAdvisoryIdsList()).isEmpty();
      out.put("instance-identity", insecure ? 32 : 2);
      out.put("hardware", current && !insecure ? 2 : 32);
      out.put("configuration", v.getSuccess() ? 2 : 96);
      out.put("runtime-opaque", PolicyCheck.isDebug(quote) ? 96 : 2);
    } else if (code.equals("TCB_REVOKED") || code.equals("PCK_REVOKED") || code.equals("INTERMEDIATE_CA_REVOKED")) {
      out.put("instance-identity", 96);
      out.put("hardware", 96);
    } else {
      out.put("instance-identity", 97);
      out.put("hardware", 97);
    }
    return out;
  }

  private static String policyId(Verdict v) {
    return "policy:" + v.getPolicy().getName() + "#" + v.getPolicy().getSha256();
  }

  /** dcapd's claims: the verdict's fields, the quote's measurements and report_data. */
  static Map<String, Object> claims(Quote quote, Verdict v) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("checksum", v.getChecksum());
    c.put("success", v.getSuccess());
    c.put("failure", v.hasFailure() ? v.getFailure().getCode() : null);
    c.put("tee_type", quote.teeType().apiName());
    c.put("quote_version", v.getQuoteVersion());
    c.put("fmspc", v.getFmspc().isEmpty() ? null : "0x" + HEX.formatHex(v.getFmspc().toByteArray()));
    c.put("ca", empty(v.getCa()));
    c.put("tcb_status", empty(v.getTcbStatus()));
    c.put("tcb_date", empty(v.getTcbDate()));
    c.put("advisory_ids", List.copyOf(v.getAdvisoryIdsList()));
    c.put("measurements", measurements(quote));
    c.put("report_data", reportData(quote).hex0x());
    c.put("collateral_id", empty(v.getCollateralId()));
    c.put("earliest_expiry", v.hasEarliestExpiry() ? instant(v.getEarliestExpiry()) : null);
    c.put("holds_until", v.hasHoldsUntil() ? instant(v.getHoldsUntil()) : null);
    c.put("verified_at", v.hasVerifiedAt() ? instant(v.getVerifiedAt()) : null);
    Map<String, Object> policy = new LinkedHashMap<>();
    policy.put("name", v.getPolicy().getName());
    policy.put("sha256", v.getPolicy().getSha256());
    c.put("policy", policy);
    c.put("trust_root", v.getTrustRoot());
    c.put("insecure_root", v.getInsecureRoot());
    return c;
  }

  /** The quote's body (TD or SGX report) with the names and spellings of the JSON answers. */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> measurements(Quote quote) {
    return JSON.convertValue(QuoteJson.body(quote), Map.class);
  }

  private static Bytes reportData(Quote quote) {
    return quote.body().reportData();
  }

  private static String instant(com.google.protobuf.Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos()).toString();
  }

  private static String empty(String s) {
    return s.isEmpty() ? null : s;
  }

}
