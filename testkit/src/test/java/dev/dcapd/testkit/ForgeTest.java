package dev.dcapd.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.Vectors;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.collateral.TcbStatus;
import dev.dcapd.verifier.collateral.TdxModuleIdentity;
import dev.dcapd.verifier.pck.PckCertChain;
import dev.dcapd.verifier.quote.Quote;
import dev.dcapd.verifier.quote.QuoteEncoder;
import dev.dcapd.verifier.quote.QuoteParser;
import dev.dcapd.verifier.quote.TdReport;
import dev.dcapd.verifier.quote.TeeType;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Forged cases parse, re-encode, verify cryptographically, and differ from valid ones only as named. */
class ForgeTest {

  @Test
  void everyCataloguedQuoteParsesAndRoundTrips() throws Exception {
    List<String> failures = new ArrayList<>();
    for (CaseCatalog.Entry e : CaseCatalog.all()) {
      ForgedCase c = Forge.forge(e.spec());
      Quote parsed = QuoteParser.parse(c.quoteBytes());
      Quote reassembled = Quote.assemble(parsed.header(), parsed.body(), parsed.signatureData(), parsed.trailing());
      if (!parsed.equals(c.quote()) || !reassembled.raw().equals(c.quote().raw())
          || parsed.version() != e.spec().quoteVersion() || parsed.body().bodyType() != e.spec().bodyType()) {
        failures.add(e.name());
      }
    }
    assertEquals(List.of(), failures, "cases that do not round-trip");
  }

  @Test
  void sameSeedSameBytesOtherSeedOtherBytes() {
    ForgeSpec spec = ForgeSpec.builder().tee(TeeType.TDX).quoteVersion(5).seed(42).build();
    ForgedCase a = Forge.forge(spec);
    ForgedCase b = Forge.forge(spec);
    assertArrayEquals(a.quoteBytes(), b.quoteBytes());
    assertEquals(a.collateral().toJson(), b.collateral().toJson());
    assertArrayEquals(a.rootDer(), b.rootDer());
    ForgedCase other = Forge.forge(spec.toBuilder().seed(43).build());
    assertFalse(Bytes.of(a.rootDer()).equals(Bytes.of(other.rootDer())));
    assertNotEquals(a.quote().raw(), other.quote().raw());
  }

  @Test
  void validCasesCarryValidSignaturesAndBindings() throws Exception {
    for (CaseCatalog.Entry e : CaseCatalog.valid()) {
      ForgedCase c = Forge.forge(e.spec());
      Quote q = c.quote();
      var qe = q.qeReportCertificationData();
      List<X509Certificate> chain = q.certificationData().pckCertChain().certificates();
      assertEquals(3, chain.size(), e.name());
      chain.get(0).verify(chain.get(1).getPublicKey());
      chain.get(1).verify(chain.get(2).getPublicKey());
      assertEquals(c.root(), chain.get(2), e.name() + ": the chain ends at the trusted root");
      assertTrue(verifyRaw(chain.get(0).getPublicKey(), QuoteEncoder.encodeBody(qe.qeReport()), qe.qeReportSignature()),
          e.name() + ": QE report signature");
      byte[] binding = MessageDigest.getInstance("SHA-256").digest(
          concat(q.signatureData().attestationKey().toByteArray(), qe.qeAuthData().toByteArray()));
      assertEquals(Bytes.of(binding), qe.qeReport().reportData().slice(0, 32), e.name() + ": QE report data");
      assertTrue(qe.qeReport().reportData().slice(32, 32).isAllZero(), e.name());
      PublicKey ak = c.pki().key("attestation").publicKey();
      assertEquals(c.pki().key("attestation").rawPublicKey(), q.signatureData().attestationKey());
      assertTrue(verifyRaw(ak, q.raw().slice(0, q.signedLength()).toByteArray(), q.signatureData().quoteSignature()),
          e.name() + ": quote signature");
      QuoteCollateral col = c.collateral();
      PublicKey signing = c.pki().tcbSigning().getPublicKey();
      assertTrue(verifyRaw(signing, col.tcbInfo().getBytes(StandardCharsets.UTF_8), col.tcbInfoSignature()), e.name());
      assertTrue(verifyRaw(signing, col.qeIdentity().getBytes(StandardCharsets.UTF_8), col.qeIdentitySignature()),
          e.name());
      assertEquals(col, QuoteCollateral.fromJson(col.toJson()), e.name() + ": collateral JSON round-trips");
      assertTrue(c.expected().success(), e.name());
    }
  }

