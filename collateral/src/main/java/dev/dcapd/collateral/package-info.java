/**
 * Getting collateral: Intel PCS v4 and PCCS clients ({@link dev.dcapd.collateral.PcsClient}), an
 * offline folder source, ordered fallback that checks everything before use
 * ({@link dev.dcapd.collateral.CollateralFetcher}), and a validity-aware cache
 * ({@link dev.dcapd.collateral.InMemoryCollateralCache}) behind
 * {@link dev.dcapd.collateral.CollateralService#forQuote}.
 *
 * <p>Logging goes through {@link java.lang.System.Logger}: one line per skipped source or failed
 * refresh, never whole collateral.
 */
package dev.dcapd.collateral;
