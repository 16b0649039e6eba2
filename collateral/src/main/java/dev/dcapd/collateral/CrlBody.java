package dev.dcapd.collateral;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A CRL as servers send it: DER (PCS with {@code encoding=der}, the root CRL distribution point),
 * hex text of the DER (PCCS {@code /rootcacrl}, some PCCS {@code /pckcrl}), or PEM.
 */
public final class CrlBody {
  /** Every DER CRL starts with a SEQUENCE tag. */
  private static final int DER_SEQUENCE = 0x30;
  private static final String PEM_BEGIN = "-----BEGIN X509 CRL-----";
  private static final String PEM_END = "-----END X509 CRL-----";

  private CrlBody() {}

  /**
   * The DER bytes of the CRL in {@code body}. The CRL itself is not parsed here.
   *
   * @throws DcapException {@code COLLATERAL_MALFORMED} if the body is none of the three forms
   */
  public static Bytes decode(Bytes body) throws DcapException {
    if (body.length() == 0) {
      throw malformed("the CRL body is empty");
    }
    if (body.unsigned(0) == DER_SEQUENCE) {
      return body;
    }
    String text = new String(body.toByteArray(), StandardCharsets.US_ASCII).strip();
    if (text.startsWith(PEM_BEGIN)) {
      int end = text.indexOf(PEM_END);
      if (end < 0) {
        throw malformed("the PEM CRL has no end line");
      }
      try {
        return Bytes.of(Base64.getMimeDecoder().decode(text.substring(PEM_BEGIN.length(), end)));
      } catch (IllegalArgumentException e) {
        throw malformed("the PEM CRL is not base64");
      }
    }
    try {
      Bytes der = Bytes.fromHex(text);
      if (der.length() == 0 || der.unsigned(0) != DER_SEQUENCE) {
        throw malformed("the hex CRL is not DER");
      }
      return der;
    } catch (IllegalArgumentException e) {
      throw malformed("the CRL body is neither DER, hex nor PEM");
    }
  }

  private static DcapException malformed(String message) {
    return new DcapException(FailureCode.COLLATERAL_MALFORMED, message);
  }
}
