package dev.dcapd.testkit;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.collateral.QeIdentity;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.collateral.TcbInfo;
import dev.dcapd.verifier.pck.CaType;
import dev.dcapd.verifier.pck.PckExtension;
import dev.dcapd.verifier.pck.PlatformConfiguration;
import dev.dcapd.verifier.pck.SgxType;
import dev.dcapd.verifier.quote.BodyType;
import dev.dcapd.verifier.quote.CertificationData;
import dev.dcapd.verifier.quote.EnclaveReport;
import dev.dcapd.verifier.quote.QeReportCertificationData;
import dev.dcapd.verifier.quote.Quote;
import dev.dcapd.verifier.quote.QuoteBody;
import dev.dcapd.verifier.quote.QuoteEncoder;
import dev.dcapd.verifier.quote.QuoteHeader;
import dev.dcapd.verifier.quote.SignatureData;
import dev.dcapd.verifier.quote.TdReport;
import dev.dcapd.verifier.quote.TeeType;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Forges DCAP quotes with matching collateral under a {@link TestPki}: every signature valid and
 * every binding right, except for the one {@link Corruption} a spec asks for, and the outcome a
 * correct verifier must give computed alongside by Intel's rules.
 */
public final class Forge {
  /** Issue date of collateral and CRLs (fixed, never the clock). */
  public static final Instant ISSUE_DATE = TestPki.DEFAULT_NOT_BEFORE;
  /** nextUpdate of TCB info, QE identity and CRLs. */
  public static final Instant NEXT_UPDATE = Instant.parse("2030-01-01T00:00:00Z");

  static final Bytes INTEL_QE_VENDOR_ID = Bytes.fromHex("939a7233f79c4ca9940a0db3957f0607");
  static final int AK_TYPE_ECDSA_P256 = 2;
  /** Intel's SGX QE and TDX QE signers (public values, as in PCS's QE identities). */
  static final Bytes SGX_QE_MRSIGNER = Bytes.fromHex("8c4f5775d796503e96137f77c68a829a0056ac8ded70140b081b094490c57bff");
  static final Bytes TD_QE_MRSIGNER = Bytes.fromHex("dc9e2a7c6f948f17474e34a7fc43ed030f7c1563f1babddf6340c82e0e54a8c5");
  static final int SGX_QE_PROD_ID = 1;
  static final int TD_QE_PROD_ID = 2;
  static final int DEFAULT_SGX_QE_SVN = 8;
  static final int DEFAULT_TD_QE_SVN = 4;
  static final Bytes QE_REPORT_ATTRIBUTES = Bytes.fromHex("1100000000000000e700000000000000");
  static final Bytes DEFAULT_SGX_FMSPC = Bytes.fromHex("30606a000000");
  static final Bytes DEFAULT_TDX_FMSPC = Bytes.fromHex("90c06f000000");
  /** Module SVN 5, module major version 1 (so TDX_01 applies), then the SEAM loader and the rest. */
  static final Bytes DEFAULT_TEE_TCB_SVN = Bytes.fromHex("05010200000000000000000000000000");
  /** SGX enclave: INIT | MODE64BIT, no DEBUG; XFRM x87 | SSE. */
  static final Bytes DEFAULT_SGX_ATTRIBUTES = Bytes.fromHex("05000000000000000300000000000000");
  /** SEPT_VE_DISABLE set, DEBUG clear: what a production TD has. */
  static final Bytes DEFAULT_TD_ATTRIBUTES = Bytes.fromHex("0000001000000000");
  /** TD_ATTRIBUTES.DEBUG, bit 0 of byte 0. */
  static final int TD_ATTRIBUTES_DEBUG = 0x01;
  /** SGX ATTRIBUTES.DEBUG, bit 1 of byte 0. */
  static final int SGX_ATTRIBUTES_DEBUG = 0x02;
  static final Bytes DEFAULT_XFAM = Bytes.fromHex("e71a060000000000");
  static final int QE_AUTH_DATA_SIZE = 32;
  private static final Duration JUST_BEFORE = Duration.ofDays(1);
  private static final Duration LATER = Duration.ofDays(365);

  private Forge() {}

  /** Forges the case {@code spec} describes. Same spec, same bytes. */
  public static ForgedCase forge(ForgeSpec spec) {
    Materials m = new Materials(spec);
    return m.forgedCase(m.quote(m.body));
  }

  /**
   * Prepares many distinct quotes of one platform under one collateral set: the costly part
   * (PKI, collateral, QE report) is done once, each quote then costs one signature.
   */
  public static QuoteBatch batch(ForgeSpec spec) {
    return new QuoteBatch(new Materials(spec));
  }

