package dev.dcapd.daemon.api;

import com.google.protobuf.ByteString;
import dev.dcapd.proto.v1.PckInfo;
import dev.dcapd.proto.v1.QuoteBody;
import dev.dcapd.proto.v1.QuoteHeader;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.json.QuoteJson;
import dev.dcapd.verifier.pck.PckCertChain;
import dev.dcapd.verifier.pck.PckExtension;
import dev.dcapd.verifier.quote.EnclaveReport;
import dev.dcapd.verifier.quote.Quote;
import dev.dcapd.verifier.quote.TdReport;
import java.util.Optional;

/** Converts the verifier's models to and from the API's messages. */
public final class ProtoQuotes {
  private ProtoQuotes() {}

  static ByteString bs(Bytes b) {
    return ByteString.copyFrom(b.toByteArray());
  }

  static Bytes bytes(ByteString b) {
    return Bytes.of(b.toByteArray());
  }

  /** The parsed quote with Phala's names; {@code verified} is the stored verdict's success. */
  public static dev.dcapd.proto.v1.Quote quote(Quote q, boolean verified) {
    dev.dcapd.proto.v1.Quote.Builder b = dev.dcapd.proto.v1.Quote.newBuilder()
        .setHeader(header(q))
        .setBody(body(q))
        .setCertData(QuoteJson.certData(q.certificationData()))
        .setVerified(verified)
        .setBodyType(q.body().bodyType().code());
    pck(q).ifPresent(b::setPck);
    return b.build();
  }

  static QuoteHeader header(Quote q) {
    return QuoteHeader.newBuilder()
        .setVersion(q.header().version())
        .setAkType(q.header().attestationKeyType())
        .setTeeType(q.teeType().name())
        .setQeSvn(q.header().qeSvn())
        .setPceSvn(q.header().pceSvn())
        .setQeVendor(bs(q.header().qeVendorId()))
        .setUserData(bs(q.header().userData()))
        .build();
  }

  static QuoteBody body(Quote q) {
    QuoteBody.Builder b = QuoteBody.newBuilder();
    if (q.body() instanceof TdReport td) {
      b.setTeeTcbSvn(bs(td.teeTcbSvn()))
          .setMrseam(bs(td.mrSeam()))
          .setMrsignerseam(bs(td.mrSignerSeam()))
          .setSeamattributes(bs(td.seamAttributes()))
          .setTdattributes(bs(td.tdAttributes()))
          .setXfam(bs(td.xfam()))
          .setMrtd(bs(td.mrTd()))
          .setMrconfig(bs(td.mrConfigId()))
          .setMrowner(bs(td.mrOwner()))
          .setMrownerconfig(bs(td.mrOwnerConfig()))
          .setRtmr0(bs(td.rtmr(0)))
          .setRtmr1(bs(td.rtmr(1)))
          .setRtmr2(bs(td.rtmr(2)))
          .setRtmr3(bs(td.rtmr(3)))
          .setReportdata(bs(td.reportData()));
      td.teeTcbSvn2().ifPresent(v -> b.setTeeTcbSvn2(bs(v)));
      td.mrServiceTd().ifPresent(v -> b.setMrservicetd(bs(v)));
    } else {
      EnclaveReport e = (EnclaveReport) q.body();
      b.setCpusvn(bs(e.cpuSvn()))
          .setMiscselect((int) e.miscSelect())
          .setAttributes(bs(e.attributes()))
          .setMrenclave(bs(e.mrEnclave()))
          .setMrsigner(bs(e.mrSigner()))
          .setIsvprodid(e.isvProdId())
          .setIsvsvn(e.isvSvn())
          .setReportdata(bs(e.reportData()));
    }
    return b.build();
  }

  /** The PCK facts, when the quote carries a readable chain. */
  static Optional<PckInfo> pck(Quote q) {
    try {
      PckCertChain chain = q.certificationData().pckCertChain();
      PckExtension ext = chain.pckExtension();
      PckInfo.Builder b = PckInfo.newBuilder()
          .setFmspc(bs(ext.fmspc()))
          .setPceid(bs(ext.pceId()))
          .setCa(chain.caType().pcsName())
          .setPcesvn(ext.pceSvn())
          .setCpusvn(bs(ext.cpuSvn()))
          .addAllTcbComponents(ext.tcbComponents())
          .setSgxType(ext.sgxType().code())
          .setPpid(bs(ext.ppid()));
      ext.platformInstanceId().ifPresent(v -> b.setPlatformInstanceId(bs(v)));
      return Optional.of(b.build());
    } catch (DcapException e) {
      return Optional.empty();
    }
  }

  /** Collateral as the API message (CRLs and signatures as bytes). */
  public static dev.dcapd.proto.v1.QuoteCollateral collateral(QuoteCollateral c) {
    dev.dcapd.proto.v1.QuoteCollateral.Builder b = dev.dcapd.proto.v1.QuoteCollateral.newBuilder()
        .setPckCrlIssuerChain(c.pckCrlIssuerChain())
        .setRootCaCrl(bs(c.rootCaCrl()))
        .setPckCrl(bs(c.pckCrl()))
        .setTcbInfoIssuerChain(c.tcbInfoIssuerChain())
        .setTcbInfo(c.tcbInfo())
        .setTcbInfoSignature(bs(c.tcbInfoSignature()))
        .setQeIdentityIssuerChain(c.qeIdentityIssuerChain())
        .setQeIdentity(c.qeIdentity())
        .setQeIdentitySignature(bs(c.qeIdentitySignature()));
    c.pckCertificateChain().ifPresent(b::setPckCertificateChain);
    return b.build();
  }

  /** The API message back to the verifier's model. */
  public static QuoteCollateral collateral(dev.dcapd.proto.v1.QuoteCollateral c) {
    return new QuoteCollateral(
        c.getPckCrlIssuerChain(),
        bytes(c.getRootCaCrl()),
        bytes(c.getPckCrl()),
        c.getTcbInfoIssuerChain(),
        c.getTcbInfo(),
        bytes(c.getTcbInfoSignature()),
        c.getQeIdentityIssuerChain(),
        c.getQeIdentity(),
        bytes(c.getQeIdentitySignature()),
        c.getPckCertificateChain().isEmpty() ? Optional.empty() : Optional.of(c.getPckCertificateChain()));
  }
}
