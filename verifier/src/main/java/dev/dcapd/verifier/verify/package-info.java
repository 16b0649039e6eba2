/**
 * Cryptographic verification and freshness of DCAP quotes and their collateral, the way Intel's
 * QVL/QvE does it: {@link dev.dcapd.verifier.verify.QuoteVerifier} answers with a
 * {@link dev.dcapd.verifier.verify.Verdict}; {@link dev.dcapd.verifier.verify.CollateralVerifier}
 * checks collateral on its own; {@link dev.dcapd.verifier.verify.TrustAnchor} pins the Intel root.
 * Pure: no I/O, no clock.
 */
package dev.dcapd.verifier.verify;
