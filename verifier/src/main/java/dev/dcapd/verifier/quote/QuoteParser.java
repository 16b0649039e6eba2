package dev.dcapd.verifier.quote;

import static dev.dcapd.verifier.quote.QuoteLayout.*;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.FailureCode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Parses DCAP quotes: SGX v3, SGX and TDX v4, and v5 with body types 1-3.
 *
 * <p>The structural rules are Intel's: attestation key type 2, Intel's QE vendor id, v3 is SGX
 * only, v4/v5 certification data is type 6 wrapping a type 1-5, a v5 body descriptor must name a
 * body that fits the TEE type and has that body's exact size, and every declared length must agree
 * with what it describes. Bytes after the signature data are accepted and kept. Every length is
 * checked against what remains and against a cap before anything is copied.
 *
 * <p>The only exception thrown is {@link QuoteParseException}.
 */
public final class QuoteParser {
  private QuoteParser() {}

  /** Parses {@code raw} (binary quote bytes). The array is copied. */
  public static Quote parse(byte[] raw) throws QuoteParseException {
    Reader r = new Reader(raw);
    QuoteHeader header = parseHeader(r);
    BodyType bodyType = parseBodyDescriptor(r, header);
    QuoteBody body = parseBody(r, bodyType, "body");
    SignatureData signatureData = parseSignatureData(r, header.version());
    Bytes trailing = Bytes.of(raw, r.pos, raw.length - r.pos);
    return new Quote(header, body, signatureData, trailing, Bytes.of(raw));
  }

  private static QuoteHeader parseHeader(Reader r) throws QuoteParseException {
    r.require(HEADER_SIZE, "header");
    int version = r.u16();
    if (version < 3 || version > 5) {
      throw new QuoteParseException(
          FailureCode.UNSUPPORTED_QUOTE_VERSION, HEADER_VERSION_START, "quote version " + version + " is not 3, 4 or 5");
    }
    int akType = r.u16();
    if (akType != AK_TYPE_ECDSA_P256) {
      throw new QuoteParseException(
          FailureCode.UNSUPPORTED_ATTESTATION_KEY_TYPE,
          HEADER_AK_TYPE_START,
          "attestation key type " + akType + " is not 2 (ECDSA P-256)");
    }
    long teeCode = r.u32();
    TeeType tee = TeeType.fromCode(teeCode);
    if (tee == null) {
      throw new QuoteParseException(
          FailureCode.UNSUPPORTED_TEE_TYPE, HEADER_TEE_TYPE_START, String.format("TEE type 0x%08x is neither SGX nor TDX", teeCode));
    }
    if (version == 3 && tee != TeeType.SGX) {
      throw new QuoteParseException(
          FailureCode.UNSUPPORTED_TEE_TYPE, HEADER_TEE_TYPE_START, "a version 3 quote must be SGX");
    }
    int qeSvn = r.u16();
    int pceSvn = r.u16();
    Bytes vendor = r.bytes(16);
    if (!vendor.equals(INTEL_QE_VENDOR_ID)) {
      throw new QuoteParseException(
          FailureCode.UNSUPPORTED_QE_VENDOR, HEADER_QE_VENDOR_ID_START, "QE vendor id " + vendor + " is not Intel's");
    }
    Bytes userData = r.bytes(20);
    return new QuoteHeader(version, akType, tee, qeSvn, pceSvn, vendor, userData);
  }

  private static BodyType parseBodyDescriptor(Reader r, QuoteHeader header) throws QuoteParseException {
    if (header.version() < 5) {
      return header.teeType() == TeeType.SGX ? BodyType.SGX_ENCLAVE_REPORT : BodyType.TD_REPORT_10;
    }
    int start = r.pos;
    r.require(BODY_DESCRIPTOR_SIZE, "v5 body descriptor");
    int typeCode = r.u16();
    long size = r.u32();
    BodyType type = BodyType.fromCode(typeCode);
    if (type == null) {
      throw new QuoteParseException(
          FailureCode.UNSUPPORTED_BODY_TYPE, start, "body type " + typeCode + " is not 1, 2 or 3");
    }
    if (type.teeType() != header.teeType()) {
      throw new QuoteParseException(
          FailureCode.UNSUPPORTED_BODY_TYPE, start, "body type " + typeCode + " does not fit TEE type " + header.teeType());
    }
    if (size != type.size()) {
      throw new QuoteParseException(
          FailureCode.UNSUPPORTED_BODY_TYPE,
          start + BODY_DESCRIPTOR_SIZE_START,
          "body size " + size + " is not " + type.size() + " for body type " + typeCode);
    }
    return type;
  }

