package dev.dcapd.proto.json;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.dcapd.proto.v1.Failure;
import dev.dcapd.proto.v1.GetResponse;
import dev.dcapd.proto.v1.PckInfo;
import dev.dcapd.proto.v1.Quote;
import dev.dcapd.proto.v1.QuoteBody;
import dev.dcapd.proto.v1.QuoteCollateral;
import dev.dcapd.proto.v1.QuoteHeader;
import dev.dcapd.proto.v1.RecentItem;
import dev.dcapd.proto.v1.Verdict;
import dev.dcapd.proto.v1.VerdictChange;
import dev.dcapd.proto.v1.VerifyResponse;
import dev.dcapd.verifier.FailureCode;
import dev.dcapd.verifier.quote.BodyType;
import dev.dcapd.verifier.quote.TeeType;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;

/**
 * dcapd's answers (the {@code dcapd.v1} messages) as JSON with the field names and value
 * spellings of Phala Cloud's attestation API: {@code VerificationResponse}, the stored quote, the
 * {@code recent} list and {@code QuoteCollateralV3}, each with dcapd's {@code verdict} added. One
 * rendering for the HTTP API and the CLI's {@code --server} output, so one parser reads both, and
 * the same keys and spellings as the offline {@code QuoteJson}/{@code VerdictJson}:
 *
 * <ul>
 *   <li>byte strings {@code 0x}-prefixed lower-case hex, except {@code tee_tcb_svn},
 *       {@code tee_tcb_svn2}, checksums and collateral (bare hex, as Phala writes them);
 *   <li>{@code ak_type} {@code "ECDSA_P256"}, {@code tee_type} {@code "TEE_SGX"}/{@code "TEE_TDX"};
 *   <li>Phala's timestamps ({@code uploaded_at}, {@code verified_at}, {@code created_at}) as
 *       ISO-8601 with {@code +00:00}; the verdict's instants as ISO-8601 UTC with {@code Z}, as the
 *       offline verdict writes them.
 * </ul>
 */
public final class AnswerJson {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final HexFormat HEX = HexFormat.of();
  /** Python's {@code isoformat()} of an aware UTC datetime, which Phala's API returns. */
  private static final DateTimeFormatter PHALA_MICROS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSxxx");
  private static final DateTimeFormatter PHALA_SECONDS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ssxxx");

  private AnswerJson() {}

  /** Phala's {@code VerificationResponse} plus dcapd's {@code verdict}, {@code already_stored} and {@code history}. */
  public static ObjectNode verification(VerifyResponse r) {
    ObjectNode n = F.objectNode();
    n.put("success", r.getSuccess());
    n.set("quote", r.hasQuote() ? quote(r.getQuote()) : F.nullNode());
    n.put("checksum", r.getChecksum());
    n.put("can_download", r.getCanDownload());
    n.put("uploaded_at", time(r.getUploadedAt()));
    n.set("quote_collateral", r.hasQuoteCollateral() ? collateral(r.getQuoteCollateral()) : F.nullNode());
    n.put("verified_at", time(r.getVerifiedAt()));
    n.set("verdict", verdict(r.getVerdict()));
    n.put("already_stored", r.getAlreadyStored());
    n.set("history", history(r.getHistoryList()));
    return n;
  }

  /**
   * A stored quote as Phala's {@code view} answers it ({@code header}, {@code body},
   * {@code cert_data}, {@code verified}, {@code uploaded_at}, {@code checksum},
   * {@code can_download}), plus dcapd's current {@code verdict}, the PCK facts and the history.
   */
  public static ObjectNode stored(GetResponse r) {
    ObjectNode n = quote(r.getQuote());
    n.put("verified", r.getVerified());
    n.put("uploaded_at", time(r.getUploadedAt()));
    n.put("checksum", r.getChecksum());
    n.put("can_download", r.getCanDownload());
    n.put("verified_at", time(r.getVerifiedAt()));
    n.put("size", r.getSize());
    n.put("collateral_id", r.getCollateralId().isEmpty() ? null : r.getCollateralId());
    n.set("verdict", verdict(r.getVerdict()));
    n.set("history", history(r.getHistoryList()));
    return n;
  }

  /** One entry of Phala's {@code recent} list: {@code checksum}, {@code verified} (1 or 0), {@code created_at}. */
  public static ObjectNode recentItem(RecentItem item) {
    ObjectNode n = F.objectNode();
    n.put("checksum", item.getChecksum());
    n.put("verified", item.getVerified() ? 1 : 0);
    n.put("created_at", PHALA_SECONDS.format(utc(item.getCreatedAt())));
    n.put("tee_type", item.getTeeType().isEmpty() ? null : teeType(item.getTeeType()));
    n.put("tcb_status", item.getTcbStatus().isEmpty() ? null : item.getTcbStatus());
    if (item.hasQuote()) {
      ObjectNode q = quote(item.getQuote());
      n.set("header", q.get("header"));
      n.set("body", q.get("body"));
      n.set("cert_data", q.get("cert_data"));
    }
    return n;
  }

