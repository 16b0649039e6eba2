package dev.dcapd.collateral;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.pck.PckCertChain;
import dev.dcapd.verifier.quote.Quote;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/** Answers "the collateral to judge this quote by at this instant" from a {@link CollateralCache}. */
public final class CollateralService {
  /** How many platforms' collateral-with-chain objects (and their ids) are kept. */
  private static final int WITH_CHAIN_LIMIT = 4096;

  private final CollateralCache cache;
  /**
   * The last collateral-with-chain built per PCK chain. Handing the verifier the same object for
   * every quote of a platform lets it recognise collateral it has proven without hashing it again.
   */
  private final Cache<PckCertChain, QuoteCollateral> withChain =
      Caffeine.newBuilder().maximumSize(WITH_CHAIN_LIMIT).build();
  /** The ids of the objects in {@code withChain}, by identity: an id hashes 20 KB of JSON. */
  private final Cache<PckCertChain, Identified> ids = Caffeine.newBuilder().maximumSize(WITH_CHAIN_LIMIT).build();

  private record Identified(QuoteCollateral collateral, String id) {}

  public CollateralService(CollateralCache cache) {
    this.cache = Objects.requireNonNull(cache, "cache");
  }

  /**
   * The key of a quote's collateral: its TEE type, and the FMSPC and issuing CA of the PCK leaf
   * in its certification data.
   *
   * @throws DcapException {@code UNSUPPORTED_CERTIFICATION_DATA} if the quote carries no PCK
   *     chain, {@code PCK_CERTIFICATE_MALFORMED} if the chain or its extension cannot be read
   */
  public static CollateralKey keyOf(Quote quote) throws DcapException {
    PckCertChain chain = quote.certificationData().pckCertChain();
    return new CollateralKey(quote.teeType(), chain.pckExtension().fmspc(), chain.caType());
  }

  /**
   * The quote's collateral, current at {@code at}, with {@code pck_certificate_chain} set to the
   * chain the quote carries.
   */
  public QuoteCollateral forQuote(Quote quote, Instant at) throws DcapException {
    return withChain(quote, forKey(keyOf(quote), at).collateral());
  }

  /**
   * The quote's collateral current at a caller's instant, for such calls only: the cache's entry if
   * it is current then, else fetched and checked at {@code at}, never installed.
   */
  public QuoteCollateral forQuoteAt(Quote quote, Instant at) throws DcapException {
    return withPckChain(cache.getForInstant(keyOf(quote), at).collateral(), quote);
  }

  /** The entry the cache holds in memory for {@code key} if it is current at {@code at}. */
  public Optional<CachedCollateral> peek(CollateralKey key, Instant at) {
    return cache.peek(key, at);
  }

  /**
   * {@link #forQuote} if the cache holds current collateral in memory ({@link CollateralCache#peek}),
   * without waiting for a source; empty when only {@code forQuote} can tell, including when the
   * quote names no platform.
   */
  public Optional<QuoteCollateral> cachedForQuote(Quote quote, Instant at) {
    try {
      Optional<CachedCollateral> entry = cache.peek(keyOf(quote), at);
      return entry.isEmpty() ? Optional.empty() : Optional.of(withChain(quote, entry.get().collateral()));
    } catch (DcapException e) {
      return Optional.empty();
    }
  }

  /**
   * The id of what {@link #cachedForQuote} answers, computed once per collateral object: the
   * cheap test that a stored verdict rests on the platform's current collateral.
   */
  public Optional<String> cachedIdForQuote(Quote quote, Instant at) {
    Optional<QuoteCollateral> c = cachedForQuote(quote, at);
    if (c.isEmpty()) {
      return Optional.empty();
    }
    PckCertChain chain;
    try {
      chain = quote.certificationData().pckCertChain();
    } catch (DcapException e) {
      return Optional.empty();
    }
    Identified known = ids.getIfPresent(chain);
    if (known != null && known.collateral() == c.get()) {
      return Optional.of(known.id());
    }
    Identified made = new Identified(c.get(), c.get().id());
    ids.put(chain, made);
    return Optional.of(made.id());
  }

  private QuoteCollateral withChain(Quote quote, QuoteCollateral base) throws DcapException {
    PckCertChain chain = quote.certificationData().pckCertChain();
    QuoteCollateral known = withChain.getIfPresent(chain);
    if (known != null && sameBase(known, base)) {
      return known;
    }
    QuoteCollateral built = withPckChain(base, quote);
    withChain.put(chain, built);
    return built;
  }

  /** Whether {@code c} was built from {@code base} (the cache hands out the same strings). */
  private static boolean sameBase(QuoteCollateral c, QuoteCollateral base) {
    return c.tcbInfo() == base.tcbInfo() && c.qeIdentity() == base.qeIdentity() && c.pckCrl() == base.pckCrl()
        && c.rootCaCrl() == base.rootCaCrl() && c.pckCrlIssuerChain() == base.pckCrlIssuerChain()
        && c.tcbInfoIssuerChain() == base.tcbInfoIssuerChain()
        && c.qeIdentityIssuerChain() == base.qeIdentityIssuerChain()
        && c.tcbInfoSignature() == base.tcbInfoSignature() && c.qeIdentitySignature() == base.qeIdentitySignature();
  }

  /** The cache's answer for a key, with its source, age and expiry. */
  public CachedCollateral forKey(CollateralKey key, Instant at) throws DcapException {
    return cache.get(key, at);
  }

  /** {@code collateral} with the quote's PCK chain as {@code pck_certificate_chain}. */
  public static QuoteCollateral withPckChain(QuoteCollateral c, Quote quote) throws DcapException {
    String pem = quote.certificationData().pckCertChain().pem();
    return new QuoteCollateral(c.pckCrlIssuerChain(), c.rootCaCrl(), c.pckCrl(), c.tcbInfoIssuerChain(),
        c.tcbInfo(), c.tcbInfoSignature(), c.qeIdentityIssuerChain(), c.qeIdentity(), c.qeIdentitySignature(),
        Optional.of(pem));
  }
}
