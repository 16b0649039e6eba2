package dev.dcapd.token;

import com.nimbusds.jwt.JWTClaimsSet;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The claims of a token {@link EarVerifier} accepted. */
public record VerifiedEar(JWTClaimsSet claims, String keyId) {

  /** {@code affirming}, {@code warning}, {@code contraindicated} (or {@code none}). */
  public String status() {
    return (String) submod().get(Ear.STATUS);
  }

  /** The AR4SI trustworthiness vector. */
  @SuppressWarnings("unchecked")
  public Map<String, Object> vector() {
    return (Map<String, Object>) submod().get(Ear.VECTOR);
  }

  public String policyId() {
    return (String) submod().get(Ear.POLICY_ID);
  }

  /** dcapd's claims: checksum, tee_type, fmspc, tcb_status, advisory_ids, measurements, … */
  @SuppressWarnings("unchecked")
  public Map<String, Object> dcapd() {
    return (Map<String, Object>) submod().get(Ear.DCAPD);
  }

  /** The quote's checksum (lower-case hex SHA-256). */
  public String checksum() {
    return (String) dcapd().get("checksum");
  }

  public Optional<String> tcbStatus() {
    return Optional.ofNullable((String) dcapd().get("tcb_status"));
  }

  @SuppressWarnings("unchecked")
  public List<String> advisoryIds() {
    Object ids = dcapd().get("advisory_ids");
    return ids == null ? List.of() : (List<String>) ids;
  }

  /**
   * Whether the verdict may rest on a root other than Intel's: true unless the token says
   * {@code insecure_root: false} (only a verifier told {@link EarVerifier#allowInsecureRoot()}
   * accepts such tokens).
   */
  public boolean insecureRoot() {
    Map<String, Object> d = dcapd();
    return d == null || !Boolean.FALSE.equals(d.get(EarVerifier.INSECURE_ROOT_CLAIM));
  }

  public Optional<String> nonce() {
    return Optional.ofNullable((String) claims.getClaim(Ear.EAT_NONCE));
  }

  public Instant issuedAt() {
    return claims.getIssueTime().toInstant();
  }

  public Instant expiresAt() {
    return claims.getExpirationTime().toInstant();
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> submod() {
    return (Map<String, Object>) ((Map<String, Object>) claims.getClaim(Ear.SUBMODS)).get(Ear.SUBMOD);
  }
}