  /** A quote: {@code header}, {@code body}, {@code cert_data}, {@code verified}, and dcapd's {@code pck}. */
  public static ObjectNode quote(Quote q) {
    ObjectNode n = F.objectNode();
    n.set("header", header(q.getHeader()));
    n.set("body", body(q.getBody(), BodyType.fromCode(q.getBodyType())));
    n.put("cert_data", q.getCertData().isEmpty() ? null : q.getCertData());
    n.put("verified", q.getVerified());
    if (q.hasPck()) {
      n.set("pck", pck(q.getPck()));
    }
    return n;
  }

  public static ObjectNode header(QuoteHeader h) {
    ObjectNode n = F.objectNode();
    n.put("version", h.getVersion());
    n.put("ak_type", dev.dcapd.verifier.quote.QuoteHeader.attestationKeyTypeName(h.getAkType()));
    n.put("tee_type", teeType(h.getTeeType()));
    n.put("qe_svn", h.getQeSvn());
    n.put("pce_svn", h.getPceSvn());
    n.put("qe_vendor", hex0x(h.getQeVendor()));
    n.put("user_data", hex0x(h.getUserData()));
    return n;
  }

  /** A TD or SGX body, by the quote's body type (unknown: whichever fields are set). */
  public static ObjectNode body(QuoteBody b, BodyType type) {
    ObjectNode n = F.objectNode();
    boolean td = type == null ? !b.getMrtd().isEmpty() : type != BodyType.SGX_ENCLAVE_REPORT;
    if (td) {
      n.put("tee_tcb_svn", HEX.formatHex(b.getTeeTcbSvn().toByteArray()));
      n.put("mrseam", hex0x(b.getMrseam()));
      n.put("mrsignerseam", hex0x(b.getMrsignerseam()));
      n.put("seamattributes", hex0x(b.getSeamattributes()));
      n.put("tdattributes", hex0x(b.getTdattributes()));
      n.put("xfam", hex0x(b.getXfam()));
      n.put("mrtd", hex0x(b.getMrtd()));
      n.put("mrconfig", hex0x(b.getMrconfig()));
      n.put("mrowner", hex0x(b.getMrowner()));
      n.put("mrownerconfig", hex0x(b.getMrownerconfig()));
      n.put("rtmr0", hex0x(b.getRtmr0()));
      n.put("rtmr1", hex0x(b.getRtmr1()));
      n.put("rtmr2", hex0x(b.getRtmr2()));
      n.put("rtmr3", hex0x(b.getRtmr3()));
      n.put("reportdata", hex0x(b.getReportdata()));
      if (!b.getTeeTcbSvn2().isEmpty()) {
        n.put("tee_tcb_svn2", HEX.formatHex(b.getTeeTcbSvn2().toByteArray()));
      }
      if (!b.getMrservicetd().isEmpty()) {
        n.put("mrservicetd", hex0x(b.getMrservicetd()));
      }
    } else {
      n.put("cpusvn", hex0x(b.getCpusvn()));
      n.put("miscselect", String.format("0x%08x", b.getMiscselect()));
      n.put("attributes", hex0x(b.getAttributes()));
      n.put("mrenclave", hex0x(b.getMrenclave()));
      n.put("mrsigner", hex0x(b.getMrsigner()));
      n.put("isvprodid", b.getIsvprodid());
      n.put("isvsvn", b.getIsvsvn());
      n.put("reportdata", hex0x(b.getReportdata()));
    }
    return n;
  }

  public static ObjectNode pck(PckInfo p) {
    ObjectNode n = F.objectNode();
    n.put("fmspc", hex0x(p.getFmspc()));
    n.put("pceid", hex0x(p.getPceid()));
    n.put("ca", p.getCa());
    n.put("pcesvn", p.getPcesvn());
    n.put("cpusvn", hex0x(p.getCpusvn()));
    ArrayNode comps = n.putArray("tcb_components");
    p.getTcbComponentsList().forEach(comps::add);
    n.put("sgx_type", p.getSgxType());
    n.put("ppid", hex0x(p.getPpid()));
    if (!p.getPlatformInstanceId().isEmpty()) {
      n.put("platform_instance_id", hex0x(p.getPlatformInstanceId()));
    }
    return n;
  }

