package dev.dcapd.verifier.policy;

/**
 * Why a verdict does not satisfy a relying party's {@link Policy}. The names are a contract, like
 * {@link dev.dcapd.verifier.FailureCode}: add, never rename.
 */
public enum PolicyViolation {
  /** The verdict is not a success: the quote did not verify. */
  NOT_VERIFIED,
  /** The verdict's checksum is not the SHA-256 of the quote checked: they belong to different quotes. */
  QUOTE_MISMATCH,
  /** The quote's TEE type is not the one the policy requires. */
  TEE_TYPE,
  MRTD,
  RTMR,
  MRENCLAVE,
  MRSIGNER,
  REPORT_DATA,
  /** The TCB status is more severe than the policy's minimum allows. */
  TCB_STATUS,
  /** The verdict was computed longer ago than the policy's maximum age (or in the future). */
  TOO_OLD,
  /** The verdict names an advisory id the policy does not allow. */
  ADVISORY,
  /** The verdict was anchored in a root other than Intel's and the policy does not allow that. */
  INSECURE_ROOT
}
