package dev.dcapd.verifier.quote;

import dev.dcapd.verifier.Bytes;

/**
 * Byte offsets of the DCAP quote structures, each field starting where the previous one ends.
 * Offsets of report fields are relative to the start of the report. Multi-byte integers are
 * little-endian. Source: Intel's quote format (see {@code reference/intel-dcap-verification.md}).
 */
public final class QuoteLayout {
  private QuoteLayout() {}

  // --- header (48 bytes) ----------------------------------------------------------------------
  public static final int HEADER_VERSION_START = 0;
  public static final int HEADER_VERSION_END = HEADER_VERSION_START + 2;
  public static final int HEADER_AK_TYPE_START = HEADER_VERSION_END;
  public static final int HEADER_AK_TYPE_END = HEADER_AK_TYPE_START + 2;
  public static final int HEADER_TEE_TYPE_START = HEADER_AK_TYPE_END;
  public static final int HEADER_TEE_TYPE_END = HEADER_TEE_TYPE_START + 4;
  public static final int HEADER_QE_SVN_START = HEADER_TEE_TYPE_END;
  public static final int HEADER_QE_SVN_END = HEADER_QE_SVN_START + 2;
  public static final int HEADER_PCE_SVN_START = HEADER_QE_SVN_END;
  public static final int HEADER_PCE_SVN_END = HEADER_PCE_SVN_START + 2;
  public static final int HEADER_QE_VENDOR_ID_START = HEADER_PCE_SVN_END;
  public static final int HEADER_QE_VENDOR_ID_END = HEADER_QE_VENDOR_ID_START + 16;
  public static final int HEADER_USER_DATA_START = HEADER_QE_VENDOR_ID_END;
  public static final int HEADER_USER_DATA_END = HEADER_USER_DATA_START + 20;
  public static final int HEADER_SIZE = HEADER_USER_DATA_END;

  // --- v5 body descriptor (6 bytes, between header and body) -----------------------------------
  public static final int BODY_DESCRIPTOR_TYPE_START = 0;
  public static final int BODY_DESCRIPTOR_TYPE_END = BODY_DESCRIPTOR_TYPE_START + 2;
  public static final int BODY_DESCRIPTOR_SIZE_START = BODY_DESCRIPTOR_TYPE_END;
  public static final int BODY_DESCRIPTOR_SIZE_END = BODY_DESCRIPTOR_SIZE_START + 4;
  public static final int BODY_DESCRIPTOR_SIZE = BODY_DESCRIPTOR_SIZE_END;

  // --- SGX enclave report (384 bytes; also the QE report) --------------------------------------
  public static final int ER_CPU_SVN_START = 0;
  public static final int ER_CPU_SVN_END = ER_CPU_SVN_START + 16;
  public static final int ER_MISC_SELECT_START = ER_CPU_SVN_END;
  public static final int ER_MISC_SELECT_END = ER_MISC_SELECT_START + 4;
  public static final int ER_RESERVED1_START = ER_MISC_SELECT_END;
  public static final int ER_RESERVED1_END = ER_RESERVED1_START + 28;
  public static final int ER_ATTRIBUTES_START = ER_RESERVED1_END;
  public static final int ER_ATTRIBUTES_END = ER_ATTRIBUTES_START + 16;
  public static final int ER_MR_ENCLAVE_START = ER_ATTRIBUTES_END;
  public static final int ER_MR_ENCLAVE_END = ER_MR_ENCLAVE_START + 32;
  public static final int ER_RESERVED2_START = ER_MR_ENCLAVE_END;
  public static final int ER_RESERVED2_END = ER_RESERVED2_START + 32;
  public static final int ER_MR_SIGNER_START = ER_RESERVED2_END;
  public static final int ER_MR_SIGNER_END = ER_MR_SIGNER_START + 32;
  public static final int ER_RESERVED3_START = ER_MR_SIGNER_END;
  public static final int ER_RESERVED3_END = ER_RESERVED3_START + 96;
  public static final int ER_ISV_PROD_ID_START = ER_RESERVED3_END;
  public static final int ER_ISV_PROD_ID_END = ER_ISV_PROD_ID_START + 2;
  public static final int ER_ISV_SVN_START = ER_ISV_PROD_ID_END;
  public static final int ER_ISV_SVN_END = ER_ISV_SVN_START + 2;
  public static final int ER_RESERVED4_START = ER_ISV_SVN_END;
  public static final int ER_RESERVED4_END = ER_RESERVED4_START + 60;
  public static final int ER_REPORT_DATA_START = ER_RESERVED4_END;
  public static final int ER_REPORT_DATA_END = ER_REPORT_DATA_START + 64;
  public static final int ENCLAVE_REPORT_SIZE = ER_REPORT_DATA_END;

