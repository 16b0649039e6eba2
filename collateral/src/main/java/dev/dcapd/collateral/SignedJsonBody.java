package dev.dcapd.collateral;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * A PCS answer of the form {@code {"tcbInfo":{...},"signature":"hex"}} (or
 * {@code enclaveIdentity}): the signed member's value cut out of the body as the exact text the
 * signature covers, never parsed and written again, and the signature.
 */
public record SignedJsonBody(String signedText, Bytes signature) {
  /** The signed member of a TCB info answer. */
  public static final String TCB_INFO = "tcbInfo";
  /** The signed member of a QE identity answer. */
  public static final String ENCLAVE_IDENTITY = "enclaveIdentity";

  private static final String SIGNATURE = "signature";
  private static final JsonFactory JSON = JsonFactory.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build();

  /**
   * Reads the body. It must be one UTF-8 JSON object holding the object {@code member} and the
   * hex string {@code signature} exactly once each, with nothing after it.
   *
   * @throws DcapException {@code COLLATERAL_MALFORMED} otherwise (truncated bodies included)
   */
  public static SignedJsonBody parse(Bytes body, String member) throws DcapException {
    String text = utf8(body);
    int start = -1;
    int end = -1;
    String signatureHex = null;
    try (JsonParser p = JSON.createParser(text)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw malformed("the body is not a JSON object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if (member.equals(name)) {
          if (value != JsonToken.START_OBJECT) {
            throw malformed("'" + member + "' is not an object");
          }
          // Jackson reports character offsets into the String it parses: the value runs from its
          // '{' to the matching '}' inclusive.
          start = Math.toIntExact(p.currentTokenLocation().getCharOffset());
          p.skipChildren();
          end = Math.toIntExact(p.currentTokenLocation().getCharOffset()) + 1;
        } else if (SIGNATURE.equals(name)) {
          if (value != JsonToken.VALUE_STRING) {
            throw malformed("'signature' is not a string");
          }
          signatureHex = p.getText();
        } else {
          p.skipChildren();
        }
      }
      if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
        throw malformed("the body has content after its JSON object");
      }
    } catch (IOException e) {
      throw malformed("the body is not complete JSON: " + e.getMessage().lines().findFirst().orElse(""));
    }
    if (start < 0) {
      throw malformed("the body has no '" + member + "'");
    }
    if (signatureHex == null) {
      throw malformed("the body has no 'signature'");
    }
    if (text.charAt(start) != '{' || text.charAt(end - 1) != '}') {
      throw new IllegalStateException("JSON token offsets do not delimit the object");
    }
    Bytes signature;
    try {
      signature = Bytes.fromHex(signatureHex);
    } catch (IllegalArgumentException e) {
      throw malformed("'signature' is not hex");
    }
    return new SignedJsonBody(text.substring(start, end), signature);
  }

  private static String utf8(Bytes body) throws DcapException {
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(body.toByteArray()))
          .toString();
    } catch (CharacterCodingException e) {
      throw malformed("the body is not UTF-8");
    }
  }

  private static DcapException malformed(String message) {
    return new DcapException(FailureCode.COLLATERAL_MALFORMED, message);
  }
}