  @Test
  void pckLeafExtensionParsesWithTheVerifiersParser() throws Exception {
    ForgeSpec spec = ForgeSpec.builder().tee(TeeType.TDX).pceSvn(300).fmspc(Bytes.fromHex("00a067110000"))
        .sgxComponents(List.of(11, 11, 2, 2, 254, 1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 7)).build();
    ForgedCase c = Forge.forge(spec);
    PckCertChain chain = c.quote().certificationData().pckCertChain();
    var ext = chain.pckExtension();
    assertEquals(spec.sgxComponents(), ext.tcbComponents());
    assertEquals(300, ext.pceSvn());
    assertEquals(Bytes.fromHex("00a067110000"), ext.fmspc());
    assertEquals(Bytes.fromHex("0000"), ext.pceId());
    assertEquals(Forge.componentBytes(spec.sgxComponents()), ext.cpuSvn());
    assertTrue(ext.platformInstanceId().isPresent() && ext.configuration().isPresent(), "Platform CA: 7 entries");
    assertEquals(dev.dcapd.verifier.pck.SgxType.SCALABLE, ext.sgxType(), "Platform CA: Scalable");
    assertEquals(dev.dcapd.verifier.pck.CaType.PLATFORM, chain.caType());

    ForgedCase processor = Forge.forge(spec.toBuilder().caType(dev.dcapd.verifier.pck.CaType.PROCESSOR).build());
    var pext = processor.quote().certificationData().pckCertChain().pckExtension();
    assertTrue(pext.platformInstanceId().isEmpty() && pext.configuration().isEmpty(), "Processor CA: 5 entries");
    assertEquals(dev.dcapd.verifier.pck.SgxType.STANDARD, pext.sgxType(), "Processor CA: Standard");
  }

