package dev.dcapd.verifier.collateral;

import static dev.dcapd.verifier.collateral.CollateralJson.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;

/** The expected signer and SEAM attributes of the TDX module ({@code tdxModule} of TDX TCB info). */
public record TdxModule(Bytes mrSigner, Bytes attributes, Bytes attributesMask) {
  public static final int MR_SIGNER_SIZE = 48;
  public static final int ATTRIBUTES_SIZE = 8;

  static TdxModule parse(JsonNode n, String what) throws DcapException {
    if (!n.isObject()) {
      throw malformed(what + " is not an object");
    }
    return new TdxModule(
        hex(n, "mrsigner", MR_SIGNER_SIZE, what),
        hex(n, "attributes", ATTRIBUTES_SIZE, what),
        hex(n, "attributesMask", ATTRIBUTES_SIZE, what));
  }
}
