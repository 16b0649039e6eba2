package dev.dcapd.testkit;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.collateral.TcbStatus;
import dev.dcapd.verifier.pck.CaType;
import dev.dcapd.verifier.pck.SgxType;
import dev.dcapd.verifier.quote.BodyType;
import dev.dcapd.verifier.quote.QuoteBody;
import dev.dcapd.verifier.quote.TeeType;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What to forge: TEE, quote version, seed, platform, the TCB status to reach, at most one
 * corruption, and any platform or report field to pin. Unset fields take deterministic defaults
 * from the seed. Build with {@link #builder()}.
 */
public final class ForgeSpec {
  /** The default verification instant: inside every default validity window. */
  public static final Instant DEFAULT_AT = Instant.parse("2026-11-01T00:00:00Z");

  private final TeeType tee;
  private final int quoteVersion;
  private final BodyType bodyType;
  private final long seed;
  private final long platform;
  private final TcbStatus tcbStatus;
  private final TcbStatus qeTcbStatus;
  private final Optional<List<String>> qeAdvisoryIds;
  private final boolean levelsDemandNewerModuleSvn;
  private final Optional<Corruption> corruption;
  private final CaType caType;
  private final Optional<SgxType> sgxType;
  private final Optional<Bytes> fmspc;
  private final Bytes pceId;
  private final int pceSvn;
  private final List<Integer> sgxComponents;
  private final Optional<Bytes> cpuSvn;
  private final Optional<Integer> qeSvn;
  private final Optional<Bytes> reportData;
  private final Optional<Bytes> teeTcbSvn;
  private final Optional<Bytes> teeTcbSvn2;
  private final Optional<QuoteBody> body;
  private final boolean debug;
  private final Instant at;

  private ForgeSpec(Builder b) {
    this.tee = b.tee;
    this.quoteVersion = b.quoteVersion != 0 ? b.quoteVersion : (b.tee == TeeType.SGX ? 3 : 4);
    this.bodyType = b.bodyType != null ? b.bodyType : defaultBodyType(tee, quoteVersion);
    this.seed = b.seed;
    this.platform = b.platform;
    this.tcbStatus = b.tcbStatus;
    this.qeTcbStatus = b.qeTcbStatus;
    this.qeAdvisoryIds = Optional.ofNullable(b.qeAdvisoryIds);
    this.levelsDemandNewerModuleSvn = b.levelsDemandNewerModuleSvn;
    this.corruption = Optional.ofNullable(b.corruption);
    this.caType = b.caType;
    this.sgxType = Optional.ofNullable(b.sgxType);
    this.fmspc = Optional.ofNullable(b.fmspc);
    this.pceId = b.pceId;
    this.pceSvn = b.pceSvn;
    this.sgxComponents = List.copyOf(b.sgxComponents);
    this.cpuSvn = Optional.ofNullable(b.cpuSvn);
    this.debug = b.debug;
    this.qeSvn = Optional.ofNullable(b.qeSvn);
    this.reportData = Optional.ofNullable(b.reportData);
    this.teeTcbSvn = Optional.ofNullable(b.teeTcbSvn);
    this.teeTcbSvn2 = Optional.ofNullable(b.teeTcbSvn2);
    this.body = Optional.ofNullable(b.body);
    this.at = b.at;
    validate();
  }

  private static BodyType defaultBodyType(TeeType tee, int version) {
    if (tee == TeeType.SGX) {
      return BodyType.SGX_ENCLAVE_REPORT;
    }
    return version >= 5 ? BodyType.TD_REPORT_15 : BodyType.TD_REPORT_10;
  }

  private void validate() {
    if (platform < 0) {
      throw new IllegalArgumentException("platform must be 0 or more, not " + platform);
    }
    if (quoteVersion < 3 || quoteVersion > 5) {
      throw new IllegalArgumentException("quote version must be 3, 4 or 5, not " + quoteVersion);
    }
    if (tee == TeeType.TDX && quoteVersion == 3) {
      throw new IllegalArgumentException("a TDX quote is version 4 or 5");
    }
    if (bodyType.teeType() != tee) {
      throw new IllegalArgumentException("body " + bodyType + " does not belong to " + tee);
    }
    if (bodyType == BodyType.TD_REPORT_15 && quoteVersion < 5) {
      throw new IllegalArgumentException("a TD 1.5 report needs quote version 5");
    }
    if (body.isPresent() && body.get().bodyType() != bodyType) {
      throw new IllegalArgumentException("the given body is " + body.get().bodyType() + ", expected " + bodyType);
    }
    if (tcbStatus == TcbStatus.REVOKED) {
      throw new IllegalArgumentException("a Revoked TCB is a failure: use the revoked-tcb-level corruption");
    }
    boolean relaunch = tcbStatus == TcbStatus.TD_RELAUNCH_ADVISED
        || tcbStatus == TcbStatus.TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED;
    if (relaunch && bodyType != BodyType.TD_REPORT_15) {
      throw new IllegalArgumentException(tcbStatus + " exists only for TD 1.5 reports (TDX quote version 5)");
    }
    if (qeTcbStatus != TcbStatus.UP_TO_DATE && qeTcbStatus != TcbStatus.OUT_OF_DATE) {
      throw new IllegalArgumentException("the QE TCB status is UpToDate or OutOfDate (Revoked: qe-tcb-revoked)");
    }
    if (levelsDemandNewerModuleSvn && tee != TeeType.TDX) {
      throw new IllegalArgumentException("only TDX TCB levels name a TDX module SVN");
    }
    if (corruption.isPresent() && !corruption.get().appliesTo(tee)) {
      throw new IllegalArgumentException(corruption.get().cliName() + " applies to TDX quotes only");
    }
    sgxType.ifPresent(t -> {
      if (!issues(caType, t)) {
        throw new IllegalArgumentException("the " + caType.commonName() + " does not issue " + t
            + " leaves: use the pck-sgx-type-mismatch corruption");
      }
    });
    if (sgxComponents.size() != 16) {
      throw new IllegalArgumentException("16 SGX TCB components, not " + sgxComponents.size());
    }
    for (int c : sgxComponents) {
      if (c < 0 || c > 0xfe) {
        throw new IllegalArgumentException("SGX TCB components must be 0..254 (a higher level is derived)");
      }
    }
    if (pceSvn < 1 || pceSvn > 0x7ffe) {
      throw new IllegalArgumentException("PCESVN must be 1..32766");
    }
    if (pceId.length() != 2) {
      throw new IllegalArgumentException("PCE-ID is 2 bytes");
    }
    fmspc.ifPresent(f -> {
      if (f.length() != 6) {
        throw new IllegalArgumentException("FMSPC is 6 bytes");
      }
    });
    cpuSvn.ifPresent(c -> {
      if (c.length() != 16) {
        throw new IllegalArgumentException("CPUSVN is 16 bytes");
      }
    });
    qeSvn.ifPresent(q -> {
      if (q < 1 || q > 0xfffe) {
        throw new IllegalArgumentException("QE SVN must be 1..65534");
      }
    });
    reportData.ifPresent(r -> {
      if (r.length() != 64) {
        throw new IllegalArgumentException("report data is 64 bytes");
      }
    });
    if (tee == TeeType.SGX && (teeTcbSvn.isPresent() || teeTcbSvn2.isPresent())) {
      throw new IllegalArgumentException("tee_tcb_svn belongs to TDX quotes");
    }
    teeTcbSvn.ifPresent(t -> requireTeeTcbSvn(t, "tee_tcb_svn"));
    teeTcbSvn2.ifPresent(t -> requireTeeTcbSvn(t, "tee_tcb_svn2"));
    if (debug && body.isPresent()) {
      throw new IllegalArgumentException("debug sets the attributes of the default body; a given body has its own");
    }
    if (teeTcbSvn2.isPresent() && bodyType != BodyType.TD_REPORT_15) {
      throw new IllegalArgumentException("tee_tcb_svn2 exists only in TD 1.5 reports");
    }
    Objects.requireNonNull(at, "at");
  }

  /** Whether Intel's {@code ca} issues PCK leaves of SGX type {@code t}. */
  private static boolean issues(CaType ca, SgxType t) {
    return (ca == CaType.PROCESSOR) == (t == SgxType.STANDARD);
  }

  private static void requireTeeTcbSvn(Bytes t, String name) {
    if (t.length() != 16) {
      throw new IllegalArgumentException(name + " is 16 bytes");
    }
    for (int i = 0; i < 16; i++) {
      if (t.unsigned(i) == 0xff) {
        throw new IllegalArgumentException(name + " bytes must be below 255 (a higher level is derived)");
      }
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder pre-filled with this spec's choices. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.tee = tee;
    b.quoteVersion = quoteVersion;
    b.bodyType = bodyType;
    b.seed = seed;
    b.platform = platform;
    b.tcbStatus = tcbStatus;
    b.qeTcbStatus = qeTcbStatus;
    b.qeAdvisoryIds = qeAdvisoryIds.orElse(null);
    b.levelsDemandNewerModuleSvn = levelsDemandNewerModuleSvn;
    b.corruption = corruption.orElse(null);
    b.caType = caType;
    b.sgxType = sgxType.orElse(null);
    b.fmspc = fmspc.orElse(null);
    b.pceId = pceId;
    b.pceSvn = pceSvn;
    b.sgxComponents = sgxComponents;
    b.cpuSvn = cpuSvn.orElse(null);
    b.qeSvn = qeSvn.orElse(null);
    b.reportData = reportData.orElse(null);
    b.teeTcbSvn = teeTcbSvn.orElse(null);
    b.teeTcbSvn2 = teeTcbSvn2.orElse(null);
    b.body = body.orElse(null);
    b.debug = debug;
    b.at = at;
    return b;
  }

  public TeeType tee() {
    return tee;
  }

  public int quoteVersion() {
    return quoteVersion;
  }

  public BodyType bodyType() {
    return bodyType;
  }

  public long seed() {
    return seed;
  }

  /** Which machine under the seed's PKI and collateral quotes (see the builder). */
  public long platform() {
    return platform;
  }

  public TcbStatus tcbStatus() {
    return tcbStatus;
  }

  /** The status of the QE identity level the QE's ISVSVN matches. */
  public TcbStatus qeTcbStatus() {
    return qeTcbStatus;
  }

  /** The advisory IDs of the QE identity level the QE's ISVSVN matches, if chosen (see the builder). */
  public Optional<List<String>> qeAdvisoryIds() {
    return qeAdvisoryIds;
  }

  /** Whether TCB levels ask for a newer TDX module SVN than the quote's (see the builder). */
  public boolean levelsDemandNewerModuleSvn() {
    return levelsDemandNewerModuleSvn;
  }

  public Optional<Corruption> corruption() {
    return corruption;
  }

  public CaType caType() {
    return caType;
  }

  /**
   * The SGX type of the PCK leaf: the one chosen, else what the CA issues by default (Standard
   * under the Processor CA, Scalable under the Platform CA).
   */
  public SgxType sgxType() {
    return sgxType.orElse(caType == CaType.PROCESSOR ? SgxType.STANDARD : SgxType.SCALABLE);
  }

  public Optional<Bytes> fmspc() {
    return fmspc;
  }

  public Bytes pceId() {
    return pceId;
  }

  public int pceSvn() {
    return pceSvn;
  }

  public List<Integer> sgxComponents() {
    return sgxComponents;
  }

  public Optional<Bytes> cpuSvn() {
    return cpuSvn;
  }

  public Optional<Integer> qeSvn() {
    return qeSvn;
  }

  public Optional<Bytes> reportData() {
    return reportData;
  }

  public Optional<Bytes> teeTcbSvn() {
    return teeTcbSvn;
  }

  public Optional<Bytes> teeTcbSvn2() {
    return teeTcbSvn2;
  }

  public Optional<QuoteBody> body() {
    return body;
  }

  public Instant at() {
    return at;
  }

  /** Whether the TD (TD_ATTRIBUTES.DEBUG) or enclave (ATTRIBUTES.DEBUG) is a debug one. */
  public boolean debug() {
    return debug;
  }

  @Override
  public String toString() {
    return tee + " v" + quoteVersion + " " + bodyType + " seed=" + seed
        + (platform != 0 ? " platform=" + platform : "") + " " + tcbStatus + " qe=" + qeTcbStatus
        + qeAdvisoryIds.map(a -> " qe-advisories=" + String.join(",", a)).orElse("")
        + (levelsDemandNewerModuleSvn ? " module-svn-by-identity" : "")
        + corruption.map(c -> " corrupt=" + c.cliName()).orElse("") + (debug ? " debug" : "");
  }

  /** Collects the choices; {@link #build()} refuses combinations that cannot exist. */
  public static final class Builder {
    private TeeType tee = TeeType.SGX;
    private int quoteVersion;
    private BodyType bodyType;
    private long seed = 1;
    private long platform;
    private TcbStatus tcbStatus = TcbStatus.UP_TO_DATE;
    private TcbStatus qeTcbStatus = TcbStatus.UP_TO_DATE;
    private List<String> qeAdvisoryIds;
    private boolean levelsDemandNewerModuleSvn;
    private Corruption corruption;
    private CaType caType = CaType.PLATFORM;
    private SgxType sgxType;
    private Bytes fmspc;
    private Bytes pceId = Bytes.fromHex("0000");
    private int pceSvn = 13;
    private List<Integer> sgxComponents = List.of(5, 5, 2, 2, 4, 1, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0);
    private Bytes cpuSvn;
    private Integer qeSvn;
    private Bytes reportData;
    private Bytes teeTcbSvn;
    private Bytes teeTcbSvn2;
    private QuoteBody body;
    private boolean debug;
    private Instant at = DEFAULT_AT;

    private Builder() {}

    public Builder tee(TeeType v) {
      tee = Objects.requireNonNull(v);
      return this;
    }

    /** 3, 4 or 5; 0 picks the default (3 for SGX, 4 for TDX). */
    public Builder quoteVersion(int v) {
      quoteVersion = v;
      return this;
    }

    /** The body for TDX v5: {@link BodyType#TD_REPORT_10} or {@link BodyType#TD_REPORT_15} (default). */
    public Builder bodyType(BodyType v) {
      bodyType = v;
      return this;
    }

    public Builder seed(long v) {
      seed = v;
      return this;
    }

    /**
     * Which machine quotes, 0 (default) or more. Platforms of one seed share the root, the PCK
     * CAs, the TCB signing certificate and the collateral byte for byte, and differ in everything
     * that is a machine's own: PCK leaf key and serial, PPID, platform instance id, attestation
     * key and QE id. Platform 0 is the seed's original platform.
     */
    public Builder platform(long v) {
      platform = v;
      return this;
    }

    /**
     * The status of the platform TCB level the platform matches; {@code TDRelaunchAdvised} (and
     * its configuration-needed variant) build Intel's relaunch situation for a TD 1.5 report. The
     * expected outcome converges it with the QE status by Intel's rules, so with the default QE
     * status it is the expected status itself.
     */
    public Builder tcbStatus(TcbStatus v) {
      tcbStatus = Objects.requireNonNull(v);
      return this;
    }

    /** The QE identity status for the QE's ISVSVN: UpToDate (default) or OutOfDate. */
    public Builder qeTcbStatus(TcbStatus v) {
      qeTcbStatus = Objects.requireNonNull(v);
      return this;
    }

    /**
     * The advisory IDs of the QE identity level the QE's ISVSVN matches, in place of the default
     * (none for an UpToDate QE, INTEL-SA-00477 and INTEL-SA-00615 for an OutOfDate one), or
     * {@code null} for the default. The expected advisory IDs list the QE level's new ones after
     * the platform level's, as dcapd and dcap-qvl report them (Intel's QvE {@code sa_list} has the
     * TCB info level's only).
     */
    public Builder qeAdvisoryIds(List<String> v) {
      qeAdvisoryIds = v == null ? null : List.copyOf(v);
      return this;
    }

    /**
     * TDX: every TCB level asks for a TDX module SVN (tdxtcbcomponents[0]) one above the quote's.
     * Intel skips that component when the module major version is above 0 and judges the module
     * by its {@code TDX_%02X} identity instead, so the case stays valid; a verifier comparing
     * all 16 components finds no level.
     */
    public Builder levelsDemandNewerModuleSvn(boolean v) {
      levelsDemandNewerModuleSvn = v;
      return this;
    }

    /** The one thing to get wrong, or {@code null} for a valid case. */
    public Builder corruption(Corruption v) {
      corruption = v;
      return this;
    }

    public Builder caType(CaType v) {
      caType = Objects.requireNonNull(v);
      return this;
    }

    /**
     * The PCK leaf's SGX type, one its CA issues: Standard under the Processor CA, Scalable or
     * ScalableWithIntegrity under the Platform CA; {@code null} for the CA's default. A type the
     * CA does not issue is the {@code pck-sgx-type-mismatch} corruption.
     */
    public Builder sgxType(SgxType v) {
      sgxType = v;
      return this;
    }

    public Builder fmspc(Bytes v) {
      fmspc = v;
      return this;
    }

    public Builder pceId(Bytes v) {
      pceId = Objects.requireNonNull(v);
      return this;
    }

    public Builder pceSvn(int v) {
      pceSvn = v;
      return this;
    }

    /** The 16 SGX TCB component SVNs of the PCK certificate. */
    public Builder sgxComponents(List<Integer> v) {
      sgxComponents = List.copyOf(v);
      return this;
    }

    /** The PCK certificate's raw CPUSVN; by default the 16 components in order. */
    public Builder cpuSvn(Bytes v) {
      cpuSvn = v;
      return this;
    }

    /** The quoting enclave's ISVSVN. */
    public Builder qeSvn(Integer v) {
      qeSvn = v;
      return this;
    }

    /** The 64 bytes of report data of the default body. */
    public Builder reportData(Bytes v) {
      reportData = v;
      return this;
    }

    /** TDX: the default body's tee_tcb_svn. */
    public Builder teeTcbSvn(Bytes v) {
      teeTcbSvn = v;
      return this;
    }

    /** TDX 1.5: the default body's tee_tcb_svn2. */
    public Builder teeTcbSvn2(Bytes v) {
      teeTcbSvn2 = v;
      return this;
    }

    /**
     * The whole body, every field chosen. TCB info is derived from it (tee_tcb_svn, MRSIGNERSEAM,
     * SEAM attributes), so any body yields a consistent case.
     */
    public Builder body(QuoteBody v) {
      body = v;
      return this;
    }

    /**
     * A debug TD (TD_ATTRIBUTES.DEBUG set) or debug enclave (ATTRIBUTES.DEBUG set), correctly
     * signed: it verifies as any other, and a policy must refuse it.
     */
    public Builder debug(boolean v) {
      debug = v;
      return this;
    }

    /** The verification instant written to {@code expected.json}. */
    public Builder at(Instant v) {
      at = Objects.requireNonNull(v);
      return this;
    }

    public ForgeSpec build() {
      return new ForgeSpec(this);
    }
  }
}