  @Test
  void certificatesAndCrlsCarryTheExtensionsIntelRequires() throws Exception {
    ForgedCase c = Forge.forge(ForgeSpec.builder().build());
    TestPki pki = c.pki();
    X509Certificate root = pki.root();
    // The names are Intel's, byte for byte (same attribute order and string types).
    X509Certificate intelRoot = (X509Certificate) CertificateFactory.getInstance("X.509")
        .generateCertificate(new ByteArrayInputStream(Vectors.bytes("dcap-qvl/TrustedRootCA.der")));
    assertArrayEquals(intelRoot.getSubjectX500Principal().getEncoded(), root.getSubjectX500Principal().getEncoded());
    var intelCollateral = QuoteCollateral.fromJson(Vectors.text("dcap-qvl/sgx_quote_collateral.json"));
    var intelCa = PckCertChain.readCertificates(intelCollateral.pckCrlIssuerChain()).get(0);
    var intelSigner = PckCertChain.readCertificates(intelCollateral.tcbInfoIssuerChain()).get(0);
    assertArrayEquals(intelCa.getSubjectX500Principal().getEncoded(),
        pki.ca(dev.dcapd.verifier.pck.CaType.fromCommonName(PckCertChain.commonName(intelCa.getSubjectX500Principal())))
            .getSubjectX500Principal().getEncoded());
    assertArrayEquals(intelSigner.getSubjectX500Principal().getEncoded(),
        pki.tcbSigning().getSubjectX500Principal().getEncoded());
    assertEquals(intelRoot.getKeyUsage().length, root.getKeyUsage().length);
    assertArrayEquals(intelRoot.getKeyUsage(), root.getKeyUsage());
    assertArrayEquals(intelSigner.getKeyUsage(), pki.tcbSigning().getKeyUsage());
    assertArrayEquals(intelCa.getKeyUsage(), pki.ca(dev.dcapd.verifier.pck.CaType.PLATFORM).getKeyUsage());
    assertEquals(root.getSubjectX500Principal(), root.getIssuerX500Principal());
    root.verify(root.getPublicKey());
    assertEquals(1, root.getBasicConstraints(), "root: CA, pathlen 1");
    assertEquals("EC", root.getPublicKey().getAlgorithm());
    List<X509Certificate> all = List.of(root, pki.ca(dev.dcapd.verifier.pck.CaType.PLATFORM),
        pki.ca(dev.dcapd.verifier.pck.CaType.PROCESSOR), pki.tcbSigning(), c.pckLeaf());
    for (X509Certificate cert : all) {
      String who = cert.getSubjectX500Principal().getName();
      assertEquals(3, cert.getVersion(), who);
      assertEquals("SHA256withECDSA", cert.getSigAlgName(), who);
      for (String oid : List.of("2.5.29.14", "2.5.29.35", "2.5.29.31")) {
        assertTrue(cert.getNonCriticalExtensionOIDs().contains(oid), who + " has " + oid);
      }
      for (String oid : List.of("2.5.29.15", "2.5.29.19")) {
        assertTrue(cert.getCriticalExtensionOIDs().contains(oid), who + " has critical " + oid);
      }
      assertTrue(cert.getNotAfter().toInstant().isAfter(ForgeSpec.DEFAULT_AT.plusSeconds(3L * 365 * 86400)), who);
      assertFalse(cert.getNotBefore().toInstant().isAfter(ForgeSpec.DEFAULT_AT), who);
    }
    assertTrue(c.pckLeaf().getNonCriticalExtensionOIDs().contains("1.2.840.113741.1.13.1"));
    assertEquals(-1, c.pckLeaf().getBasicConstraints(), "the leaf is not a CA");
    assertEquals(-1, pki.tcbSigning().getBasicConstraints(), "the TCB signer is not a CA");

    X509CRL rootCrl = crl(c.collateral().rootCaCrl());
    X509CRL pckCrl = crl(c.collateral().pckCrl());
    rootCrl.verify(root.getPublicKey());
    pckCrl.verify(pki.ca(dev.dcapd.verifier.pck.CaType.PLATFORM).getPublicKey());
    for (X509CRL crl : List.of(rootCrl, pckCrl)) {
      assertTrue(crl.getNonCriticalExtensionOIDs().containsAll(Set.of("2.5.29.20", "2.5.29.35")), "CRL number and AKI");
      assertFalse(crl.getNextUpdate().toInstant().isBefore(Forge.NEXT_UPDATE));
    }
    // Key identifiers link each certificate and CRL to its issuer, as Intel's do.
    X509Certificate platformCa = pki.ca(dev.dcapd.verifier.pck.CaType.PLATFORM);
    assertEquals(keyId(root, "2.5.29.14"), keyId(root, "2.5.29.35"));
    assertEquals(keyId(root, "2.5.29.14"), keyId(platformCa, "2.5.29.35"));
    assertEquals(keyId(root, "2.5.29.14"), keyId(pki.tcbSigning(), "2.5.29.35"));
    assertEquals(keyId(platformCa, "2.5.29.14"), keyId(c.pckLeaf(), "2.5.29.35"));
    assertEquals(keyId(root, "2.5.29.14"), keyIdOf(rootCrl.getExtensionValue("2.5.29.35"), "2.5.29.35"));
    assertEquals(keyId(platformCa, "2.5.29.14"), keyIdOf(pckCrl.getExtensionValue("2.5.29.35"), "2.5.29.35"));
    assertFalse(rootCrl.isRevoked(pki.ca(dev.dcapd.verifier.pck.CaType.PLATFORM)));
    assertFalse(pckCrl.isRevoked(c.pckLeaf()));
    assertEquals(2, pckCrl.getRevokedCertificates().size(), "unrelated revoked serials make the CRL realistic");
  }

