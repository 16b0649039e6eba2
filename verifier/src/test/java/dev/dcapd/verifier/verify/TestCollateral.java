package dev.dcapd.verifier.verify;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.Vectors;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;

/** Builds {@code QuoteCollateral} from PCS-shaped files (response bodies, DER CRLs, PEM chains). */
final class TestCollateral {
  private TestCollateral() {}

  /** The exact text of the object value of top-level {@code key} in a PCS response body. */
  static String rawField(String json, String key) {
    try (JsonParser p = new JsonFactory().createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IllegalArgumentException("not an object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken t = p.nextToken();
        if (name.equals(key) && t == JsonToken.START_OBJECT) {
          int start = (int) p.currentTokenLocation().getCharOffset();
          p.skipChildren();
          int end = (int) p.currentLocation().getCharOffset();
          return json.substring(start, end);
        }
        p.skipChildren();
      }
      throw new IllegalArgumentException("no object '" + key + "'");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String signature(String json) {
    try {
      return new ObjectMapper().readTree(json).get("signature").textValue();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Collateral from a folder's files: vector paths of each piece. */
  static QuoteCollateral assemble(
      String pckCrlIssuerChain, String rootCrlDer, String pckCrlDer, String tcbInfoIssuerChain, String tcbInfoResponse,
      String qeIdentityIssuerChain, String qeIdentityResponse, Optional<String> pckCertificateChain) {
    String tcb = Vectors.text(tcbInfoResponse);
    String qe = Vectors.text(qeIdentityResponse);
    return new QuoteCollateral(
        Vectors.text(pckCrlIssuerChain),
        Bytes.of(Vectors.bytes(rootCrlDer)),
        Bytes.of(Vectors.bytes(pckCrlDer)),
        Vectors.text(tcbInfoIssuerChain),
        rawField(tcb, "tcbInfo"),
        Bytes.fromHex(signature(tcb)),
        Vectors.text(qeIdentityIssuerChain),
        rawField(qe, "enclaveIdentity"),
        Bytes.fromHex(signature(qe)),
        pckCertificateChain);
  }
}
