package dev.dcapd.verifier.pck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import dev.dcapd.verifier.Vectors;
import dev.dcapd.verifier.quote.QuoteInput;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.Date;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bouncycastle.asn1.ASN1Boolean;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Enumerated;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

/** The SGX extension of real PCK certificates, and its rules on hand-made broken ones. */
class PckExtensionTest {

  private static X509Certificate pem(String path) throws DcapException {
    return PckCertChain.readCertificates(Vectors.text(path)).get(0);
  }

  @Test
  void intelSamplePckCertificates() throws Exception {
    PckExtension sgx = PckExtension.parse(pem("intel/qvl-sample-sgx/pckCert.pem"));
    assertEquals(Bytes.fromHex("00707F000000"), sgx.fmspc());
    assertTrue(sgx.platformInstanceId().isEmpty());

    PckExtension tdx = PckExtension.parse(pem("intel/qvl-sample-tdx/pckCert.pem"));
    assertEquals(Bytes.fromHex("ed742af8adf5"), tdx.fmspc());

    for (String path : List.of("intel/pckcertselection/pck0_sample.pem", "intel/pckcertselection/pck3_sample.pem")) {
      PckExtension e = PckExtension.parse(pem(path));
      assertEquals(16, e.tcbComponents().size(), path);
      assertEquals(6, e.fmspc().length(), path);
    }
  }

  @Test
  void platformCaCertificateCarriesInstanceAndConfiguration() throws Exception {
    PckCertChain chain =
        QuoteInput.parse(Vectors.bytes("dcap-qvl/tdx_quote")).certificationData().pckCertChain();
    PckExtension e = chain.pckExtension();
    assertEquals(16, e.platformInstanceId().orElseThrow().length());
    PlatformConfiguration c = e.configuration().orElseThrow();
    assertTrue(c.dynamicPlatform() && c.cachedKeys() && c.smtEnabled());
    assertEquals(CaType.PLATFORM, chain.caType());
  }

  @Test
  void certificateWithoutTheExtension() throws Exception {
    X509Certificate root = PckCertChain.readCertificates(Vectors.text("go-tdx-guest/trusted_root.pem")).get(0);
    assertEquals(FailureCode.PCK_CERTIFICATE_MALFORMED,
        assertThrows(DcapException.class, () -> PckExtension.parse(root)).code());
  }

  // --- hand-made extensions, one rule broken each ------------------------------------------------

  private static DERSequence pair(ASN1ObjectIdentifier oid, ASN1Encodable value) {
    return new DERSequence(new ASN1Encodable[] {oid, value});
  }

  private static ASN1EncodableVector validTcb() {
    ASN1EncodableVector tcb = new ASN1EncodableVector();
    for (int i = 1; i <= 16; i++) {
      tcb.add(pair(PckExtension.oid("2." + i), new ASN1Integer(i)));
    }
    tcb.add(pair(PckExtension.oid("2.17"), new ASN1Integer(13)));
    tcb.add(pair(PckExtension.oid("2.18"), new DEROctetString(new byte[16])));
    return tcb;
  }

  private static ASN1EncodableVector validProcessorEntries() {
    ASN1EncodableVector v = new ASN1EncodableVector();
    v.add(pair(PckExtension.oid("1"), new DEROctetString(new byte[16])));
    v.add(pair(PckExtension.oid("2"), new DERSequence(validTcb())));
    v.add(pair(PckExtension.oid("3"), new DEROctetString(new byte[2])));
    v.add(pair(PckExtension.oid("4"), new DEROctetString(Bytes.fromHex("00906ea10000").toByteArray())));
    v.add(pair(PckExtension.oid("5"), new ASN1Enumerated(0)));
    return v;
  }

  private static ASN1EncodableVector withPlatformEntries(ASN1EncodableVector v) {
    v.add(pair(PckExtension.oid("6"), new DEROctetString(new byte[16])));
    ASN1EncodableVector cfg = new ASN1EncodableVector();
    cfg.add(pair(PckExtension.oid("7.1"), ASN1Boolean.TRUE));
    cfg.add(pair(PckExtension.oid("7.2"), ASN1Boolean.FALSE));
    cfg.add(pair(PckExtension.oid("7.3"), ASN1Boolean.TRUE));
    v.add(pair(PckExtension.oid("7"), new DERSequence(cfg)));
    return v;
  }

