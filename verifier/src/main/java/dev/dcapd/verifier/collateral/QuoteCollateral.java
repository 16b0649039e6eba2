package dev.dcapd.verifier.collateral;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything a quote is judged against, in the {@code QuoteCollateralV3} shape that Phala's API
 * and dcap-qvl use: issuer chains as PEM text, CRLs as DER, TCB info and QE identity as the exact
 * signed JSON text (never re-serialised), their signatures as raw 64-byte r‖s.
 *
 * <p>This class holds the material as delivered; nothing here is verified. The optional
 * {@code pckCertificateChain} serves only quotes that carry no PCK chain of their own: as Intel's
 * QvE does, a quote's certification data type 5 is always the chain verified.
 */
public record QuoteCollateral(
    String pckCrlIssuerChain,
    Bytes rootCaCrl,
    Bytes pckCrl,
    String tcbInfoIssuerChain,
    String tcbInfo,
    Bytes tcbInfoSignature,
    String qeIdentityIssuerChain,
    String qeIdentity,
    Bytes qeIdentitySignature,
    Optional<String> pckCertificateChain) {

  private static final ObjectMapper JSON = new ObjectMapper();

  public QuoteCollateral {
    Objects.requireNonNull(pckCrlIssuerChain, "pckCrlIssuerChain");
    Objects.requireNonNull(rootCaCrl, "rootCaCrl");
    Objects.requireNonNull(pckCrl, "pckCrl");
    Objects.requireNonNull(tcbInfoIssuerChain, "tcbInfoIssuerChain");
    Objects.requireNonNull(tcbInfo, "tcbInfo");
    Objects.requireNonNull(tcbInfoSignature, "tcbInfoSignature");
    Objects.requireNonNull(qeIdentityIssuerChain, "qeIdentityIssuerChain");
    Objects.requireNonNull(qeIdentity, "qeIdentity");
    Objects.requireNonNull(qeIdentitySignature, "qeIdentitySignature");
    Objects.requireNonNull(pckCertificateChain, "pckCertificateChain");
  }

  /**
   * Reads {@code QuoteCollateralV3} JSON.
   *
   * @throws DcapException {@code COLLATERAL_MALFORMED} if a key is missing or has the wrong form
   */
  public static QuoteCollateral fromJson(String json) throws DcapException {
    JsonNode n;
    try {
      n = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw malformed("collateral is not JSON: " + e.getOriginalMessage());
    }
    if (n == null || !n.isObject()) {
      throw malformed("collateral JSON is not an object");
    }
    JsonNode chain = n.get("pck_certificate_chain");
    return new QuoteCollateral(
        text(n, "pck_crl_issuer_chain"),
        hex(n, "root_ca_crl"),
        hex(n, "pck_crl"),
        text(n, "tcb_info_issuer_chain"),
        text(n, "tcb_info"),
        hex(n, "tcb_info_signature"),
        text(n, "qe_identity_issuer_chain"),
        text(n, "qe_identity"),
        hex(n, "qe_identity_signature"),
        chain == null || chain.isNull() ? Optional.empty() : Optional.of(text(n, "pck_certificate_chain")));
  }

  /** The {@code QuoteCollateralV3} JSON object (hex without prefix, as dcap-qvl writes it). */
  public ObjectNode toJsonNode() {
    ObjectNode n = JSON.createObjectNode();
    n.put("pck_crl_issuer_chain", pckCrlIssuerChain);
    n.put("root_ca_crl", rootCaCrl.hex());
    n.put("pck_crl", pckCrl.hex());
    n.put("tcb_info_issuer_chain", tcbInfoIssuerChain);
    n.put("tcb_info", tcbInfo);
    n.put("tcb_info_signature", tcbInfoSignature.hex());
    n.put("qe_identity_issuer_chain", qeIdentityIssuerChain);
    n.put("qe_identity", qeIdentity);
    n.put("qe_identity_signature", qeIdentitySignature.hex());
    pckCertificateChain.ifPresent(c -> n.put("pck_certificate_chain", c));
    return n;
  }

  /** Compact {@code QuoteCollateralV3} JSON text. */
  public String toJson() {
    try {
      return JSON.writeValueAsString(toJsonNode());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree always serialises", e);
    }
  }

  /**
   * The collateral's content id: lower-case hex SHA-256 of its compact JSON encoding. Equal
   * collateral has equal ids, so it can be stored once and referenced by every quote judged by it.
   */
  public String id() {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      return Bytes.of(sha.digest(toJson().getBytes(StandardCharsets.UTF_8))).hex();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JDK", e);
    }
  }

  private static String text(JsonNode n, String key) throws DcapException {
    JsonNode v = n.get(key);
    if (v == null || !v.isTextual()) {
      throw malformed("collateral has no string '" + key + "'");
    }
    return v.textValue();
  }

  private static Bytes hex(JsonNode n, String key) throws DcapException {
    String s = text(n, key);
    try {
      return Bytes.fromHex(s.strip());
    } catch (IllegalArgumentException e) {
      throw malformed("collateral '" + key + "' is not hex");
    }
  }

  private static DcapException malformed(String message) {
    return new DcapException(FailureCode.COLLATERAL_MALFORMED, message);
  }
}
