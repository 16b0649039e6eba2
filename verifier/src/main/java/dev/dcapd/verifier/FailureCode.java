package dev.dcapd.verifier;

/**
 * Every reason dcapd can give for not accepting a quote. The names are a contract: they travel in
 * verdicts, gRPC error details and CLI output, and tests assert on them. Add, never rename.
 */
public enum FailureCode {
  // --- malformed: the input is not a well-formed quote or collateral -------------------------
  /** A structural error not covered by a more specific code. */
  QUOTE_MALFORMED(Kind.MALFORMED),
  /** The input ends before a field does, or the signature data length runs past its end. */
  QUOTE_TRUNCATED(Kind.MALFORMED),
  /** A declared length is larger than the parser's cap for that field. */
  QUOTE_LENGTH_OVER_CAP(Kind.MALFORMED),
  /**
   * A declared length disagrees with its container: it runs past it, or leaves bytes of it
   * unaccounted for.
   */
  QUOTE_LENGTH_MISMATCH(Kind.MALFORMED),
  UNSUPPORTED_QUOTE_VERSION(Kind.MALFORMED),
  UNSUPPORTED_ATTESTATION_KEY_TYPE(Kind.MALFORMED),
  UNSUPPORTED_TEE_TYPE(Kind.MALFORMED),
  UNSUPPORTED_QE_VENDOR(Kind.MALFORMED),
  /** A v5 body type that is unknown, does not fit the TEE type, or has the wrong size. */
  UNSUPPORTED_BODY_TYPE(Kind.MALFORMED),
  UNSUPPORTED_CERTIFICATION_DATA(Kind.MALFORMED),
  /** The PCK certificate chain in the quote cannot be read, or a PCK extension is malformed. */
  PCK_CERTIFICATE_MALFORMED(Kind.MALFORMED),
  /**
   * The PCK leaf's SGX type does not fit the CA that issued it: a Processor CA leaf that is not
   * Standard, a Platform CA leaf that is not Scalable or lacks its platform instance id and
   * configuration (Intel QvE's PCK_CERT_UNSUPPORTED_FORMAT).
   */
  PCK_CERT_UNSUPPORTED_FORMAT(Kind.MALFORMED),
  COLLATERAL_MALFORMED(Kind.MALFORMED),
  /** A TDX event log that cannot be read: bad JSON, a missing or wrongly sized field. */
  EVENT_LOG_MALFORMED(Kind.MALFORMED),

  // --- untrusted: well formed, but the evidence does not hold ---------------------------------
  PCK_CHAIN_UNTRUSTED(Kind.UNTRUSTED),
  PCK_REVOKED(Kind.UNTRUSTED),
  INTERMEDIATE_CA_REVOKED(Kind.UNTRUSTED),
  CRL_INVALID(Kind.UNTRUSTED),
  TCB_SIGNING_CHAIN_UNTRUSTED(Kind.UNTRUSTED),
  TCB_INFO_INVALID_SIGNATURE(Kind.UNTRUSTED),
  QE_IDENTITY_INVALID_SIGNATURE(Kind.UNTRUSTED),
  TCB_INFO_MISMATCH(Kind.UNTRUSTED),
  QE_IDENTITY_MISMATCH(Kind.UNTRUSTED),
  INVALID_QE_REPORT_SIGNATURE(Kind.UNTRUSTED),
  INVALID_QE_REPORT_DATA(Kind.UNTRUSTED),
  INVALID_QUOTE_SIGNATURE(Kind.UNTRUSTED),
  TDX_MODULE_MISMATCH(Kind.UNTRUSTED),
  TCB_NOT_SUPPORTED(Kind.UNTRUSTED),
  TCB_REVOKED(Kind.UNTRUSTED),
  /** An on-chain verifier rejected the quote with a reason dcapd does not know. */
  ONCHAIN_REJECTED(Kind.UNTRUSTED),
  /**
   * An event log that does not account for the quote: its replay differs from an RTMR, or an
   * event's stated digest differs from the one its content gives.
   */
  EVENT_LOG_MISMATCH(Kind.UNTRUSTED),
  /** The compose-hash measured into RTMR3 is not the hash of the given app-compose.json. */
  COMPOSE_HASH_MISMATCH(Kind.UNTRUSTED),
  /**
   * The quote comes from a debug TD (TD_ATTRIBUTES.DEBUG) or a debug enclave (ATTRIBUTES.DEBUG):
   * its host can read and write its memory, so nothing it reports proves anything. Refused by
   * every policy unless an {@code insecure} option allows debug.
   */
  DEBUG_NOT_ALLOWED(Kind.UNTRUSTED),
  /** The quote verified, but breaks a rule of the policy in force (the verdict lists each one). */
  POLICY_VIOLATION(Kind.UNTRUSTED),

  // --- stale: right once, not at the verification instant -------------------------------------
  CERTIFICATE_EXPIRED(Kind.STALE),
  COLLATERAL_EXPIRED(Kind.STALE),
  COLLATERAL_NOT_YET_VALID(Kind.STALE),

  // --- unavailable: the answer could not be computed now -------------------------------------
  COLLATERAL_UNAVAILABLE(Kind.UNAVAILABLE),
  /**
   * Every collateral source answered that it holds no collateral for the quote's platform (PCS
   * and PCCS: 404 for its FMSPC's TCB info; a folder: no file for it). An authoritative answer, not
   * an outage: asking again soon gives the same one.
   */
  COLLATERAL_NOT_FOUND(Kind.UNAVAILABLE),
  /**
   * An on-chain call reverted with data that names no check dcapd knows: empty data (which is
   * also how a P-256 precompile reports a bad signature), a panic, an access or fee error.
   */
  ONCHAIN_REVERTED(Kind.UNAVAILABLE);

  /** The four groups that callers (and the gRPC status mapping) branch on. */
  public enum Kind {
    MALFORMED,
    UNTRUSTED,
    STALE,
    UNAVAILABLE
  }

  private final Kind kind;

  FailureCode(Kind kind) {
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
