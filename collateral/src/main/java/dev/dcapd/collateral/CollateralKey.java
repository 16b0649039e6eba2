package dev.dcapd.collateral;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.pck.CaType;
import dev.dcapd.verifier.quote.TeeType;
import java.util.Locale;
import java.util.Objects;

/**
 * What collateral is fetched and cached by: the TEE type (which TCB info and QE identity), the
 * platform's FMSPC (which TCB info) and the PCK CA type (which PCK CRL).
 */
public record CollateralKey(TeeType tee, Bytes fmspc, CaType ca) {
  /** An FMSPC is 6 bytes (PCK extension OID ...13.1.4). */
  public static final int FMSPC_LENGTH = 6;

  public CollateralKey {
    Objects.requireNonNull(tee, "tee");
    Objects.requireNonNull(fmspc, "fmspc");
    Objects.requireNonNull(ca, "ca");
    if (fmspc.length() != FMSPC_LENGTH) {
      throw new IllegalArgumentException("an FMSPC is " + FMSPC_LENGTH + " bytes, not " + fmspc.length());
    }
  }

  /** The FMSPC as PCS writes it: upper-case hex. */
  public String fmspcHex() {
    return fmspc.hex().toUpperCase(Locale.ROOT);
  }

  /** {@code TDX/B0C06F000000/platform}: short, and the form used in log lines. */
  @Override
  public String toString() {
    return tee + "/" + fmspcHex() + "/" + ca.pcsName();
  }
}
