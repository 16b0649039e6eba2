package dev.dcapd.testkit;

import dev.dcapd.verifier.FailureCode;
import dev.dcapd.verifier.quote.TeeType;
import java.util.Locale;

/**
 * One thing wrong with an otherwise valid forged case, and the failure code a correct verifier
 * must answer with. The kebab-case {@link #cliName()} is stable: scripts and tests use it.
 */
public enum Corruption {
  /** The attestation key's signature over header and body does not verify. */
  QUOTE_SIGNATURE(FailureCode.INVALID_QUOTE_SIGNATURE, null),
  /** The PCK's signature over the QE report does not verify. */
  QE_REPORT_SIGNATURE(FailureCode.INVALID_QE_REPORT_SIGNATURE, null),
  /** The QE report data is not SHA-256(attestation key ‖ QE auth data); the report is re-signed. */
  QE_REPORT_DATA(FailureCode.INVALID_QE_REPORT_DATA, null),
  /** The quote carries (and is signed by) another attestation key than the QE report binds. */
  ATTESTATION_KEY(FailureCode.INVALID_QE_REPORT_DATA, null),
  /** The PCK leaf is signed by a key other than its issuing CA's. */
  PCK_CHAIN_SIGNATURE(FailureCode.PCK_CHAIN_UNTRUSTED, null),
  /** The quote's PCK chain leads to a root with the right names but another key. */
  UNTRUSTED_ROOT(FailureCode.PCK_CHAIN_UNTRUSTED, null),
  /**
   * The PCK leaf, correctly signed, has an SGX type its CA does not issue: Scalable under the
   * Processor CA, Standard under the Platform CA.
   */
  PCK_SGX_TYPE_MISMATCH(FailureCode.PCK_CERT_UNSUPPORTED_FORMAT, null),
  /**
   * The PCK leaf, correctly signed, has the other CA's extension entries: 7 (with platform
   * instance id and configuration) under the Processor CA, 5 (without) under the Platform CA.
   */
  PCK_ENTRIES_MISMATCH(FailureCode.PCK_CERT_UNSUPPORTED_FORMAT, null),
  /** The PCK leaf's serial is on the PCK CRL. */
  REVOKED_PCK(FailureCode.PCK_REVOKED, null),
  /** The PCK CA's serial is on the root CA CRL. */
  REVOKED_INTERMEDIATE(FailureCode.INTERMEDIATE_CA_REVOKED, null),
  /** TCB info names another FMSPC than the PCK certificate. */
  FMSPC_MISMATCH(FailureCode.TCB_INFO_MISMATCH, null),
  /** TCB info names another PCE-ID than the PCK certificate. */
  PCE_ID_MISMATCH(FailureCode.TCB_INFO_MISMATCH, null),
  /** The TCB info signature does not verify. */
  TCB_INFO_SIGNATURE(FailureCode.TCB_INFO_INVALID_SIGNATURE, null),
  /** The QE identity signature does not verify. */
  QE_IDENTITY_SIGNATURE(FailureCode.QE_IDENTITY_INVALID_SIGNATURE, null),
  /** The QE identity expects another MRSIGNER than the QE report's. */
  QE_IDENTITY_MRSIGNER(FailureCode.QE_IDENTITY_MISMATCH, null),
  /** The QE identity expects another ISVPRODID than the QE report's. */
  QE_IDENTITY_ISVPRODID(FailureCode.QE_IDENTITY_MISMATCH, null),
  /** The QE identity expects attributes (under its mask) the QE report does not have. */
  QE_IDENTITY_ATTRIBUTES(FailureCode.QE_IDENTITY_MISMATCH, null),
  /** The QE identity level matching the QE's ISVSVN is Revoked. */
  QE_TCB_REVOKED(FailureCode.TCB_REVOKED, null),
  /** TCB info has no {@code TDX_%02X} identity for the quote's TDX module major version. */
  UNKNOWN_TDX_MODULE_VERSION(FailureCode.TDX_MODULE_MISMATCH, TeeType.TDX),
  /** TCB info expects another TDX module signer (MRSIGNERSEAM) than the quote's. */
  TDX_MODULE_MRSIGNER(FailureCode.TDX_MODULE_MISMATCH, TeeType.TDX),
  /** Every platform TCB level of TCB info is above the platform's. */
  NO_MATCHING_TCB_LEVEL(FailureCode.TCB_NOT_SUPPORTED, null),
  /** The platform TCB level the platform matches is Revoked. */
  REVOKED_TCB_LEVEL(FailureCode.TCB_REVOKED, null),
  /** TCB info's nextUpdate is before the verification instant. */
  EXPIRED_TCB_INFO(FailureCode.COLLATERAL_EXPIRED, null),
  /** The PCK CRL's nextUpdate is before the verification instant. */
  EXPIRED_CRL(FailureCode.COLLATERAL_EXPIRED, null),
  /** The PCK leaf's notAfter is before the verification instant. */
  EXPIRED_CERTIFICATE(FailureCode.CERTIFICATE_EXPIRED, null),
  /** TCB info's issueDate is after the verification instant. */
  COLLATERAL_NOT_YET_VALID(FailureCode.COLLATERAL_NOT_YET_VALID, null);

  private final FailureCode expected;
  private final TeeType onlyFor;

  Corruption(FailureCode expected, TeeType onlyFor) {
    this.expected = expected;
    this.onlyFor = onlyFor;
  }

  /** The failure code a verifier must give. */
  public FailureCode expectedFailure() {
    return expected;
  }

  /** Whether this corruption exists for quotes of {@code tee} (TDX module ones need TDX). */
  public boolean appliesTo(TeeType tee) {
    return onlyFor == null || onlyFor == tee;
  }

  /** The stable kebab-case name, e.g. {@code qe-report-signature}. */
  public String cliName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** The corruption named {@code cliName}, or {@link IllegalArgumentException}. */
  public static Corruption fromCliName(String cliName) {
    for (Corruption c : values()) {
      if (c.cliName().equals(cliName)) {
        return c;
      }
    }
    throw new IllegalArgumentException("unknown corruption '" + cliName + "'");
  }
}
