package dev.dcapd.collateral;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.Vectors;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.pck.CaType;
import dev.dcapd.verifier.quote.Quote;
import dev.dcapd.verifier.quote.QuoteParser;
import dev.dcapd.verifier.quote.TeeType;
import java.net.http.HttpClient;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The real dcap-qvl vectors used here and the instants their README gives (the earliest
 * nextUpdate minus one second), plus small test doubles.
 */
public final class TestVectors {
  /** dcap-qvl's instant for {@code tdx_quote} + {@code tdx_quote_collateral.json}. */
  public static final Instant TDX_AT = Instant.ofEpochSecond(1752919234);
  /** dcap-qvl's instant for {@code sgx_quote} + {@code sgx_quote_collateral.json}. */
  public static final Instant SGX_AT = Instant.ofEpochSecond(1752919277);
  public static final CollateralKey TDX_KEY =
      new CollateralKey(TeeType.TDX, Bytes.fromHex("B0C06F000000"), CaType.PLATFORM);
  public static final CollateralKey SGX_KEY =
      new CollateralKey(TeeType.SGX, Bytes.fromHex("00A067110000"), CaType.PROCESSOR);

  private TestVectors() {}

  public static QuoteCollateral tdxCollateral() {
    return collateral("dcap-qvl/tdx_quote_collateral.json");
  }

  public static QuoteCollateral sgxCollateral() {
    return collateral("dcap-qvl/sgx_quote_collateral.json");
  }

  /** The 2026 collateral of {@code tdx_quote_outdated}: FMSPC 90C06F000000. */
  public static QuoteCollateral tdxOutdatedCollateral() {
    return collateral("dcap-qvl/tdx_quote_outdated_collateral.json");
  }

  public static Quote tdxQuote() {
    return quote("dcap-qvl/tdx_quote");
  }

  public static Quote sgxQuote() {
    return quote("dcap-qvl/sgx_quote");
  }

  public static QuoteCollateral collateral(String path) {
    try {
      return QuoteCollateral.fromJson(Vectors.text(path));
    } catch (DcapException e) {
      throw new IllegalStateException(e);
    }
  }

  public static Quote quote(String path) {
    try {
      return QuoteParser.parse(Vectors.bytes(path));
    } catch (DcapException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Records the waits it is asked for and returns at once. */
  public static final class RecordingSleeper implements Sleeper {
    public final List<Duration> waits = new CopyOnWriteArrayList<>();

    @Override
    public void sleep(Duration d) {
      waits.add(d);
    }
  }

  /** A getter for tests: small backoff (recorded, not slept), short time-out. */
  public static HttpGetter getter(RecordingSleeper sleeper, int attempts, Duration timeout) {
    RetryPolicy policy = new RetryPolicy(attempts, timeout, Duration.ofMillis(10), Duration.ofMillis(40),
        Duration.ofSeconds(5));
    return new HttpGetter(HttpClient.newHttpClient(), policy, sleeper);
  }

  public static HttpGetter getter(RecordingSleeper sleeper) {
    return getter(sleeper, 3, Duration.ofSeconds(5));
  }

  /** A PCCS-dialect client of {@code server}. */
  public static PcsClient pccs(FakePcs server, HttpGetter http) {
    return PcsClient.builder(server.baseUrl(), http).kind(PcsClient.Kind.PCCS).build();
  }
}
