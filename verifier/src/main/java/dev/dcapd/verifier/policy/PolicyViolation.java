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
  INSECURE_ROOT,
  /**
   * A debug TD (TD_ATTRIBUTES.DEBUG) or debug enclave (ATTRIBUTES.DEBUG): its host can read and
   * write its memory. Refused unless the policy allows debug through an insecure option.
   */
  DEBUG_NOT_ALLOWED,
  /** TD attributes under the policy's mask differ from its value (e.g. SEPT_VE_DISABLE unset). */
  TD_ATTRIBUTES,
  /** XFAM under the policy's mask differs from its value. */
  XFAM,
  MRCONFIGID,
  MROWNER,
  MROWNERCONFIG,
  /** A TEE TCB SVN component is below the policy's minimum. */
  TEE_TCB_SVN,
  /** SGX ATTRIBUTES under the policy's mask differ from its value. */
  SGX_ATTRIBUTES,
  /** SGX MISCSELECT under the policy's mask differs from its value. */
  MISCSELECT,
  ISV_PROD_ID,
  /** The enclave's ISVSVN is below the policy's minimum. */
  ISV_SVN,
  /** The collateral the verdict rests on was issued longer ago than the policy accepts. */
  COLLATERAL_TOO_OLD,
  /** The collateral given to judge its age is not the collateral the verdict was computed against. */
  COLLATERAL_MISMATCH
}