  /** Which pieces of a case each corruption may change; everything else must be byte-identical. */
  private static final Map<Corruption, Set<String>> CHANGED = new LinkedHashMap<>();

  static {
    changed(Corruption.QUOTE_SIGNATURE, "quoteSignature");
    changed(Corruption.QE_REPORT_SIGNATURE, "qeReportSignature");
    changed(Corruption.QE_REPORT_DATA, "qeReport", "qeReportSignature");
    changed(Corruption.ATTESTATION_KEY, "attestationKey", "quoteSignature");
    changed(Corruption.PCK_CHAIN_SIGNATURE, "certificationData");
    changed(Corruption.UNTRUSTED_ROOT, "certificationData");
    changed(Corruption.PCK_SGX_TYPE_MISMATCH, "certificationData");
    changed(Corruption.PCK_ENTRIES_MISMATCH, "certificationData");
    changed(Corruption.REVOKED_PCK, "pckCrl");
    changed(Corruption.REVOKED_INTERMEDIATE, "rootCaCrl");
    changed(Corruption.TCB_INFO_SIGNATURE, "tcbInfoSignature");
    changed(Corruption.QE_IDENTITY_SIGNATURE, "qeIdentitySignature");
    for (Corruption c : List.of(Corruption.FMSPC_MISMATCH, Corruption.PCE_ID_MISMATCH,
        Corruption.UNKNOWN_TDX_MODULE_VERSION, Corruption.TDX_MODULE_MRSIGNER, Corruption.NO_MATCHING_TCB_LEVEL,
        Corruption.REVOKED_TCB_LEVEL, Corruption.EXPIRED_TCB_INFO, Corruption.COLLATERAL_NOT_YET_VALID)) {
      changed(c, "tcbInfo", "tcbInfoSignature");
    }
    for (Corruption c : List.of(Corruption.QE_IDENTITY_MRSIGNER, Corruption.QE_IDENTITY_ISVPRODID,
        Corruption.QE_IDENTITY_ATTRIBUTES, Corruption.QE_TCB_REVOKED)) {
      changed(c, "qeIdentity", "qeIdentitySignature");
    }
    changed(Corruption.EXPIRED_CRL, "pckCrl");
    changed(Corruption.EXPIRED_CERTIFICATE, "certificationData");
  }

  private static void changed(Corruption c, String... pieces) {
    CHANGED.put(c, Set.of(pieces));
  }

  @Test
  void everyCorruptionChangesExactlyItsPiece() throws Exception {
    assertEquals(Set.of(Corruption.values()), CHANGED.keySet(), "every corruption is described");
    for (CaseCatalog.Entry e : CaseCatalog.corrupted()) {
      Corruption corruption = e.spec().corruption().orElseThrow();
      ForgedCase bad = Forge.forge(e.spec());
      ForgedCase good = Forge.forge(e.spec().toBuilder().corruption(null).build());
      Map<String, Object> a = pieces(good);
      Map<String, Object> b = pieces(bad);
      Set<String> differing = new HashSet<>();
      for (String k : a.keySet()) {
        if (!a.get(k).equals(b.get(k))) {
          differing.add(k);
        }
      }
      assertEquals(CHANGED.get(corruption), differing, e.name());
      assertEquals(corruption.expectedFailure(), bad.expected().failure().orElseThrow(), e.name());
      assertFalse(bad.expected().success(), e.name());
      assertEquals(good.at(), bad.at(), e.name());
      checkIntent(corruption, good, bad);
    }
  }

