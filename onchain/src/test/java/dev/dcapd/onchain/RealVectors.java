package dev.dcapd.onchain;

import dev.dcapd.verifier.Vectors;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.quote.Quote;
import dev.dcapd.verifier.quote.QuoteParser;
import dev.dcapd.verifier.verify.QuoteVerifier;
import dev.dcapd.verifier.verify.Verdict;
import java.time.Instant;

/** The dcap-qvl vectors with their collateral and the instants upstream verifies them at. */
final class RealVectors {
  static final long TDX_AT = 1752919234L;
  static final long SGX_AT = 1752919277L;

  record Case(Quote quote, QuoteCollateral collateral, Verdict verdict) {}

  private RealVectors() {}

  static Case tdx() throws Exception {
    return load("dcap-qvl/tdx_quote", "dcap-qvl/tdx_quote_collateral.json", TDX_AT);
  }

  static Case sgx() throws Exception {
    return load("dcap-qvl/sgx_quote", "dcap-qvl/sgx_quote_collateral.json", SGX_AT);
  }

  static Case load(String quote, String collateral, long at) throws Exception {
    Quote q = QuoteParser.parse(Vectors.bytes(quote));
    QuoteCollateral c = QuoteCollateral.fromJson(Vectors.text(collateral));
    return new Case(q, c, QuoteVerifier.intel().verify(q, c, Instant.ofEpochSecond(at)));
  }
}
