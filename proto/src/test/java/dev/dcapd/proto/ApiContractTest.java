package dev.dcapd.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import dev.dcapd.proto.v1.AttestationProto;
import dev.dcapd.proto.v1.AttestationServiceGrpc;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The names that clients in other languages rely on (package, service, methods, fields and their
 * types). Renaming any of them breaks those clients, so this test must be changed on purpose.
 */
class ApiContractTest {
  private static final Map<String, List<String>> FIELDS = Map.ofEntries(
      Map.entry("VerifyRequest", List.of("quote:BYTES", "token:STRING", "nonce:BYTES")),
      Map.entry("VerifyResponse", List.of("success:BOOL", "quote:MESSAGE", "checksum:STRING", "can_download:BOOL",
          "uploaded_at:MESSAGE", "quote_collateral:MESSAGE", "verdict:MESSAGE", "token:STRING")),
      Map.entry("GetRequest", List.of("checksum:STRING", "token:STRING", "nonce:BYTES")),
      Map.entry("GetChallengeResponse", List.of("nonce:BYTES", "expires_at:MESSAGE")),
      Map.entry("GetKeysResponse", List.of("jwks:STRING")),
      Map.entry("GetResponse", List.of("success:BOOL", "checksum:STRING", "quote:MESSAGE", "verified:BOOL",
          "can_download:BOOL", "uploaded_at:MESSAGE", "verdict:MESSAGE")),
      Map.entry("GetCollateralRequest", List.of("checksum:STRING")),
      Map.entry("GetCollateralResponse", List.of("quote_collateral:MESSAGE")),
      Map.entry("GetRawRequest", List.of("checksum:STRING")),
      Map.entry("GetRawResponse", List.of("data:BYTES")),
      Map.entry("StatRawRequest", List.of("checksum:STRING")),
      Map.entry("StatRawResponse", List.of("exists:BOOL", "size:UINT64")),
      Map.entry("RecentRequest", List.of("skip:UINT32", "limit:UINT32", "page_token:STRING")),
      Map.entry("RecentResponse", List.of("items:MESSAGE", "next_page_token:STRING")),
      Map.entry("RecentItem", List.of("checksum:STRING", "verified:BOOL", "created_at:MESSAGE")),
      Map.entry("Quote", List.of("header:MESSAGE", "body:MESSAGE", "cert_data:STRING", "verified:BOOL")),
      Map.entry("QuoteHeader", List.of("version:UINT32", "ak_type:UINT32", "tee_type:STRING", "qe_vendor:BYTES",
          "user_data:BYTES")),
      Map.entry("QuoteBody", List.of("tee_tcb_svn:BYTES", "mrseam:BYTES", "mrsignerseam:BYTES", "seamattributes:BYTES",
          "tdattributes:BYTES", "xfam:BYTES", "mrtd:BYTES", "mrconfig:BYTES", "mrowner:BYTES", "mrownerconfig:BYTES",
          "rtmr0:BYTES", "rtmr1:BYTES", "rtmr2:BYTES", "rtmr3:BYTES", "reportdata:BYTES", "tee_tcb_svn2:BYTES",
          "mrservicetd:BYTES", "cpusvn:BYTES", "miscselect:UINT32", "attributes:BYTES", "mrenclave:BYTES",
          "mrsigner:BYTES", "isvprodid:UINT32", "isvsvn:UINT32")),
      Map.entry("QuoteCollateral", List.of("pck_crl_issuer_chain:STRING", "root_ca_crl:BYTES", "pck_crl:BYTES",
          "tcb_info_issuer_chain:STRING", "tcb_info:STRING", "tcb_info_signature:BYTES",
          "qe_identity_issuer_chain:STRING", "qe_identity:STRING", "qe_identity_signature:BYTES")),
      Map.entry("Verdict", List.of("success:BOOL", "tcb_status:STRING", "advisory_ids:STRING", "failure:MESSAGE",
          "checksum:STRING", "fmspc:BYTES", "tee_type:STRING", "quote_version:UINT32")),
      Map.entry("Failure", List.of("code:STRING", "message:STRING")));

  @Test
  void packageServiceAndMethods() {
    assertEquals("dcapd.v1", AttestationProto.getDescriptor().getPackage());
    ServiceDescriptor s = AttestationProto.getDescriptor().findServiceByName("AttestationService");
    assertNotNull(s);
    for (String m : List.of("Verify", "Get", "GetCollateral", "GetRaw", "StatRaw", "Recent", "Check", "GetChallenge", "GetKeys")) {
      assertNotNull(s.findMethodByName(m), m);
    }
    assertEquals("dcapd.v1.AttestationService", AttestationServiceGrpc.SERVICE_NAME);
  }

  @Test
  void fieldNamesAndTypes() {
    FIELDS.forEach((message, fields) -> {
      Descriptor d = AttestationProto.getDescriptor().findMessageTypeByName(message);
      assertNotNull(d, message);
      for (String spec : fields) {
        String[] nameType = spec.split(":");
        FieldDescriptor f = d.findFieldByName(nameType[0]);
        assertNotNull(f, message + "." + nameType[0]);
        assertEquals(nameType[1], f.getType().name(), message + "." + nameType[0]);
      }
    });
    assertEquals(true, AttestationProto.getDescriptor().findMessageTypeByName("Verdict")
        .findFieldByName("advisory_ids").isRepeated());
  }
}
