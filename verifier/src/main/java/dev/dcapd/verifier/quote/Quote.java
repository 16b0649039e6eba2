package dev.dcapd.verifier.quote;

import dev.dcapd.verifier.Bytes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;

/**
 * A parsed DCAP quote: the model of its fields together with the exact bytes it came from.
 *
 * <p>Real quotes may carry bytes after the signature data (zero padding); they are kept in
 * {@link #raw()} and {@link #trailing()}, and {@link #length()} says where the quote proper ends.
 */
public final class Quote {
  private final QuoteHeader header;
  private final QuoteBody body;
  private final SignatureData signatureData;
  private final Bytes trailing;
  private final Bytes raw;
  private final int length;
  /** SHA-256 of {@link #raw}, computed on first use (a benign race: every thread computes the same). */
  private volatile Bytes checksum;

  Quote(QuoteHeader header, QuoteBody body, SignatureData signatureData, Bytes trailing, Bytes raw) {
    this.header = header;
    this.body = body;
    this.signatureData = signatureData;
    this.trailing = trailing;
    this.raw = raw;
    this.length = raw.length() - trailing.length();
  }

  /**
   * Builds a quote from its fields, encoding it. The fields must agree with each other (the body
   * with the TEE type, v3 with SGX, v4/v5 certification data); otherwise
   * {@link IllegalArgumentException}.
   */
  public static Quote assemble(
      QuoteHeader header, QuoteBody body, SignatureData signatureData, Bytes trailing) {
    Objects.requireNonNull(trailing, "trailing");
    byte[] encoded = QuoteEncoder.encode(header, body, signatureData, trailing);
    return new Quote(header, body, signatureData, trailing, Bytes.of(encoded));
  }

  public QuoteHeader header() {
    return header;
  }

  public int version() {
    return header.version();
  }

  public TeeType teeType() {
    return header.teeType();
  }

  public QuoteBody body() {
    return body;
  }

  public SignatureData signatureData() {
    return signatureData;
  }

  /** The QE report, its signature, QE auth data and PCK certification data. */
  public QeReportCertificationData qeReportCertificationData() {
    return signatureData.qeReportCertificationData();
  }

  /** The PCK certification data (type 1-5), unwrapped from type 6 where the version wraps it. */
  public CertificationData certificationData() {
    return signatureData.qeReportCertificationData().certificationData();
  }

  /** The exact input bytes, trailing bytes included. */
  public Bytes raw() {
    return raw;
  }

  /**
   * SHA-256 of the exact input bytes ({@link #raw()}, trailing bytes included): the quote's id
   * everywhere in dcapd. Computed once per parsed quote.
   */
  public Bytes checksum() {
    Bytes c = checksum;
    if (c == null) {
      try {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        raw.updateDigest(sha);
        c = Bytes.of(sha.digest());
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA-256 is required of every Java platform", e);
      }
      checksum = c;
    }
    return c;
  }

  /** {@link #checksum()} as lower-case hex, as Phala's API and every dcapd answer spell it. */
  public String checksumHex() {
    return checksum().hex();
  }

  /** Where the quote proper ends: the length of header, body and signature data. */
  public int length() {
    return length;
  }

  /** Bytes found after the signature data (usually zero padding); empty for most quotes. */
  public Bytes trailing() {
    return trailing;
  }

  /**
   * How many leading bytes of {@link #raw()} the attestation key signs: header and body, and for
   * v5 the 6-byte body descriptor between them.
   */
  public int signedLength() {
    int descriptor = header.version() >= 5 ? QuoteLayout.BODY_DESCRIPTOR_SIZE : 0;
    return QuoteLayout.HEADER_SIZE + descriptor + body.bodyType().size();
  }

  /** Where the body starts in {@link #raw()}. */
  public int bodyOffset() {
    return signedLength() - body.bodyType().size();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Quote other && raw.equals(other.raw);
  }

  @Override
  public int hashCode() {
    return raw.hashCode();
  }

  @Override
  public String toString() {
    return "Quote[v" + header.version() + " " + header.teeType() + " " + body.bodyType() + ", "
        + raw.length() + " bytes]";
  }
}