  private static QuoteBody parseBody(Reader r, BodyType type, String what) throws QuoteParseException {
    r.require(type.size(), what);
    return type == BodyType.SGX_ENCLAVE_REPORT ? enclaveReport(r) : tdReport(r, type);
  }

  private static EnclaveReport enclaveReport(Reader r) {
    return new EnclaveReport(
        r.bytes(16), r.u32(), r.bytes(28), r.bytes(16), r.bytes(32), r.bytes(32), r.bytes(32),
        r.bytes(96), r.u16(), r.u16(), r.bytes(60), r.bytes(64));
  }

  private static TdReport tdReport(Reader r, BodyType type) {
    Bytes teeTcbSvn = r.bytes(16);
    Bytes mrSeam = r.bytes(48);
    Bytes mrSignerSeam = r.bytes(48);
    Bytes seamAttributes = r.bytes(8);
    Bytes tdAttributes = r.bytes(8);
    Bytes xfam = r.bytes(8);
    Bytes mrTd = r.bytes(48);
    Bytes mrConfigId = r.bytes(48);
    Bytes mrOwner = r.bytes(48);
    Bytes mrOwnerConfig = r.bytes(48);
    List<Bytes> rtmrs = new ArrayList<>(TD_RTMR_COUNT);
    for (int i = 0; i < TD_RTMR_COUNT; i++) {
      rtmrs.add(r.bytes(TD_RTMR_SIZE));
    }
    Bytes reportData = r.bytes(64);
    Optional<Bytes> svn2 = Optional.empty();
    Optional<Bytes> serviceTd = Optional.empty();
    if (type == BodyType.TD_REPORT_15) {
      svn2 = Optional.of(r.bytes(16));
      serviceTd = Optional.of(r.bytes(48));
    }
    return new TdReport(
        teeTcbSvn, mrSeam, mrSignerSeam, seamAttributes, tdAttributes, xfam, mrTd, mrConfigId,
        mrOwner, mrOwnerConfig, rtmrs, reportData, svn2, serviceTd);
  }

  private static SignatureData parseSignatureData(Reader r, int version) throws QuoteParseException {
    int sizeAt = r.pos;
    r.require(AUTH_DATA_SIZE_FIELD, "signature data length");
    long declared = r.u32();
    if (declared > MAX_AUTH_DATA_SIZE) {
      throw new QuoteParseException(
          FailureCode.QUOTE_LENGTH_OVER_CAP, sizeAt, "signature data length " + declared + " exceeds the cap of " + MAX_AUTH_DATA_SIZE);
    }
    int start = r.pos;
    if (declared > r.remaining()) {
      throw new QuoteParseException(
          FailureCode.QUOTE_TRUNCATED, sizeAt, "signature data length " + declared + " exceeds the " + r.remaining() + " bytes left");
    }
    int end = start + (int) declared;
    Reader s = r.window(end);
    s.require(SIGNATURE_SIZE + ATTESTATION_KEY_SIZE, "quote signature and attestation key");
    Bytes signature = s.bytes(SIGNATURE_SIZE);
    Bytes key = s.bytes(ATTESTATION_KEY_SIZE);
    QeReportCertificationData qe;
    if (version == 3) {
      qe = parseQeReportCertificationData(s);
    } else {
      int typeAt = s.pos;
      s.require(CERT_DATA_TYPE_FIELD + CERT_DATA_SIZE_FIELD, "certification data header");
      int type = s.u16();
      long size = s.u32();
      if (type != CertificationData.TYPE_QE_REPORT) {
        throw new QuoteParseException(
            FailureCode.UNSUPPORTED_CERTIFICATION_DATA, typeAt, "certification data type " + type + " is not 6 (QE report) in a v" + version + " quote");
      }
      Reader inner = s.sized(size, typeAt + CERT_DATA_TYPE_FIELD, "QE report certification data");
      qe = parseQeReportCertificationData(inner);
      inner.requireConsumed("QE report certification data");
    }
    s.requireConsumed("signature data");
    r.pos = end;
    return new SignatureData(signature, key, qe);
  }

