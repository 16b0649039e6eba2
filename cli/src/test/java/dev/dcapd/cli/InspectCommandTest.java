package dev.dcapd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcapd.verifier.Vectors;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dcap inspect}: the JSON contract of DESIGN.md, and one-line errors with exit 2. */
class InspectCommandTest {
  @TempDir Path dir;

  record Run(int code, String out, String err) {}

  static Run dcap(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Dcap.run(args, new PrintWriter(out), new PrintWriter(err));
    return new Run(code, out.toString(), err.toString());
  }

  private Path write(String name, byte[] content) throws Exception {
    Path p = dir.resolve(name);
    Files.write(p, content);
    return p;
  }

  @Test
  void tdxQuoteAsJsonWithPhalaNames() throws Exception {
    Path quote = write("q.bin", Vectors.bytes("dcap-qvl/tdx_quote"));
    Run r = dcap("inspect", quote.toString());
    assertEquals(0, r.code(), r.err());
    JsonNode j = new ObjectMapper().readTree(r.out());
    assertEquals("c42f9164325024bca2757bc8819b11879a0a369132ea4e2b7c85df4805ea72db", j.get("checksum").asText());
    assertEquals(4, j.at("/header/version").asInt());
    assertEquals("TEE_TDX", j.at("/header/tee_type").asText());
    assertEquals("0x939a7233f79c4ca9940a0db3957f0607", j.at("/header/qe_vendor").asText());
    assertEquals("ECDSA_P256", j.at("/header/ak_type").asText());
    assertTrue(j.at("/body/mrtd").asText().startsWith("0x91eb2b44"));
    // Phala prints tee_tcb_svn as bare hex; every other byte string has 0x.
    assertEquals("06010300000000000000000000000000", j.at("/body/tee_tcb_svn").asText());
    for (String f : new String[] {"mrseam", "mrsignerseam", "seamattributes", "tdattributes", "xfam",
        "mrconfig", "mrowner", "mrownerconfig", "rtmr0", "rtmr1", "rtmr2", "rtmr3", "reportdata"}) {
      assertTrue(j.at("/body/" + f).asText().startsWith("0x"), f);
    }
    assertEquals("0xb0c06f000000", j.at("/pck/fmspc").asText());
    assertEquals("0x0000", j.at("/pck/pceid").asText());
    assertEquals("platform", j.at("/pck/ca").asText());
    assertEquals(11, j.at("/pck/pcesvn").asInt());
    assertEquals(16, j.at("/pck/tcb_components").size());
    assertEquals(1, j.at("/pck/sgx_type").asInt());
    assertTrue(j.get("cert_data").asText().startsWith("-----BEGIN CERTIFICATE-----"));
    assertEquals(70, j.get("trailing_bytes").asInt());
  }

  @Test
  void sgxQuoteFromHexTextAndTdReport15() throws Exception {
    String hex = "0x" + HexFormat.of().formatHex(Vectors.bytes("dcap-qvl/sgx_quote"));
    Run sgx = dcap("inspect", write("q.hex", hex.getBytes(StandardCharsets.US_ASCII)).toString());
    assertEquals(0, sgx.code(), sgx.err());
    JsonNode j = new ObjectMapper().readTree(sgx.out());
    assertEquals("TEE_SGX", j.at("/header/tee_type").asText());
    assertTrue(j.at("/body/mrenclave").asText().startsWith("0x33d8736d"));
    assertEquals("processor", j.at("/pck/ca").asText());

    Run v5 = dcap("inspect", write("v5.bin", Vectors.bytes("dcap-qvl/tdx_quote_outdated")).toString());
    JsonNode k = new ObjectMapper().readTree(v5.out());
    assertEquals("0d010300000000000000000000000000", k.at("/body/tee_tcb_svn2").asText());
    assertTrue(k.at("/body/mrservicetd").asText().startsWith("0x00"));
  }

  @Test
  void badInputIsOneLineAndExitTwo() throws Exception {
    byte[] q = Vectors.bytes("dcap-qvl/tdx_quote");
    q[0] = 9;
    for (Run r : new Run[] {
        dcap("inspect", write("bad.bin", q).toString()),
        dcap("inspect", dir.resolve("missing.bin").toString()),
        dcap("inspect", write("odd.hex", "0x123".getBytes(StandardCharsets.US_ASCII)).toString()),
        dcap("inspect"),
        dcap("no-such-command")}) {
      assertEquals(2, r.code(), r.err());
      assertEquals(1, r.err().strip().lines().count(), r.err());
      assertFalse(r.err().contains("\tat "), "no stack trace");
      assertTrue(r.out().isEmpty());
    }
    Run version = dcap("inspect", write("bad2.bin", q).toString());
    assertTrue(version.err().contains("UNSUPPORTED_QUOTE_VERSION"), version.err());
  }
}