  private static X509Certificate certWith(ASN1Encodable extension) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair kp = g.generateKeyPair();
    X500Name name = new X500Name("CN=Intel SGX PCK Certificate, O=Intel Corporation");
    JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
        name, BigInteger.ONE, new Date(0), new Date(4_000_000_000_000L), name, kp.getPublic());
    b.addExtension(new ASN1ObjectIdentifier(PckExtension.OID), false, extension);
    return new JcaX509CertificateConverter().getCertificate(
        b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
  }

  private static FailureCode codeOf(ASN1EncodableVector entries) throws Exception {
    X509Certificate c = certWith(new DERSequence(entries));
    return assertThrows(DcapException.class, () -> PckExtension.parse(c)).code();
  }

  @Test
  void handMadeValidExtensionsParse() throws Exception {
    PckExtension p = PckExtension.parse(certWith(new DERSequence(validProcessorEntries())));
    assertEquals(List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16), p.tcbComponents());
    assertEquals(13, p.pceSvn());
    assertEquals(SgxType.STANDARD, p.sgxType());
    PckExtension q = PckExtension.parse(certWith(new DERSequence(withPlatformEntries(validProcessorEntries()))));
    assertFalse(q.configuration().orElseThrow().cachedKeys());
  }

  @Test
  void eachBrokenRuleIsRefusedWithItsCode() throws Exception {
    List<UnaryOperator<ASN1EncodableVector>> breakages = List.of(
        v -> without(v, 4), // no SGX type: 4 entries
        v -> { v.add(pair(PckExtension.oid("9"), ASN1Boolean.TRUE)); return v; }, // 6 entries
        v -> replace(v, 3, pair(PckExtension.oid("4"), new DEROctetString(new byte[5]))), // FMSPC 5 bytes
        v -> replace(v, 2, pair(PckExtension.oid("3"), new ASN1Integer(0))), // PCE-ID not OCTET STRING
        v -> replace(v, 4, pair(PckExtension.oid("5"), new ASN1Enumerated(7))), // unknown SGX type
        v -> replace(v, 1, pair(PckExtension.oid("2"), new DERSequence(without(validTcb(), 17)))), // no CPUSVN
        v -> {
          ASN1EncodableVector tcb = validTcb();
          return replace(v, 1, pair(PckExtension.oid("2"), new DERSequence(replace(tcb, 0, pair(PckExtension.oid("2.1"), new ASN1Integer(256))))));
        }, // component SVN over 255
        v -> replace(v, 0, pair(PckExtension.oid("3"), new DEROctetString(new byte[2]))), // duplicate OID
        v -> replace(v, 0, new DEROctetString(new byte[16])), // entry not a pair
        v -> { withPlatformEntries(v); return without(v, 6); }); // instance id without configuration
    for (int i = 0; i < breakages.size(); i++) {
      assertEquals(FailureCode.PCK_CERTIFICATE_MALFORMED, codeOf(breakages.get(i).apply(validProcessorEntries())), "breakage " + i);
    }
    X509Certificate notASequence = certWith(new DEROctetString(new byte[3]));
    assertEquals(FailureCode.PCK_CERTIFICATE_MALFORMED,
        assertThrows(DcapException.class, () -> PckExtension.parse(notASequence)).code());
  }

  private static ASN1EncodableVector without(ASN1EncodableVector v, int index) {
    ASN1EncodableVector out = new ASN1EncodableVector();
    for (int i = 0; i < v.size(); i++) {
      if (i != index) {
        out.add(v.get(i));
      }
    }
    return out;
  }

  private static ASN1EncodableVector replace(ASN1EncodableVector v, int index, ASN1Encodable with) {
    ASN1EncodableVector out = new ASN1EncodableVector();
    for (int i = 0; i < v.size(); i++) {
      out.add(i == index ? with : v.get(i));
    }
    return out;
  }
}
