package dev.dcapd.token;

import java.util.List;

/**
 * The names of an EAR ("EAT Attestation Results", IETF draft-ietf-rats-ear) as dcapd issues it,
 * in Veraison's profile: a JWT signed ES256 whose claims are
 *
 * <pre>
 * eat_profile      "tag:github.com,2023:veraison/ear"
 * iat, exp         issue and expiry, seconds
 * eat_nonce        the caller's nonce (hex), when the quote bound one
 * ear.verifier-id  {developer, build}
 * submods          {"quote": {ear.status, ear.trustworthiness-vector, ear.appraisal-policy-id,
 *                             "dcapd": {checksum, tee_type, fmspc, tcb_status, …}}}
 * </pre>
 *
 * {@code ear.status} is the worst tier of the trustworthiness vector (AR4SI, draft-ietf-rats-ar4si):
 * 0-1 none, 2-31 affirming, 32-95 warning, 96-127 contraindicated.
 */
public final class Ear {
  public static final String PROFILE = "tag:github.com,2023:veraison/ear";
  public static final String EAT_PROFILE = "eat_profile";
  public static final String EAT_NONCE = "eat_nonce";
  public static final String VERIFIER_ID = "ear.verifier-id";
  public static final String SUBMODS = "submods";
  /** The one submodule of a dcapd token: the quote it judged. */
  public static final String SUBMOD = "quote";
  public static final String STATUS = "ear.status";
  public static final String VECTOR = "ear.trustworthiness-vector";
  public static final String POLICY_ID = "ear.appraisal-policy-id";
  /** dcapd's own claims inside the submodule. */
  public static final String DCAPD = "dcapd";

  public static final String AFFIRMING = "affirming";
  public static final String WARNING = "warning";
  public static final String CONTRAINDICATED = "contraindicated";
  public static final String NONE = "none";

  /** The AR4SI trustworthiness claims, in the draft's order. */
  public static final List<String> VECTOR_CLAIMS = List.of("instance-identity", "configuration", "executables",
      "file-system", "hardware", "runtime-opaque", "storage-opaque", "sourced-data");

  private Ear() {}

  /** The tier an AR4SI value falls in. */
  public static String tier(int value) {
    if (value >= 96) {
      return CONTRAINDICATED;
    }
    if (value >= 32) {
      return WARNING;
    }
    if (value >= 2) {
      return AFFIRMING;
    }
    return NONE;
  }

  /** Order of tiers from best to worst, for taking the worst. */
  static int rank(String tier) {
    return switch (tier) {
      case NONE -> 0;
      case AFFIRMING -> 1;
      case WARNING -> 2;
      case CONTRAINDICATED -> 3;
      default -> throw new IllegalArgumentException("not an EAR status: " + tier);
    };
  }
}