  private static QeReportCertificationData parseQeReportCertificationData(Reader r) throws QuoteParseException {
    EnclaveReport qeReport = (EnclaveReport) parseBody(r, BodyType.SGX_ENCLAVE_REPORT, "QE report");
    r.require(SIGNATURE_SIZE, "QE report signature");
    Bytes qeSignature = r.bytes(SIGNATURE_SIZE);
    int authAt = r.pos;
    r.require(QE_AUTH_DATA_SIZE_FIELD, "QE authentication data length");
    int authSize = r.u16();
    if (authSize > r.remaining()) {
      throw new QuoteParseException(
          FailureCode.QUOTE_LENGTH_MISMATCH, authAt, "QE authentication data length " + authSize + " exceeds the " + r.remaining() + " bytes left");
    }
    Bytes auth = r.bytes(authSize);
    int typeAt = r.pos;
    r.require(CERT_DATA_TYPE_FIELD + CERT_DATA_SIZE_FIELD, "certification data header");
    int type = r.u16();
    long size = r.u32();
    if (type < CertificationData.TYPE_PPID_CLEARTEXT || type > CertificationData.TYPE_PCK_CERT_CHAIN) {
      throw new QuoteParseException(
          FailureCode.UNSUPPORTED_CERTIFICATION_DATA, typeAt, "certification data type " + type + " is not 1-5");
    }
    Reader data = r.sized(size, typeAt + CERT_DATA_TYPE_FIELD, "certification data");
    CertificationData cert = new CertificationData(type, data.bytes(data.remaining()));
    return new QeReportCertificationData(qeReport, qeSignature, auth, cert);
  }

  /** A cursor over a window of the input; offsets are absolute. */
  private static final class Reader {
    private final byte[] buf;
    private final int limit;
    /** True for a window whose end was set by a declared length rather than by the input. */
    private final boolean container;
    private int pos;

    Reader(byte[] buf) {
      this(buf, 0, buf.length, false);
    }

    private Reader(byte[] buf, int pos, int limit, boolean container) {
      this.buf = buf;
      this.pos = pos;
      this.limit = limit;
      this.container = container;
    }

    int remaining() {
      return limit - pos;
    }

    void require(int n, String what) throws QuoteParseException {
      if (n > remaining()) {
        // Inside a container with a declared length, running out means that length is wrong.
        throw new QuoteParseException(
            container ? FailureCode.QUOTE_LENGTH_MISMATCH : FailureCode.QUOTE_TRUNCATED,
            pos,
            what + " needs " + n + " bytes, " + remaining() + " left" + (container ? " in its container" : ""));
      }
    }

    /** A reader over the next {@code size} bytes, whose length field sits at {@code sizeAt}. */
    Reader sized(long size, int sizeAt, String what) throws QuoteParseException {
      if (size > MAX_CERT_DATA_SIZE) {
        throw new QuoteParseException(
            FailureCode.QUOTE_LENGTH_OVER_CAP, sizeAt, what + " length " + size + " exceeds the cap of " + MAX_CERT_DATA_SIZE);
      }
      if (size > remaining()) {
        throw new QuoteParseException(
            FailureCode.QUOTE_LENGTH_MISMATCH, sizeAt, what + " length " + size + " exceeds the " + remaining() + " bytes its container has left");
      }
      Reader w = new Reader(buf, pos, pos + (int) size, true);
      pos += (int) size;
      return w;
    }

    /** A reader from here to the absolute offset {@code end}. */
    Reader window(int end) {
      return new Reader(buf, pos, end, true);
    }

    void requireConsumed(String what) throws QuoteParseException {
      if (pos != limit) {
        throw new QuoteParseException(
            FailureCode.QUOTE_LENGTH_MISMATCH, pos, what + " has " + remaining() + " bytes its declared length does not account for");
      }
    }

    int u16() {
      int v = (buf[pos] & 0xff) | (buf[pos + 1] & 0xff) << 8;
      pos += 2;
      return v;
    }

    long u32() {
      long v = (buf[pos] & 0xffL) | (buf[pos + 1] & 0xffL) << 8 | (buf[pos + 2] & 0xffL) << 16
          | (buf[pos + 3] & 0xffL) << 24;
      pos += 4;
      return v;
    }

    Bytes bytes(int n) {
      Bytes b = Bytes.of(buf, pos, n);
      pos += n;
      return b;
    }
  }
}