  /**
   * The verdict with the offline verdict's keys ({@code success}, {@code tcb_status},
   * {@code advisory_ids}, {@code failure}, {@code checksum}, {@code quote_version},
   * {@code tee_type}, {@code fmspc}, …) plus what the daemon adds: {@code trust_root},
   * {@code policy}, {@code violations}, {@code current_at} and {@code holds_until}.
   */
  public static ObjectNode verdict(Verdict v) {
    ObjectNode n = F.objectNode();
    n.put("success", v.getSuccess());
    n.put("tcb_status", emptyToNull(v.getTcbStatus()));
    ArrayNode advisories = n.putArray("advisory_ids");
    v.getAdvisoryIdsList().forEach(advisories::add);
    n.set("failure", v.hasFailure() ? failure(v.getFailure()) : F.nullNode());
    n.put("checksum", v.getChecksum());
    n.put("quote_version", v.getQuoteVersion());
    n.put("tee_type", v.getTeeType().isEmpty() ? null : teeType(v.getTeeType()));
    n.put("fmspc", v.getFmspc().isEmpty() ? null : hex0x(v.getFmspc()));
    n.put("pce_id", v.getPceId().isEmpty() ? null : hex0x(v.getPceId()));
    n.put("ca", emptyToNull(v.getCa()));
    n.put("tcb_date", emptyToNull(v.getTcbDate()));
    n.put("qe_identity_status", emptyToNull(v.getQeIdentityStatus()));
    n.put("verified_at", instant(v.hasVerifiedAt(), v.getVerifiedAt()));
    n.put("earliest_expiry", instant(v.hasEarliestExpiry(), v.getEarliestExpiry()));
    n.put("collateral_expired", v.getCollateralExpired());
    n.put("collateral_id", emptyToNull(v.getCollateralId()));
    n.put("insecure_root", v.getInsecureRoot());
    n.put("trust_root", emptyToNull(v.getTrustRoot()));
    if (v.hasPolicy()) {
      ObjectNode policy = n.putObject("policy");
      policy.put("name", v.getPolicy().getName());
      policy.put("sha256", v.getPolicy().getSha256());
    } else {
      n.putNull("policy");
    }
    ArrayNode violations = n.putArray("violations");
    v.getViolationsList().forEach(f -> violations.add(failure(f)));
    n.put("current_at", instant(v.hasCurrentAt(), v.getCurrentAt()));
    n.put("holds_until", instant(v.hasHoldsUntil(), v.getHoldsUntil()));
    return n;
  }

  /** {@code {code, kind, message}}: {@code kind} is the code's class (MALFORMED, UNTRUSTED, …) when dcapd knows it. */
  public static ObjectNode failure(Failure f) {
    ObjectNode n = F.objectNode();
    n.put("code", f.getCode());
    n.put("kind", kind(f.getCode()));
    n.put("message", f.getMessage());
    return n;
  }

  /** A verdict change of the record's history. */
  public static ObjectNode change(VerdictChange c) {
    ObjectNode n = F.objectNode();
    n.put("at", instant(c.hasAt(), c.getAt()));
    n.put("from", emptyToNull(c.getFrom()));
    n.put("to", c.getTo());
    n.put("success", c.getSuccess());
    n.put("reason", c.getReason());
    n.put("collateral_id", emptyToNull(c.getCollateralId()));
    n.put("fmspc", c.getFmspc().isEmpty() ? null : hex0x(c.getFmspc()));
    return n;
  }

  /** {@code QuoteCollateralV3}: chains as PEM, CRLs and signatures as bare hex, the signed JSON texts as given. */
  public static ObjectNode collateral(QuoteCollateral c) {
    ObjectNode n = F.objectNode();
    n.put("pck_crl_issuer_chain", c.getPckCrlIssuerChain());
    n.put("root_ca_crl", HEX.formatHex(c.getRootCaCrl().toByteArray()));
    n.put("pck_crl", HEX.formatHex(c.getPckCrl().toByteArray()));
    n.put("tcb_info_issuer_chain", c.getTcbInfoIssuerChain());
    n.put("tcb_info", c.getTcbInfo());
    n.put("tcb_info_signature", HEX.formatHex(c.getTcbInfoSignature().toByteArray()));
    n.put("qe_identity_issuer_chain", c.getQeIdentityIssuerChain());
    n.put("qe_identity", c.getQeIdentity());
    n.put("qe_identity_signature", HEX.formatHex(c.getQeIdentitySignature().toByteArray()));
    if (!c.getPckCertificateChain().isEmpty()) {
      n.put("pck_certificate_chain", c.getPckCertificateChain());
    }
    return n;
  }

  /** {@code "TDX"} (the proto's spelling) as {@code "TEE_TDX"} ({@link TeeType#apiName()}); an unknown name is kept. */
  public static String teeType(String protoName) {
    try {
      return TeeType.valueOf(protoName).apiName();
    } catch (IllegalArgumentException e) {
      return protoName;
    }
  }

  /** Phala's spelling of an instant: ISO-8601 with {@code +00:00}, microseconds when there are any. */
  public static String time(Timestamp t) {
    OffsetDateTime at = utc(t).truncatedTo(ChronoUnit.MICROS);
    return (at.getNano() == 0 ? PHALA_SECONDS : PHALA_MICROS).format(at);
  }

  private static ArrayNode history(java.util.List<VerdictChange> changes) {
    ArrayNode a = F.arrayNode();
    changes.forEach(c -> a.add(change(c)));
    return a;
  }

  private static OffsetDateTime utc(Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos()).atOffset(ZoneOffset.UTC);
  }

  private static String instant(boolean present, Timestamp t) {
    return present ? Instant.ofEpochSecond(t.getSeconds(), t.getNanos()).toString() : null;
  }

  private static String kind(String code) {
    try {
      return FailureCode.valueOf(code).kind().name();
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static String hex0x(ByteString b) {
    return "0x" + HEX.formatHex(b.toByteArray());
  }

  private static String emptyToNull(String s) {
    return s.isEmpty() ? null : s;
  }
}
