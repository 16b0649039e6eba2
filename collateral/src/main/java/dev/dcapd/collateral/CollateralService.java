package dev.dcapd.collateral;

import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.pck.PckCertChain;
import dev.dcapd.verifier.quote.Quote;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/** Answers "the collateral to judge this quote by at this instant" from a {@link CollateralCache}. */
public final class CollateralService {
  private final CollateralCache cache;

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
    return withPckChain(forKey(keyOf(quote), at).collateral(), quote);
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