  /** The change is the intended one, not merely some change. */
  private static void checkIntent(Corruption corruption, ForgedCase good, ForgedCase bad) throws Exception {
    var at = bad.at();
    switch (corruption) {
      case REVOKED_PCK -> assertTrue(crl(bad.collateral().pckCrl()).isRevoked(bad.pckLeaf()));
      case REVOKED_INTERMEDIATE -> assertTrue(crl(bad.collateral().rootCaCrl())
          .isRevoked(bad.pki().ca(bad.spec().caType())));
      case EXPIRED_CRL -> assertTrue(crl(bad.collateral().pckCrl()).getNextUpdate().toInstant().isBefore(at));
      case EXPIRED_CERTIFICATE -> assertTrue(bad.pckLeaf().getNotAfter().toInstant().isBefore(at));
      case EXPIRED_TCB_INFO -> assertTrue(bad.tcbInfo().nextUpdate().isBefore(at));
      case COLLATERAL_NOT_YET_VALID -> assertTrue(bad.tcbInfo().issueDate().isAfter(at));
      case FMSPC_MISMATCH -> assertNotEquals(good.tcbInfo().fmspc(), bad.tcbInfo().fmspc());
      case PCE_ID_MISMATCH -> assertNotEquals(good.tcbInfo().pceId(), bad.tcbInfo().pceId());
      case UNTRUSTED_ROOT -> {
        X509Certificate chainRoot = bad.quote().certificationData().pckCertChain().certificates().get(2);
        assertEquals(bad.root().getSubjectX500Principal(), chainRoot.getSubjectX500Principal());
        assertNotEquals(bad.root().getPublicKey(), chainRoot.getPublicKey());
      }
      case PCK_SGX_TYPE_MISMATCH, PCK_ENTRIES_MISMATCH -> {
        // Correctly signed by its CA; only the SGX type, or only the platform entries, differ.
        List<X509Certificate> chain = bad.quote().certificationData().pckCertChain().certificates();
        chain.get(0).verify(chain.get(1).getPublicKey());
        var was = good.quote().certificationData().pckCertChain().pckExtension();
        var is = bad.quote().certificationData().pckCertChain().pckExtension();
        boolean typeChanged = was.sgxType() != is.sgxType();
        boolean entriesChanged = was.platformInstanceId().isPresent() != is.platformInstanceId().isPresent()
            && was.configuration().isPresent() != is.configuration().isPresent();
        assertEquals(corruption == Corruption.PCK_SGX_TYPE_MISMATCH, typeChanged);
        assertEquals(corruption == Corruption.PCK_ENTRIES_MISMATCH, entriesChanged);
        assertEquals(was.ppid(), is.ppid());
        assertEquals(was.tcbComponents(), is.tcbComponents());
      }
      case PCK_CHAIN_SIGNATURE -> {
        List<X509Certificate> chain = bad.quote().certificationData().pckCertChain().certificates();
        assertThrows(java.security.SignatureException.class, () -> chain.get(0).verify(chain.get(1).getPublicKey()));
        assertEquals(chain.get(0).getIssuerX500Principal(), chain.get(1).getSubjectX500Principal());
      }
      case REVOKED_TCB_LEVEL, QE_TCB_REVOKED ->
          assertEquals("Revoked", bad.expected().tcbStatus().orElseThrow());
      case UNKNOWN_TDX_MODULE_VERSION -> {
        int version = ((TdReport) bad.quote().body()).teeTcbSvn().unsigned(1);
        assertTrue(bad.tcbInfo().tdxModuleIdentities().stream()
            .noneMatch(m -> m.id().equals(TdxModuleIdentity.idFor(version))));
      }
      default -> { }
    }
  }

  private static Map<String, Object> pieces(ForgedCase c) {
    Quote q = c.quote();
    var qe = q.qeReportCertificationData();
    QuoteCollateral col = c.collateral();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("header", q.header());
    m.put("body", q.body());
    m.put("quoteSignature", q.signatureData().quoteSignature());
    m.put("attestationKey", q.signatureData().attestationKey());
    m.put("qeReport", qe.qeReport());
    m.put("qeReportSignature", qe.qeReportSignature());
    m.put("qeAuthData", qe.qeAuthData());
    m.put("certificationData", qe.certificationData());
    m.put("pckCrlIssuerChain", col.pckCrlIssuerChain());
    m.put("rootCaCrl", col.rootCaCrl());
    m.put("pckCrl", col.pckCrl());
    m.put("tcbInfoIssuerChain", col.tcbInfoIssuerChain());
    m.put("tcbInfo", col.tcbInfo());
    m.put("tcbInfoSignature", col.tcbInfoSignature());
    m.put("qeIdentityIssuerChain", col.qeIdentityIssuerChain());
    m.put("qeIdentity", col.qeIdentity());
    m.put("qeIdentitySignature", col.qeIdentitySignature());
    m.put("root", Bytes.of(c.rootDer()));
    return m;
  }

