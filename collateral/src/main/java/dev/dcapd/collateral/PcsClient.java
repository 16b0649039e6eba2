package dev.dcapd.collateral;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.pck.CaType;
import dev.dcapd.verifier.pck.PckCertChain;
import dev.dcapd.verifier.quote.TeeType;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import org.bouncycastle.asn1.ASN1IA5String;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.x509.CRLDistPoint;
import org.bouncycastle.asn1.x509.DistributionPoint;
import org.bouncycastle.asn1.x509.DistributionPointName;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;

/**
 * A client for Intel's PCS API v4 and PCCS servers that mirror it: fetches the TCB info, QE
 * identity, PCK CRL and root CA CRL for one platform and assembles them, as delivered, into a
 * {@link QuoteCollateral}.
 *
 * <p>The root CA CRL comes from a PCCS's {@code /rootcacrl} (hex text) when the server is a PCCS;
 * Intel PCS has no such path, so it (and a PCCS that fails to answer) is served by the CRL
 * distribution point named in the root certificate of the QE identity issuer chain, unless the
 * operator configured another URL for it.
 */
public final class PcsClient implements CollateralSource {
  /** Intel's Provisioning Certification Service. */
  public static final String INTEL_PCS_URL = "https://api.trustedservices.intel.com";
  /** Phala Network's public PCCS. */
  public static final String PHALA_PCCS_URL = "https://pccs.phala.network";

  private static final String INTEL_PCS_HOST = "api.trustedservices.intel.com";
  private static final String API_PATH = "/certification/v4";
  private static final List<String> BASE_SUFFIXES = List.of("/sgx" + API_PATH, "/tdx" + API_PATH);

  /** Which API dialect the server speaks where PCS and PCCS differ. */
  public enum Kind {
    /** Intel PCS: no {@code /rootcacrl}. */
    INTEL_PCS,
    /** A PCCS: {@code /rootcacrl} answers the root CA CRL as hex text. */
    PCCS
  }

  private final String base;
  private final Kind kind;
  private final UpdateType update;
  private final OptionalInt tcbEvaluationDataNumber;
  private final Optional<URI> rootCaCrlUrl;
  private final HttpGetter http;

  private PcsClient(Builder b) {
    this.base = b.base;
    this.kind = b.kind != null ? b.kind : kindOf(b.base);
    this.update = b.update;
    this.tcbEvaluationDataNumber = b.tcbEvaluationDataNumber;
    this.rootCaCrlUrl = b.rootCaCrlUrl;
    this.http = b.http;
  }

  /** The default sources, in order: Intel PCS, then Phala's PCCS. */
  public static List<PcsClient> defaults(HttpGetter http, UpdateType update) {
    return List.of(builder(INTEL_PCS_URL, http).update(update).build(),
        builder(PHALA_PCCS_URL, http).update(update).build());
  }

  /** A builder for the server at {@code baseUrl} (normalised as {@link #normalizeBaseUrl} says). */
  public static Builder builder(String baseUrl, HttpGetter http) {
    return new Builder(normalizeBaseUrl(baseUrl), http);
  }