  static Bytes flipLastBit(Bytes b) {
    byte[] a = b.toByteArray();
    a[a.length - 1] ^= 0x01;
    return Bytes.of(a);
  }

  static Bytes flipFirstBit(Bytes b) {
    byte[] a = b.toByteArray();
    a[0] ^= 0x01;
    return Bytes.of(a);
  }

  static byte[] digest(String algorithm, byte[]... parts) {
    try {
      MessageDigest md = MessageDigest.getInstance(algorithm);
      for (byte[] p : parts) {
        md.update(p);
      }
      return md.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(algorithm + " is required of every JDK", e);
    }
  }

  /** Everything of a case except the body's signature: built once per spec. */
  static final class Materials {
    final ForgeSpec spec;
    final Corruption corruption;
    final Drbg drbg;
    final TestPki pki;
    final X509Certificate leaf;
    final QuoteHeader header;
    final QeReportCertificationData qeCertification;
    final Bytes attestationKeyInQuote;
    final EcKey quoteSigningKey;
    final QuoteBody body;
    final TcbInfo tcbInfo;
    final QeIdentity qeIdentity;
    final QuoteCollateral collateral;
    final Expected expected;

    Materials(ForgeSpec spec) {
      this.spec = spec;
      this.corruption = spec.corruption().orElse(null);
      this.drbg = new Drbg(spec.seed());
      this.pki = TestPki.create(spec.seed());
      TeeType tee = spec.tee();
      CaType ca = spec.caType();
      Instant expiredAt = spec.at().minus(JUST_BEFORE);
      Instant futureAt = spec.at().plus(LATER);

      // The platform and its PCK certificate.
      Bytes fmspc = spec.fmspc().orElse(tee == TeeType.SGX ? DEFAULT_SGX_FMSPC : DEFAULT_TDX_FMSPC);
      List<Integer> comps = spec.sgxComponents();
      Bytes cpuSvn = spec.cpuSvn().orElse(componentBytes(comps));
      int qeSvn = spec.qeSvn().orElse(tee == TeeType.SGX ? DEFAULT_SGX_QE_SVN : DEFAULT_TD_QE_SVN);
      // What Intel issues: Standard with 5 entries under the Processor CA, Scalable with 7 (platform
      // instance id and configuration) under the Platform CA; the PCK corruptions swap one of the two.
      boolean platformCa = ca == CaType.PLATFORM;
      SgxType sgxType = corruption == Corruption.PCK_SGX_TYPE_MISMATCH
          ? (platformCa ? SgxType.STANDARD : SgxType.SCALABLE) : spec.sgxType();
      boolean platformEntries = platformCa != (corruption == Corruption.PCK_ENTRIES_MISMATCH);
      PckExtension extension = new PckExtension(
          platformBytes("platform/ppid", 16), comps, spec.pceSvn(), cpuSvn, spec.pceId(), fmspc, sgxType,
          platformEntries ? Optional.of(platformBytes("platform/instance-id", 16)) : Optional.empty(),
          platformEntries ? Optional.of(new PlatformConfiguration(true, true, true)) : Optional.empty());
      EcKey leafKey = pki.key(platformLabel("pck"));
      BigInteger leafSerial = pki.serial(platformLabel("pck"));
      TestPki chainPki = corruption == Corruption.UNTRUSTED_ROOT
          ? new TestPki(drbg, "untrusted", TestPki.DEFAULT_NOT_BEFORE) : pki;
      EcKey leafSigner = corruption == Corruption.PCK_CHAIN_SIGNATURE ? pki.key("not-the-pck-ca") : chainPki.caKey(ca);
      Instant leafNotAfter = corruption == Corruption.EXPIRED_CERTIFICATE ? expiredAt : TestPki.DEFAULT_LEAF_NOT_AFTER;
      this.leaf = chainPki.issuePck(ca, extension, leafKey, leafSerial, TestPki.DEFAULT_NOT_BEFORE, leafNotAfter,
          leafSigner);
      String chainPem = TestPki.pemChain(leaf, chainPki.ca(ca), chainPki.root());

      // The quoting enclave: its report binds the attestation key, the PCK signs the report.
      EcKey attestationKey = pki.key(platformLabel("attestation"));
      this.quoteSigningKey = corruption == Corruption.ATTESTATION_KEY ? pki.key(platformLabel("attestation-other")) : attestationKey;
      this.attestationKeyInQuote = quoteSigningKey.rawPublicKey();
      byte[] authData = new byte[QE_AUTH_DATA_SIZE];
      for (int i = 0; i < authData.length; i++) {
        authData[i] = (byte) i;
      }
      byte[] qeReportData = new byte[64];
      System.arraycopy(digest("SHA-256", attestationKey.rawPublicKey().toByteArray(), authData), 0, qeReportData, 0, 32);
      if (corruption == Corruption.QE_REPORT_DATA) {
        qeReportData[0] ^= 0x01;
      }
      Bytes qeMrSigner = tee == TeeType.SGX ? SGX_QE_MRSIGNER : TD_QE_MRSIGNER;
      int qeProdId = tee == TeeType.SGX ? SGX_QE_PROD_ID : TD_QE_PROD_ID;
      EnclaveReport qeReport = new EnclaveReport(cpuSvn, 0, Bytes.zeros(28), QE_REPORT_ATTRIBUTES,
          bytes("qe/mrenclave", 32), Bytes.zeros(32), qeMrSigner, Bytes.zeros(96), qeProdId, qeSvn,
          Bytes.zeros(60), Bytes.of(qeReportData));
      Bytes qeReportSignature = leafKey.signRaw(QuoteEncoder.encodeBody(qeReport));
      if (corruption == Corruption.QE_REPORT_SIGNATURE) {
        qeReportSignature = flipLastBit(qeReportSignature);
      }
      this.qeCertification = new QeReportCertificationData(
          qeReport, qeReportSignature, Bytes.of(authData), CertificationData.pemChain(chainPem));
      boolean v3 = spec.quoteVersion() == 3;
      this.header = new QuoteHeader(spec.quoteVersion(), AK_TYPE_ECDSA_P256, tee, v3 ? qeSvn : 0,
          v3 ? spec.pceSvn() : 0, INTEL_QE_VENDOR_ID,
          Bytes.of(concat(platformBytes("qe/qe-id", 16).toByteArray(), new byte[4])));

      // The body, then TCB info and QE identity derived from it and the platform.
      this.body = spec.body().orElseGet(this::defaultBody);
      TcbRecipe recipe = new TcbRecipe(spec, drbg, body);
      this.tcbInfo = recipe.tcbInfo(fmspc, expiredAt, futureAt);
      this.qeIdentity = recipe.qeIdentity(qeMrSigner, qeProdId, qeSvn);

      // Collateral: CRLs, signed documents, issuer chains.
      List<BigInteger> rootRevoked = new ArrayList<>(List.of(pki.serial("revoked-ca-decoy")));
      if (corruption == Corruption.REVOKED_INTERMEDIATE) {
        rootRevoked.add(pki.ca(ca).getSerialNumber());
      }
      List<BigInteger> pckRevoked = new ArrayList<>(List.of(pki.serial("revoked-pck-decoy-1"),
          pki.serial("revoked-pck-decoy-2")));
      if (corruption == Corruption.REVOKED_PCK) {
        pckRevoked.add(leafSerial);
      }
      Instant pckCrlNext = corruption == Corruption.EXPIRED_CRL ? expiredAt : NEXT_UPDATE;
      byte[] rootCrl = pki.rootCrl(rootRevoked, ISSUE_DATE, NEXT_UPDATE);
      byte[] pckCrl = pki.pckCrl(ca, pckRevoked, ISSUE_DATE, pckCrlNext);
      // The model writes the text; the signatures are over exactly that text.
      String tcbText = tcbInfo.toJson();
      String qeText = qeIdentity.toJson();
      Bytes tcbSignature = pki.tcbSigningKey().signRaw(tcbText.getBytes(StandardCharsets.UTF_8));
      Bytes qeSignature = pki.tcbSigningKey().signRaw(qeText.getBytes(StandardCharsets.UTF_8));
      if (corruption == Corruption.TCB_INFO_SIGNATURE) {
        tcbSignature = flipLastBit(tcbSignature);
      }
      if (corruption == Corruption.QE_IDENTITY_SIGNATURE) {
        qeSignature = flipLastBit(qeSignature);
      }
      String signingChain = TestPki.pemChain(pki.tcbSigning(), pki.root());
      this.collateral = new QuoteCollateral(TestPki.pemChain(pki.ca(ca), pki.root()), Bytes.of(rootCrl),
          Bytes.of(pckCrl), signingChain, tcbText, tcbSignature, signingChain, qeText, qeSignature,
          Optional.empty());
      this.expected = recipe.expected();
    }