  // --- TDX TD report 1.0 (584 bytes) and 1.5 (648 bytes) ---------------------------------------
  public static final int TD_TEE_TCB_SVN_START = 0;
  public static final int TD_TEE_TCB_SVN_END = TD_TEE_TCB_SVN_START + 16;
  public static final int TD_MR_SEAM_START = TD_TEE_TCB_SVN_END;
  public static final int TD_MR_SEAM_END = TD_MR_SEAM_START + 48;
  public static final int TD_MR_SIGNER_SEAM_START = TD_MR_SEAM_END;
  public static final int TD_MR_SIGNER_SEAM_END = TD_MR_SIGNER_SEAM_START + 48;
  public static final int TD_SEAM_ATTRIBUTES_START = TD_MR_SIGNER_SEAM_END;
  public static final int TD_SEAM_ATTRIBUTES_END = TD_SEAM_ATTRIBUTES_START + 8;
  public static final int TD_TD_ATTRIBUTES_START = TD_SEAM_ATTRIBUTES_END;
  public static final int TD_TD_ATTRIBUTES_END = TD_TD_ATTRIBUTES_START + 8;
  public static final int TD_XFAM_START = TD_TD_ATTRIBUTES_END;
  public static final int TD_XFAM_END = TD_XFAM_START + 8;
  public static final int TD_MR_TD_START = TD_XFAM_END;
  public static final int TD_MR_TD_END = TD_MR_TD_START + 48;
  public static final int TD_MR_CONFIG_ID_START = TD_MR_TD_END;
  public static final int TD_MR_CONFIG_ID_END = TD_MR_CONFIG_ID_START + 48;
  public static final int TD_MR_OWNER_START = TD_MR_CONFIG_ID_END;
  public static final int TD_MR_OWNER_END = TD_MR_OWNER_START + 48;
  public static final int TD_MR_OWNER_CONFIG_START = TD_MR_OWNER_END;
  public static final int TD_MR_OWNER_CONFIG_END = TD_MR_OWNER_CONFIG_START + 48;
  public static final int TD_RTMR_START = TD_MR_OWNER_CONFIG_END;
  public static final int TD_RTMR_SIZE = 48;
  public static final int TD_RTMR_COUNT = 4;
  public static final int TD_RTMR_END = TD_RTMR_START + TD_RTMR_COUNT * TD_RTMR_SIZE;
  public static final int TD_REPORT_DATA_START = TD_RTMR_END;
  public static final int TD_REPORT_DATA_END = TD_REPORT_DATA_START + 64;
  public static final int TD_REPORT_10_SIZE = TD_REPORT_DATA_END;
  public static final int TD_TEE_TCB_SVN2_START = TD_REPORT_10_SIZE;
  public static final int TD_TEE_TCB_SVN2_END = TD_TEE_TCB_SVN2_START + 16;
  public static final int TD_MR_SERVICE_TD_START = TD_TEE_TCB_SVN2_END;
  public static final int TD_MR_SERVICE_TD_END = TD_MR_SERVICE_TD_START + 48;
  public static final int TD_REPORT_15_SIZE = TD_MR_SERVICE_TD_END;

  // --- signature data ---------------------------------------------------------------------------
  public static final int AUTH_DATA_SIZE_FIELD = 4;
  public static final int SIGNATURE_SIZE = 64;
  public static final int ATTESTATION_KEY_SIZE = 64;
  public static final int QE_AUTH_DATA_SIZE_FIELD = 2;
  public static final int CERT_DATA_TYPE_FIELD = 2;
  public static final int CERT_DATA_SIZE_FIELD = 4;

  // --- values -----------------------------------------------------------------------------------
  /** ECDSA-256-with-P-256 curve: the only attestation key type Intel's verifier accepts. */
  public static final int AK_TYPE_ECDSA_P256 = 2;
  /** Intel's QE vendor id. */
  public static final Bytes INTEL_QE_VENDOR_ID = Bytes.fromHex("939a7233f79c4ca9940a0db3957f0607");

  // --- caps, checked before anything is allocated ------------------------------------------------
  /** The largest signature data (auth data) accepted; real quotes carry about 4.5 KB. */
  public static final int MAX_AUTH_DATA_SIZE = 64 * 1024;
  /** The largest certification data accepted (a PEM chain of three certificates is about 3.7 KB). */
  public static final int MAX_CERT_DATA_SIZE = 60 * 1024;
}
