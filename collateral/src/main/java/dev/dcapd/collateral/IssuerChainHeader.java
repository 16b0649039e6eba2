package dev.dcapd.collateral;

import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * The issuer chains PCS and PCCS send in response headers: percent-encoded PEM, signer first and
 * root last. Header names are compared case-insensitively (HTTP says so, and servers differ).
 */
public final class IssuerChainHeader {
  /** The PCK CRL's issuer chain (PCK Processor or Platform CA, then the root). */
  public static final String PCK_CRL = "SGX-PCK-CRL-Issuer-Chain";
  /** The TCB info issuer chain in API v4 (SGX and TDX). */
  public static final String TCB_INFO = "TCB-Info-Issuer-Chain";
  /** The TCB info issuer chain's name in API v3, which some PCCS versions still send. */
  public static final String TCB_INFO_V3 = "SGX-TCB-Info-Issuer-Chain";
  /** The QE identity issuer chain. */
  public static final String ENCLAVE_IDENTITY = "SGX-Enclave-Identity-Issuer-Chain";

  private static final int HEX_RADIX = 16;

  private IssuerChainHeader() {}

  /**
   * The decoded value of the first of {@code names} the response carries.
   *
   * @throws DcapException {@code COLLATERAL_MALFORMED} if none is there or the value cannot be
   *     decoded
   */
  public static String read(HttpGetter.Response response, List<String> names) throws DcapException {
    for (String name : names) {
      Optional<String> v = response.header(name);
      if (v.isPresent()) {
        return decode(v.get());
      }
    }
    throw new DcapException(
        FailureCode.COLLATERAL_MALFORMED, response.uri() + " sent no " + String.join(" or ", names) + " header");
  }

  /**
   * Percent-decodes a header value. Unlike form decoding, {@code +} stays {@code +}: it is a
   * base64 character in PEM, and PCS encodes a space as {@code %20}.
   *
   * @throws DcapException {@code COLLATERAL_MALFORMED} for a broken escape or bytes that are not
   *     UTF-8
   */
  public static String decode(String value) throws DcapException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(value.length());
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '%') {
        int hi = i + 1 < value.length() ? Character.digit(value.charAt(i + 1), HEX_RADIX) : -1;
        int lo = i + 2 < value.length() ? Character.digit(value.charAt(i + 2), HEX_RADIX) : -1;
        if (hi < 0 || lo < 0) {
          throw new DcapException(FailureCode.COLLATERAL_MALFORMED, "an issuer chain header has a broken %-escape");
        }
        out.write(hi << 4 | lo);
        i += 2;
      } else if (c > 0x7f) {
        throw new DcapException(FailureCode.COLLATERAL_MALFORMED, "an issuer chain header has a non-ASCII character");
      } else {
        out.write(c);
      }
    }
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(out.toByteArray()))
          .toString();
    } catch (CharacterCodingException e) {
      throw new DcapException(FailureCode.COLLATERAL_MALFORMED, "an issuer chain header is not UTF-8");
    }
  }
}