    private Bytes bytes(String label, int length) {
      return Bytes.of(drbg.bytes("case/" + label, length));
    }

    /** Bytes that belong to one machine: each platform of a seed draws its own. */
    private Bytes platformBytes(String label, int length) {
      return bytes(platformLabel(label), length);
    }

    /**
     * The label of a machine's own value. Platform 0 keeps the bare label, so that specs without
     * a platform forge the same bytes as before platforms existed (stored vectors depend on it).
     */
    private String platformLabel(String label) {
      return spec.platform() == 0 ? label : label + "/platform-" + spec.platform();
    }

    private QuoteBody defaultBody() {
      Bytes reportData = spec.reportData().orElse(bytes("body/report-data", 64));
      if (spec.tee() == TeeType.SGX) {
        return new EnclaveReport(qeCertification.qeReport().cpuSvn(), 0, Bytes.zeros(28),
            spec.debug() ? withBit(DEFAULT_SGX_ATTRIBUTES, 0, SGX_ATTRIBUTES_DEBUG) : DEFAULT_SGX_ATTRIBUTES,
            bytes("body/mrenclave", 32), Bytes.zeros(32), bytes("body/mrsigner", 32), Bytes.zeros(96), 1, 1,
            Bytes.zeros(60), reportData);
      }
      Bytes svn = spec.teeTcbSvn().orElse(DEFAULT_TEE_TCB_SVN);
      boolean td15 = spec.bodyType() == BodyType.TD_REPORT_15;
      Optional<Bytes> svn2 = Optional.empty();
      if (td15) {
        svn2 = Optional.of(spec.teeTcbSvn2().orElseGet(() -> TcbRecipe.isRelaunch(spec.tcbStatus()) ? relaunchSvn2(svn) : svn));
      }
      List<Bytes> rtmrs = List.of(bytes("body/rtmr0", 48), bytes("body/rtmr1", 48), bytes("body/rtmr2", 48),
          bytes("body/rtmr3", 48));
      return new TdReport(svn, bytes("body/mrseam", 48), Bytes.zeros(48), Bytes.zeros(8),
          spec.debug() ? withBit(DEFAULT_TD_ATTRIBUTES, 0, TD_ATTRIBUTES_DEBUG) : DEFAULT_TD_ATTRIBUTES,
          DEFAULT_XFAM, bytes("body/mrtd", 48), Bytes.zeros(48), Bytes.zeros(48), Bytes.zeros(48), rtmrs,
          reportData, svn2, td15 ? Optional.of(Bytes.zeros(48)) : Optional.empty());
    }

