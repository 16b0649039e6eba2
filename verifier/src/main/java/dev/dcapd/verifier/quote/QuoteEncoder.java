package dev.dcapd.verifier.quote;

import static dev.dcapd.verifier.quote.QuoteLayout.*;

import dev.dcapd.verifier.Bytes;
import java.io.ByteArrayOutputStream;

/** Turns a quote model back into bytes: the inverse of {@link QuoteParser}. */
public final class QuoteEncoder {
  private QuoteEncoder() {}

  /** Encodes the quote's fields; see {@link Quote#assemble}. */
  static byte[] encode(QuoteHeader header, QuoteBody body, SignatureData sig, Bytes trailing) {
    int version = header.version();
    if (version < 3 || version > 5) {
      throw new IllegalArgumentException("quote version must be 3, 4 or 5");
    }
    if (body.bodyType().teeType() != header.teeType()) {
      throw new IllegalArgumentException(body.bodyType() + " does not fit TEE type " + header.teeType());
    }
    if (version == 3 && header.teeType() != TeeType.SGX) {
      throw new IllegalArgumentException("a version 3 quote must be SGX");
    }
    if (version == 4 && body.bodyType() == BodyType.TD_REPORT_15) {
      throw new IllegalArgumentException("TD report 1.5 needs a version 5 quote");
    }
    Out out = new Out();
    out.u16(version);
    out.u16(header.attestationKeyType());
    out.u32(header.teeType().code());
    out.u16(header.qeSvn());
    out.u16(header.pceSvn());
    out.bytes(header.qeVendorId());
    out.bytes(header.userData());
    if (version == 5) {
      out.u16(body.bodyType().code());
      out.u32(body.bodyType().size());
    }
    writeBody(out, body);

    Out auth = new Out();
    auth.bytes(sig.quoteSignature());
    auth.bytes(sig.attestationKey());
    QeReportCertificationData qe = sig.qeReportCertificationData();
    if (version == 3) {
      writeQeReportCertificationData(auth, qe);
    } else {
      Out inner = new Out();
      writeQeReportCertificationData(inner, qe);
      auth.u16(CertificationData.TYPE_QE_REPORT);
      auth.u32(inner.size());
      auth.append(inner);
    }
    out.u32(auth.size());
    out.append(auth);
    out.bytes(trailing);
    return out.toByteArray();
  }

  /** The encoding of one report (384, 584 or 648 bytes). */
  public static byte[] encodeBody(QuoteBody body) {
    Out out = new Out();
    writeBody(out, body);
    return out.toByteArray();
  }

  private static void writeBody(Out out, QuoteBody body) {
    if (body instanceof EnclaveReport e) {
      writeEnclaveReport(out, e);
    } else {
      writeTdReport(out, (TdReport) body);
    }
  }

  private static void writeEnclaveReport(Out out, EnclaveReport e) {
    out.bytes(e.cpuSvn());
    out.u32(e.miscSelect());
    out.bytes(e.reserved1());
    out.bytes(e.attributes());
    out.bytes(e.mrEnclave());
    out.bytes(e.reserved2());
    out.bytes(e.mrSigner());
    out.bytes(e.reserved3());
    out.u16(e.isvProdId());
    out.u16(e.isvSvn());
    out.bytes(e.reserved4());
    out.bytes(e.reportData());
  }

  private static void writeTdReport(Out out, TdReport t) {
    out.bytes(t.teeTcbSvn());
    out.bytes(t.mrSeam());
    out.bytes(t.mrSignerSeam());
    out.bytes(t.seamAttributes());
    out.bytes(t.tdAttributes());
    out.bytes(t.xfam());
    out.bytes(t.mrTd());
    out.bytes(t.mrConfigId());
    out.bytes(t.mrOwner());
    out.bytes(t.mrOwnerConfig());
    for (Bytes rtmr : t.rtmrs()) {
      out.bytes(rtmr);
    }
    out.bytes(t.reportData());
    t.teeTcbSvn2().ifPresent(out::bytes);
    t.mrServiceTd().ifPresent(out::bytes);
  }

  private static void writeQeReportCertificationData(Out out, QeReportCertificationData qe) {
    writeEnclaveReport(out, qe.qeReport());
    out.bytes(qe.qeReportSignature());
    out.u16(qe.qeAuthData().length());
    out.bytes(qe.qeAuthData());
    CertificationData cert = qe.certificationData();
    out.u16(cert.type());
    out.u32(cert.data().length());
    out.bytes(cert.data());
  }

  /** A growable little-endian writer. */
  private static final class Out extends ByteArrayOutputStream {
    Out() {
      super(6 * 1024);
    }

    void u16(int v) {
      write(v);
      write(v >>> 8);
    }

    void u32(long v) {
      write((int) v);
      write((int) (v >>> 8));
      write((int) (v >>> 16));
      write((int) (v >>> 24));
    }

    void bytes(Bytes b) {
      int at = count;
      ensure(b.length());
      b.copyTo(buf, at);
      count += b.length();
    }

    void append(Out other) {
      write(other.buf, 0, other.count);
    }

    private void ensure(int extra) {
      if (count + extra > buf.length) {
        buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, count + extra));
      }
    }
  }
}
