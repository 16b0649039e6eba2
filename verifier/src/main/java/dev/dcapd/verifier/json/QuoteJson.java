package dev.dcapd.verifier.json;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.pck.PckCertChain;
import dev.dcapd.verifier.pck.PckExtension;
import dev.dcapd.verifier.quote.CertificationData;
import dev.dcapd.verifier.quote.EnclaveReport;
import dev.dcapd.verifier.quote.Quote;
import dev.dcapd.verifier.quote.QuoteHeader;
import dev.dcapd.verifier.quote.TdReport;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The JSON rendering of a parsed quote, with the field names of Phala's attestation API
 * ({@code header}, {@code body}, {@code cert_data}) and its value spellings ({@code ak_type}
 * {@code "ECDSA_P256"}, {@code tee_type} {@code "TEE_TDX"}), plus the PCK facts dcapd adds. Byte
 * strings are {@code 0x}-prefixed lower-case hex except {@code tee_tcb_svn}/{@code tee_tcb_svn2}
 * and the checksum, which are bare hex, as Phala's API gives them.
 */
public final class QuoteJson {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private QuoteJson() {}

  /** Lower-case hex SHA-256 of the quote's exact bytes: its id everywhere in dcapd. */
  public static String checksum(Quote quote) {
    return quote.checksumHex();
  }

  /** Lower-case hex SHA-256 of {@code raw}. */
  public static String checksum(Bytes raw) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      raw.updateDigest(sha);
      return Bytes.of(sha.digest()).hex();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JDK", e);
    }
  }

  /** {@code checksum}, {@code header}, {@code body}, {@code pck}, {@code cert_data} and layout facts. */
  public static ObjectNode render(Quote quote) {
    ObjectNode root = F.objectNode();
    root.put("checksum", checksum(quote));
    root.put("size", quote.raw().length());
    root.put("quote_length", quote.length());
    root.put("trailing_bytes", quote.trailing().length());
    root.put("body_type", quote.body().bodyType().code());
    root.set("header", header(quote.header()));
    root.set("body", body(quote));
    root.set("pck", pck(quote.certificationData()));
    root.set("qe_report", enclaveReport(quote.qeReportCertificationData().qeReport()));
    root.put("qe_report_signature", quote.qeReportCertificationData().qeReportSignature().hex0x());
    root.put("qe_auth_data", quote.qeReportCertificationData().qeAuthData().hex0x());
    root.put("signature", quote.signatureData().quoteSignature().hex0x());
    root.put("attestation_key", quote.signatureData().attestationKey().hex0x());
    root.put("cert_type", quote.certificationData().type());
    root.put("cert_data", certData(quote.certificationData()));
    return root;
  }

  /** The header with Phala's names. */
  public static ObjectNode header(QuoteHeader h) {
    ObjectNode n = F.objectNode();
    n.put("version", h.version());
    n.put("ak_type", QuoteHeader.attestationKeyTypeName(h.attestationKeyType()));
    n.put("tee_type", h.teeType().apiName());
    n.put("qe_svn", h.qeSvn());
    n.put("pce_svn", h.pceSvn());
    n.put("qe_vendor", h.qeVendorId().hex0x());
    n.put("user_data", h.userData().hex0x());
    return n;
  }

  /** The body with Phala's names: a TD report or an SGX enclave report. */
  public static ObjectNode body(Quote quote) {
    return quote.body() instanceof TdReport td ? tdReport(td) : enclaveReport((EnclaveReport) quote.body());
  }

  public static ObjectNode tdReport(TdReport td) {
    ObjectNode n = F.objectNode();
    // Phala prints the TEE TCB SVNs as bare hex, unlike every other byte string.
    n.put("tee_tcb_svn", td.teeTcbSvn().hex());
    n.put("mrseam", td.mrSeam().hex0x());
    n.put("mrsignerseam", td.mrSignerSeam().hex0x());
    n.put("seamattributes", td.seamAttributes().hex0x());
    n.put("tdattributes", td.tdAttributes().hex0x());
    n.put("xfam", td.xfam().hex0x());
    n.put("mrtd", td.mrTd().hex0x());
    n.put("mrconfig", td.mrConfigId().hex0x());
    n.put("mrowner", td.mrOwner().hex0x());
    n.put("mrownerconfig", td.mrOwnerConfig().hex0x());
    for (int i = 0; i < td.rtmrs().size(); i++) {
      n.put("rtmr" + i, td.rtmr(i).hex0x());
    }
    n.put("reportdata", td.reportData().hex0x());
    td.teeTcbSvn2().ifPresent(b -> n.put("tee_tcb_svn2", b.hex()));
    td.mrServiceTd().ifPresent(b -> n.put("mrservicetd", b.hex0x()));
    return n;
  }

  public static ObjectNode enclaveReport(EnclaveReport e) {
    ObjectNode n = F.objectNode();
    n.put("cpusvn", e.cpuSvn().hex0x());
    n.put("miscselect", String.format("0x%08x", e.miscSelect()));
    n.put("attributes", e.attributes().hex0x());
    n.put("mrenclave", e.mrEnclave().hex0x());
    n.put("mrsigner", e.mrSigner().hex0x());
    n.put("isvprodid", e.isvProdId());
    n.put("isvsvn", e.isvSvn());
    n.put("reportdata", e.reportData().hex0x());
    return n;
  }

  /**
   * The PCK facts from the leaf's SGX extension, or {@code {"error": {code, message}}} when the
   * quote carries no readable chain, so that inspect still shows everything else.
   */
  public static ObjectNode pck(CertificationData cert) {
    ObjectNode n = F.objectNode();
    try {
      PckCertChain chain = cert.pckCertChain();
      PckExtension ext = chain.pckExtension();
      n.put("fmspc", ext.fmspc().hex0x());
      n.put("pceid", ext.pceId().hex0x());
      n.put("ca", chain.caType().pcsName());
      n.put("pcesvn", ext.pceSvn());
      n.put("cpusvn", ext.cpuSvn().hex0x());
      ArrayNode comps = n.putArray("tcb_components");
      ext.tcbComponents().forEach(comps::add);
      n.put("sgx_type", ext.sgxType().code());
      n.put("ppid", ext.ppid().hex0x());
      ext.platformInstanceId().ifPresent(b -> n.put("platform_instance_id", b.hex0x()));
      ext.configuration().ifPresent(c -> {
        ObjectNode cfg = n.putObject("configuration");
        cfg.put("dynamic_platform", c.dynamicPlatform());
        cfg.put("cached_keys", c.cachedKeys());
        cfg.put("smt_enabled", c.smtEnabled());
      });
      n.put("certificates", chain.certificates().size());
    } catch (DcapException e) {
      ObjectNode err = F.objectNode();
      err.put("code", e.code().name());
      err.put("message", e.getMessage());
      n.removeAll();
      n.set("error", err);
    }
    return n;
  }

  /** The PEM text of a type-5 chain; other types as {@code 0x} hex. */
  public static String certData(CertificationData cert) {
    if (cert.type() == CertificationData.TYPE_PCK_CERT_CHAIN) {
      byte[] raw = cert.data().toByteArray();
      int end = raw.length;
      while (end > 0 && raw[end - 1] == 0) {
        end--;
      }
      return new String(raw, 0, end, StandardCharsets.US_ASCII);
    }
    return cert.data().hex0x();
  }
}
