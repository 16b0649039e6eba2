package dev.dcapd.daemon.api;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.dcapd.proto.v1.PckInfo;
import dev.dcapd.proto.v1.QuoteBody;
import dev.dcapd.proto.v1.QuoteHeader;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.json.QuoteJson;
import dev.dcapd.verifier.pck.PckCertChain;
import dev.dcapd.verifier.pck.PckExtension;
import dev.dcapd.verifier.quote.CertificationData;
import dev.dcapd.verifier.quote.EnclaveReport;
import dev.dcapd.verifier.quote.Quote;
import dev.dcapd.verifier.quote.TdReport;
import java.util.Optional;

/** Converts the verifier's models to and from the API's messages. */
public final class ProtoQuotes {
  private ProtoQuotes() {}

  /**
   * Per certification data (so per platform): the {@code cert_data} text as UTF-8 bytes and the PCK
   * summary. Every quote of a platform repeats them, and building them reads X.509 names. Bounded
   * at {@value #PLATFORMS_LIMIT} platforms.
   */
  private static final int PLATFORMS_LIMIT = 4096;
  private static final Cache<CertificationData, PlatformParts> PLATFORMS =
      Caffeine.newBuilder().maximumSize(PLATFORMS_LIMIT).build();

  private record PlatformParts(ByteString certData, Optional<PckInfo> pck) {}

  static ByteString bs(Bytes b) {
    // toByteArray is a private copy nothing else holds, so wrapping it is safe and saves a second copy.
    return UnsafeByteOperations.unsafeWrap(b.toByteArray());
  }

  static Bytes bytes(ByteString b) {
    return Bytes.of(b.toByteArray());
  }

  /** The parsed quote with Phala's names; {@code verified} is the stored verdict's success. */
  public static dev.dcapd.proto.v1.Quote quote(Quote q, boolean verified) {
    dev.dcapd.proto.v1.Quote.Builder b = dev.dcapd.proto.v1.Quote.newBuilder()
        .setHeader(header(q))
        .setBody(body(q))
        .setVerified(verified)
        .setBodyType(q.body().bodyType().code());
    PlatformParts platform = platform(q);
    b.setCertDataBytes(platform.certData());
    platform.pck().ifPresent(b::setPck);
    return b.build();
  }

  private static PlatformParts platform(Quote q) {
    CertificationData key = q.certificationData();
    PlatformParts known = PLATFORMS.getIfPresent(key);
    if (known != null) {
      return known;
    }
    PlatformParts built = new PlatformParts(ByteString.copyFromUtf8(QuoteJson.certData(q.certificationData())), pck(q));
    PLATFORMS.asMap().putIfAbsent(key, built);
    return built;
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

  /**
   * Collateral as the API message (CRLs and signatures as bytes). Text fields are set as UTF-8
   * bytes, so a message that is kept and sent many times is copied, not encoded again each time.
   */
  public static dev.dcapd.proto.v1.QuoteCollateral collateral(QuoteCollateral c) {
    dev.dcapd.proto.v1.QuoteCollateral.Builder b = dev.dcapd.proto.v1.QuoteCollateral.newBuilder()
        .setPckCrlIssuerChainBytes(utf8(c.pckCrlIssuerChain()))
        .setRootCaCrl(bs(c.rootCaCrl()))
        .setPckCrl(bs(c.pckCrl()))
        .setTcbInfoIssuerChainBytes(utf8(c.tcbInfoIssuerChain()))
        .setTcbInfoBytes(utf8(c.tcbInfo()))
        .setTcbInfoSignature(bs(c.tcbInfoSignature()))
        .setQeIdentityIssuerChainBytes(utf8(c.qeIdentityIssuerChain()))
        .setQeIdentityBytes(utf8(c.qeIdentity()))
        .setQeIdentitySignature(bs(c.qeIdentitySignature()));
    c.pckCertificateChain().ifPresent(chain -> b.setPckCertificateChainBytes(utf8(chain)));
    return b.build();
  }

  private static ByteString utf8(String s) {
    return ByteString.copyFromUtf8(s);
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