    private static Bytes withBit(Bytes field, int index, int bit) {
      byte[] b = field.toByteArray();
      b[index] |= (byte) bit;
      return Bytes.of(b);
    }

    /** The running module is newer than the one the TD was launched on: SVN and SEAM loader +1. */
    private static Bytes relaunchSvn2(Bytes svn) {
      byte[] b = svn.toByteArray();
      b[0]++;
      b[2]++;
      return Bytes.of(b);
    }

    /** Signs {@code body} into a complete quote. */
    Quote quote(QuoteBody quoteBody) {
      return quote(quoteBody, quoteSigningKey::signRaw);
    }

    /** Signs {@code body} into a complete quote with {@code signer} (the quote signing key's). */
    Quote quote(QuoteBody quoteBody, java.util.function.Function<byte[], Bytes> signer) {
      SignatureData unsigned = new SignatureData(Bytes.zeros(64), attestationKeyInQuote, qeCertification);
      Quote draft = Quote.assemble(header, quoteBody, unsigned, Bytes.empty());
      Bytes signature = signer.apply(draft.raw().slice(0, draft.signedLength()).toByteArray());
      if (corruption == Corruption.QUOTE_SIGNATURE) {
        signature = flipLastBit(signature);
      }
      return Quote.assemble(header, quoteBody,
          new SignatureData(signature, attestationKeyInQuote, qeCertification), Bytes.empty());
    }

    ForgedCase forgedCase(Quote quote) {
      return new ForgedCase(spec, quote, collateral, pki, leaf, expected, tcbInfo, qeIdentity);
    }
  }

  static Bytes componentBytes(List<Integer> comps) {
    byte[] b = new byte[comps.size()];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) (int) comps.get(i);
    }
    return Bytes.of(b);
  }

  static List<Integer> componentList(Bytes b) {
    List<Integer> out = new ArrayList<>(b.length());
    for (int i = 0; i < b.length(); i++) {
      out.add(b.unsigned(i));
    }
    return List.copyOf(out);
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