  /**
   * The server's root URL: without trailing slashes and without a trailing
   * {@code /sgx/certification/v4} or {@code /tdx/certification/v4}, so that users may paste any of
   * the URLs PCCS documentation shows.
   *
   * @throws IllegalArgumentException if it is not an absolute http(s) URL
   */
  public static String normalizeBaseUrl(String url) {
    String s = url.strip();
    boolean changed = true;
    while (changed) {
      changed = false;
      while (s.endsWith("/")) {
        s = s.substring(0, s.length() - 1);
        changed = true;
      }
      for (String suffix : BASE_SUFFIXES) {
        if (s.toLowerCase(Locale.ROOT).endsWith(suffix)) {
          s = s.substring(0, s.length() - suffix.length());
          changed = true;
        }
      }
    }
    URI uri;
    try {
      uri = new URI(s);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("not a URL: " + url);
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("https") || scheme.equals("http")) || uri.getHost() == null
        || uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw new IllegalArgumentException("a PCS/PCCS URL must be http(s)://host[:port][/path], not " + url);
    }
    return s;
  }

  private static Kind kindOf(String base) {
    String host = URI.create(base).getHost();
    return INTEL_PCS_HOST.equalsIgnoreCase(host) ? Kind.INTEL_PCS : Kind.PCCS;
  }

  @Override
  public String name() {
    return base;
  }

  public Kind kind() {
    return kind;
  }

  @Override
  public QuoteCollateral fetch(CollateralKey key) throws DcapException {
    HttpGetter.Response tcb = http.get(tcbInfoUri(key.tee(), key.fmspcHex()));
    String tcbChain = readAs(tcb, () -> IssuerChainHeader.read(tcb,
        List.of(IssuerChainHeader.TCB_INFO, IssuerChainHeader.TCB_INFO_V3)));
    SignedJsonBody tcbInfo = readAs(tcb, () -> SignedJsonBody.parse(tcb.body(), SignedJsonBody.TCB_INFO));

    HttpGetter.Response qe = getShared(qeIdentityUri(key.tee()));
    String qeChain = readAs(qe, () -> IssuerChainHeader.read(qe, List.of(IssuerChainHeader.ENCLAVE_IDENTITY)));
    SignedJsonBody qeIdentity = readAs(qe, () -> SignedJsonBody.parse(qe.body(), SignedJsonBody.ENCLAVE_IDENTITY));

    HttpGetter.Response crl = getShared(pckCrlUri(key.ca()));
    String pckCrlChain = readAs(crl, () -> IssuerChainHeader.read(crl, List.of(IssuerChainHeader.PCK_CRL)));
    Bytes pckCrl = readAs(crl, () -> CrlBody.decode(crl.body()));

    Bytes rootCaCrl = rootCaCrl(qeChain);
    return new QuoteCollateral(
        pckCrlChain, rootCaCrl, pckCrl, tcbChain, tcbInfo.signedText(), tcbInfo.signature(),
        qeChain, qeIdentity.signedText(), qeIdentity.signature(), Optional.empty());
  }

  /**
   * GETs what every platform shares (QE identity, CRLs): a 404 for it is a server that lacks what it
   * should serve, {@code COLLATERAL_UNAVAILABLE}; only the TCB info's 404 says the server knows no
   * such platform ({@code COLLATERAL_NOT_FOUND}).
   */
  private HttpGetter.Response getShared(URI uri) throws DcapException {
    try {
      return http.get(uri);
    } catch (DcapException e) {
      if (e.code() == FailureCode.COLLATERAL_NOT_FOUND) {
        throw new DcapException(FailureCode.COLLATERAL_UNAVAILABLE, e.getMessage(), e);
      }
      throw e;
    }
  }

  private Bytes rootCaCrl(String qeIdentityChain) throws DcapException {
    DcapException pccsFailure = null;
    if (kind == Kind.PCCS) {
      try {
        HttpGetter.Response r = getShared(URI.create(base + "/sgx" + API_PATH + "/rootcacrl"));
        return readAs(r, () -> CrlBody.decode(r.body()));
      } catch (DcapException e) {
        pccsFailure = e;
      }
    }
    URI uri;
    if (rootCaCrlUrl.isPresent()) {
      uri = rootCaCrlUrl.get();
    } else {
      Optional<URI> dp = distributionPointOfRoot(qeIdentityChain);
      if (dp.isEmpty()) {
        throw new DcapException(FailureCode.COLLATERAL_MALFORMED,
            (pccsFailure == null ? "" : pccsFailure.getMessage() + "; ")
                + "the root certificate of the QE identity issuer chain names no https CRL distribution point");
      }
      uri = dp.get();
    }
    try {
      HttpGetter.Response r = getShared(uri);
      return readAs(r, () -> CrlBody.decode(r.body()));
    } catch (DcapException e) {
      if (pccsFailure == null) {
        throw e;
      }
      throw new DcapException(e.code(), pccsFailure.getMessage() + "; " + e.getMessage(), e);
    }
  }

  /**
   * The https CRL distribution point of the last certificate (the root) of a PEM chain. Other
   * schemes are refused: the chain is not yet checked at this point, and an unchecked certificate
   * must not send this client to arbitrary places.
   */
  static Optional<URI> distributionPointOfRoot(String pemChain) throws DcapException {
    List<X509Certificate> certs;
    try {
      certs = PckCertChain.readCertificates(pemChain);
    } catch (DcapException e) {
      throw new DcapException(FailureCode.COLLATERAL_MALFORMED, "the QE identity issuer chain: " + e.getMessage());
    }
    return crlDistributionPoint(certs.get(certs.size() - 1))
        .filter(u -> "https".equalsIgnoreCase(u.getScheme()) && u.getHost() != null);
  }

  /** The first URI of the certificate's CRL distribution points extension, if any. */
  public static Optional<URI> crlDistributionPoint(X509Certificate cert) throws DcapException {
    byte[] ext = cert.getExtensionValue(Extension.cRLDistributionPoints.getId());
    if (ext == null) {
      return Optional.empty();
    }
    try {
      CRLDistPoint points = CRLDistPoint.getInstance(
          ASN1Primitive.fromByteArray(ASN1OctetString.getInstance(ext).getOctets()));
      for (DistributionPoint p : points.getDistributionPoints()) {
        DistributionPointName n = p.getDistributionPoint();
        if (n == null || n.getType() != DistributionPointName.FULL_NAME) {
          continue;
        }
        for (GeneralName g : GeneralNames.getInstance(n.getName()).getNames()) {
          if (g.getTagNo() == GeneralName.uniformResourceIdentifier) {
            return Optional.of(new URI(ASN1IA5String.getInstance(g.getName()).getString()));
          }
        }
      }
      return Optional.empty();
    } catch (IOException | URISyntaxException | IllegalArgumentException e) {
      throw new DcapException(FailureCode.COLLATERAL_MALFORMED, "a CRL distribution point cannot be read: " + e.getMessage());
    }
  }

  URI tcbInfoUri(TeeType tee, String fmspcHex) {
    return URI.create(base + "/" + teePath(tee) + API_PATH + "/tcb?fmspc=" + fmspcHex + "&" + versionQuery());
  }

  URI qeIdentityUri(TeeType tee) {
    return URI.create(base + "/" + teePath(tee) + API_PATH + "/qe/identity?" + versionQuery());
  }

  URI pckCrlUri(CaType ca) {
    // PCK CRLs are SGX collateral for TDX platforms too: only the sgx path serves them.
    return URI.create(base + "/sgx" + API_PATH + "/pckcrl?ca=" + ca.pcsName() + "&encoding=der");
  }

  /**
   * {@code update=...}, or {@code tcbEvaluationDataNumber=N} when a number is pinned: Intel's API
   * selects the collateral by one or the other, so the number replaces the update stream.
   */
  private String versionQuery() {
    return tcbEvaluationDataNumber.isPresent()
        ? "tcbEvaluationDataNumber=" + tcbEvaluationDataNumber.getAsInt()
        : "update=" + update.queryValue();
  }

  private static String teePath(TeeType tee) {
    return tee.name().toLowerCase(Locale.ROOT);
  }

  private interface Reader<T> {
    T read() throws DcapException;
  }

  /** Runs a body or header reader, naming the URL in its failure. */
  private static <T> T readAs(HttpGetter.Response r, Reader<T> reader) throws DcapException {
    try {
      return reader.read();
    } catch (DcapException e) {
      String m = e.getMessage();
      throw new DcapException(e.code(), m.startsWith(r.uri().toString()) ? m : r.uri() + ": " + m, e);
    }
  }

  @Override
  public String toString() {
    return "PcsClient[" + base + ", " + kind + "]";
  }

  /** Configures a {@link PcsClient}. */
  public static final class Builder {
    private final String base;
    private final HttpGetter http;
    private Kind kind;
    private UpdateType update = UpdateType.STANDARD;
    private OptionalInt tcbEvaluationDataNumber = OptionalInt.empty();
    private Optional<URI> rootCaCrlUrl = Optional.empty();

    private Builder(String base, HttpGetter http) {
      this.base = base;
      this.http = Objects.requireNonNull(http, "http");
    }

    /** Overrides the dialect, which is otherwise Intel PCS for Intel's host and PCCS for any other. */
    public Builder kind(Kind k) {
      this.kind = Objects.requireNonNull(k);
      return this;
    }

    public Builder update(UpdateType u) {
      this.update = Objects.requireNonNull(u);
      return this;
    }

    /** Asks for the collateral of one TCB evaluation data number instead of an update stream. */
    public Builder tcbEvaluationDataNumber(int n) {
      if (n < 0) {
        throw new IllegalArgumentException("a TCB evaluation data number is not negative");
      }
      this.tcbEvaluationDataNumber = OptionalInt.of(n);
      return this;
    }

    /**
     * Where to get the root CA CRL instead of the root certificate's distribution point (a mirror,
     * or a local server in tests).
     */
    public Builder rootCaCrlUrl(URI url) {
      this.rootCaCrlUrl = Optional.of(url);
      return this;
    }

    public PcsClient build() {
      return new PcsClient(this);
    }
  }
}