  @Test
  void batchQuotesAreDistinctAndShareTheCollateral() throws Exception {
    ForgeSpec spec = ForgeSpec.builder().tee(TeeType.TDX).quoteVersion(4).seed(7).build();
    QuoteBatch batch = Forge.batch(spec);
    Set<Bytes> seen = new HashSet<>();
    PublicKey ak = batch.template().pki().key("attestation").publicKey();
    for (int i = 0; i < 20; i++) {
      Quote q = batch.quote(i);
      assertTrue(seen.add(q.raw()), "quote " + i + " is new");
      assertTrue(verifyRaw(ak, q.raw().slice(0, q.signedLength()).toByteArray(), q.signatureData().quoteSignature()));
      assertEquals(q, QuoteParser.parse(q.raw().toByteArray()));
    }
    TdReport a = (TdReport) batch.quote(0).body();
    TdReport b = (TdReport) batch.quote(1).body();
    assertNotEquals(a.reportData(), b.reportData());
    assertNotEquals(a.mrTd(), b.mrTd());
    assertNotEquals(a.rtmr(3), b.rtmr(3));
    assertEquals(batch.quote(3).raw(), Forge.batch(spec).quote(3).raw(), "deterministic");
    assertEquals(Forge.forge(spec).collateral(), batch.collateral());

    TdReport chosen = new TdReport(a.teeTcbSvn(), a.mrSeam(), a.mrSignerSeam(), a.seamAttributes(), a.tdAttributes(),
        a.xfam(), a.mrTd(), a.mrConfigId(), a.mrOwner(), a.mrOwnerConfig(), a.rtmrs(), Bytes.zeros(64),
        a.teeTcbSvn2(), a.mrServiceTd());
    Quote signed = batch.sign(chosen);
    assertEquals(chosen, signed.body());
    assertTrue(verifyRaw(ak, signed.raw().slice(0, signed.signedLength()).toByteArray(),
        signed.signatureData().quoteSignature()));
    assertThrows(IllegalArgumentException.class,
        () -> batch.sign(Forge.forge(ForgeSpec.builder().build()).quote().body()));
  }

  @Test
  void chosenFieldsAppearInTheQuoteAndTheExpectedOutcome() {
    Bytes reportData = Bytes.of(new byte[64]).slice(0, 64);
    ForgedCase c = Forge.forge(ForgeSpec.builder().tee(TeeType.SGX).reportData(reportData).qeSvn(9).pceSvn(15)
        .tcbStatus(TcbStatus.OUT_OF_DATE).build());
    assertEquals(reportData, c.quote().body().reportData());
    assertEquals(9, c.quote().qeReportCertificationData().qeReport().isvSvn());
    assertEquals(9, c.quote().header().qeSvn());
    assertEquals(15, c.quote().header().pceSvn());
    assertEquals("OutOfDate", c.expected().tcbStatus().orElseThrow());
    assertEquals(List.of("INTEL-SA-00828", "INTEL-SA-00837"), c.expected().advisoryIds());
    var json = c.expected().toJson(c.at());
    assertTrue(json.get("success").asBoolean());
    assertEquals(c.at().getEpochSecond(), json.get("at").asLong());
    assertTrue(json.get("failure").isNull());
  }

