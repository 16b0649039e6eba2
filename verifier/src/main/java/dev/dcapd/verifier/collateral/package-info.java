/**
 * Collateral as delivered ({@link dev.dcapd.verifier.collateral.QuoteCollateral}) and the parsed
 * models of its signed JSON: {@link dev.dcapd.verifier.collateral.TcbInfo} (v2, v3; SGX and TDX)
 * and {@link dev.dcapd.verifier.collateral.QeIdentity}, with Intel's TCB statuses.
 */
package dev.dcapd.verifier.collateral;
