package dev.dcapd.verifier.quote;

import dev.dcapd.verifier.Bytes;

/** The report a quote attests to: an SGX enclave report or a TDX TD report. */
public sealed interface QuoteBody permits EnclaveReport, TdReport {
  /** Which report this is; for v5 quotes, the body descriptor's type. */
  BodyType bodyType();

  /** The 64 bytes the attested software chose to bind into the report. */
  Bytes reportData();
}