  @Test
  void expectedOutcomesFollowIntelsConvergence() {
    Map<String, String> want = Map.of(
        "sgx-v3-valid-uptodate-qe-outofdate", "OutOfDate",
        "sgx-v3-valid-swhardeningneeded-qe-outofdate", "OutOfDate",
        "tdx-v4-valid-configurationneeded-qe-outofdate", "OutOfDateConfigurationNeeded",
        "tdx-v4-valid-outofdateconfigurationneeded-qe-outofdate", "OutOfDateConfigurationNeeded",
        "tdx-v5-td15-valid-tdrelaunchadvised", "TDRelaunchAdvised",
        "tdx-v5-td15-valid-tdrelaunchadvisedconfigurationneeded", "TDRelaunchAdvisedConfigurationNeeded",
        // An out-of-date QE rules out relaunch; the TDX level's OutOfDate stands.
        "tdx-v5-td15-valid-tdrelaunchadvised-qe-outofdate", "OutOfDate",
        "tdx-v4-valid-module-svn-by-identity", "UpToDate");
    Map<String, String> got = new LinkedHashMap<>();
    for (CaseCatalog.Entry e : CaseCatalog.valid()) {
      if (want.containsKey(e.name())) {
        got.put(e.name(), Forge.forge(e.spec()).expected().tcbStatus().orElseThrow());
      }
    }
    assertEquals(want, got);
    ForgedCase sw = Forge.forge(CaseCatalog.Shape.SGX_V3.builder().tcbStatus(TcbStatus.SW_HARDENING_NEEDED)
        .qeTcbStatus(TcbStatus.OUT_OF_DATE).build());
    assertEquals(List.of("INTEL-SA-00615", "INTEL-SA-00477"), sw.expected().advisoryIds(),
        "platform IDs, then the QE's new ones");
    ForgedCase revoked = Forge.forge(CaseCatalog.Shape.SGX_V3.builder().corruption(Corruption.REVOKED_TCB_LEVEL).build());
    assertEquals(List.of("INTEL-SA-00233"), revoked.expected().advisoryIds());
  }

  @Test
  void impossibleSpecsAreRefused() {
    assertThrows(IllegalArgumentException.class,
        () -> ForgeSpec.builder().tee(TeeType.TDX).quoteVersion(4).tcbStatus(TcbStatus.TD_RELAUNCH_ADVISED).build());
    assertThrows(IllegalArgumentException.class,
        () -> ForgeSpec.builder().tee(TeeType.SGX).corruption(Corruption.TDX_MODULE_MRSIGNER).build());
    assertThrows(IllegalArgumentException.class, () -> ForgeSpec.builder().tee(TeeType.TDX).quoteVersion(3).build());
    assertThrows(IllegalArgumentException.class, () -> ForgeSpec.builder().tcbStatus(TcbStatus.REVOKED).build());
  }

  @Test
  void corruptionNamesAreStableKebabCase() {
    for (Corruption c : Corruption.values()) {
      assertTrue(c.cliName().matches("[a-z]+(-[a-z]+)*"), c.cliName());
      assertEquals(c, Corruption.fromCliName(c.cliName()));
    }
    assertEquals("qe-identity-isvprodid", Corruption.QE_IDENTITY_ISVPRODID.cliName());
  }

  private static boolean verifyRaw(PublicKey key, byte[] message, Bytes rawSignature) throws Exception {
    Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
    s.initVerify(key);
    s.update(message);
    return s.verify(rawSignature.toByteArray());
  }

  private static Bytes keyId(X509Certificate cert, String oid) {
    return keyIdOf(cert.getExtensionValue(oid), oid);
  }

  private static Bytes keyIdOf(byte[] extensionValue, String oid) {
    byte[] inner = org.bouncycastle.asn1.ASN1OctetString.getInstance(extensionValue).getOctets();
    byte[] id = oid.equals("2.5.29.14")
        ? org.bouncycastle.asn1.x509.SubjectKeyIdentifier.getInstance(inner).getKeyIdentifier()
        : org.bouncycastle.asn1.x509.AuthorityKeyIdentifier.getInstance(inner).getKeyIdentifierOctets();
    return Bytes.of(id);
  }

  private static X509CRL crl(Bytes der) throws Exception {
    return (X509CRL) CertificateFactory.getInstance("X.509").generateCRL(new ByteArrayInputStream(der.toByteArray()));
  }

  private static byte[] concat(byte[] a, byte[] b) {
    return Forge.concat(a, b);
  }
}
