package dev.dcapd.verifier.policy;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.collateral.TcbStatus;
import dev.dcapd.verifier.quote.QuoteLayout;
import dev.dcapd.verifier.quote.TeeType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What a relying party requires of a verified quote beyond Intel's checks: which TEE, which
 * measurements and attributes, which report data, how fresh the verdict and its collateral and how
 * current the TCB. Immutable; made with {@link #builder()} or read from JSON by {@link PolicyJson}
 * ({@code docs/policy.md}), applied by {@link PolicyCheck}.
 *
 * <p>Defaults fail closed where a default is a security decision: debug TDs and enclaves are
 * refused, the minimum TCB status is {@code UpToDate} (the daemon's and a file's default: anything
 * but an out-of-date or revoked platform), and a verdict anchored in a non-Intel root is refused.
 * A measurement the builder was not given is not checked; one given with several values accepts
 * any of them. A policy may hold TDX rules, SGX rules or both (one file for a fleet
 * of both): a quote is judged by the rules for its TEE, and refused if the policy has rules only for
 * the other TEE. {@link #canonicalJson()} names the policy exactly, and
 * {@link #sha256()} is what a verdict reports as the policy that judged it.
 */
public final class Policy {
  /** Bytes of TD report data and SGX report data. */
  public static final int REPORT_DATA_SIZE = 64;
  static final int MRTD_SIZE = 48;
  static final int MRENCLAVE_SIZE = 32;
  static final int MRSIGNER_SIZE = 32;
  static final int TD_ATTRIBUTES_SIZE = 8;
  static final int XFAM_SIZE = 8;
  static final int TEE_TCB_SVN_SIZE = 16;
  static final int SGX_ATTRIBUTES_SIZE = 16;
  static final int MISCSELECT_SIZE = 4;
  /** The name of a policy built without one. */
  public static final String UNNAMED = "unnamed";
  /** The longest name a policy may have. */
  public static final int MAX_NAME_LENGTH = 200;
  /** The name {@link #daemonDefault()} has. */
  public static final String DEFAULT_NAME = "default";
  /** What {@link #withInsecureOptions} adds to the name when it accepts debug. */
  public static final String INSECURE_DEBUG_SUFFIX = "+insecure-allow-debug";
  /** What {@link #withInsecureOptions} adds to the name when it accepts the verifier's non-Intel root. */
  public static final String INSECURE_ROOT_SUFFIX = "+insecure-trust-root";
  /**
   * The most severe TCB status accepted when a policy does not say: every status but
   * {@code OutOfDate}, {@code OutOfDateConfigurationNeeded} and {@code Revoked}, which only a policy
   * that lists them accepts (Phala's API, too, refuses an outdated TCB).
   */
  public static final TcbStatus DEFAULT_MOST_SEVERE_TCB_STATUS = TcbStatus.TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED;

  private final String name;
  private final Optional<TeeType> teeType;
  private final Set<Bytes> mrTd;
  private final List<Set<Bytes>> rtmrs;
  private final Set<Bytes> mrConfigId;
  private final Set<Bytes> mrOwner;
  private final Set<Bytes> mrOwnerConfig;
  private final Optional<Masked> tdAttributes;
  private final Optional<Masked> xfam;
  private final Optional<Bytes> minimumTeeTcbSvn;
  private final Set<Bytes> mrEnclave;
  private final Set<Bytes> mrSigner;
  private final Optional<Masked> sgxAttributes;
  private final Optional<Masked> miscSelect;
  private final Optional<Integer> isvProdId;
  private final Optional<Integer> minimumIsvSvn;
  private final Optional<Bytes> reportData;
  private final TcbStatus minimumTcbStatus;
  private final Optional<Set<TcbStatus>> allowedTcbStatuses;
  private final Optional<Duration> maxAge;
  private final Optional<Duration> maxCollateralAge;
  private final Optional<Duration> outOfDateGrace;
  private final Optional<Set<String>> allowedAdvisoryIds;
  private final boolean insecureAllowNonIntelRoot;
  private final boolean insecureAllowDebug;
  private volatile String canonical;
  private volatile String sha256;

  private Policy(Builder b) {
    this.name = b.name;
    this.teeType = b.teeType;
    this.mrTd = Set.copyOf(b.mrTd);
    List<Set<Bytes>> r = new ArrayList<>();
    for (Set<Bytes> s : b.rtmrs) {
      r.add(Set.copyOf(s));
    }
    this.rtmrs = List.copyOf(r);
    this.mrConfigId = Set.copyOf(b.mrConfigId);
    this.mrOwner = Set.copyOf(b.mrOwner);
    this.mrOwnerConfig = Set.copyOf(b.mrOwnerConfig);
    this.tdAttributes = b.tdAttributes;
    this.xfam = b.xfam;
    this.minimumTeeTcbSvn = b.minimumTeeTcbSvn;
    this.mrEnclave = Set.copyOf(b.mrEnclave);
    this.mrSigner = Set.copyOf(b.mrSigner);
    this.sgxAttributes = b.sgxAttributes;
    this.miscSelect = b.miscSelect;
    this.isvProdId = b.isvProdId;
    this.minimumIsvSvn = b.minimumIsvSvn;
    this.reportData = b.reportData;
    this.minimumTcbStatus = b.minimumTcbStatus;
    this.allowedTcbStatuses = b.allowedTcbStatuses.map(s -> Set.copyOf(s));
    this.maxAge = b.maxAge;
    this.maxCollateralAge = b.maxCollateralAge;
    this.outOfDateGrace = b.outOfDateGrace;
    this.allowedAdvisoryIds = b.allowedAdvisoryIds.map(Set::copyOf);
    this.insecureAllowNonIntelRoot = b.insecureAllowNonIntelRoot;
    this.insecureAllowDebug = b.insecureAllowDebug;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * The daemon's and the CLI's policy when given none, named {@value #DEFAULT_NAME}: Intel's checks
   * decide, except that an out-of-date platform ({@code OutOfDate}, {@code OutOfDateConfigurationNeeded})
   * is refused ({@code TCB_STATUS}); any advisory is accepted; debug TDs and enclaves and non-Intel
   * roots are refused (see {@link #withInsecureOptions}).
   */
  public static Policy daemonDefault() {
    return builder()
        .name(DEFAULT_NAME)
        .minimumTcbStatus(DEFAULT_MOST_SEVERE_TCB_STATUS)
        .build();
  }

  /**
   * This policy as the daemon or the CLI applies it under their insecure options: with debug
   * accepted ({@code --insecure-allow-debug}) and with the verifier's own non-Intel root accepted
   * ({@code --insecure-trust-root} / {@code --insecure-root}, which every verdict reports). Its name
   * records each option given, {@value #INSECURE_DEBUG_SUFFIX} then {@value #INSECURE_ROOT_SUFFIX}
   * (so {@code default+insecure-allow-debug+insecure-trust-root}), the name before them cut short
   * if it would pass {@value #MAX_NAME_LENGTH} characters. This policy itself when neither is given.
   */
  public Policy withInsecureOptions(boolean allowDebug, boolean nonIntelRoot) {
    if (!allowDebug && !nonIntelRoot) {
      return this;
    }
    Builder b = toBuilder();
    String suffix = "";
    if (allowDebug) {
      b.insecureAllowDebug();
      suffix += INSECURE_DEBUG_SUFFIX;
    }
    if (nonIntelRoot) {
      b.insecureAllowNonIntelRoot();
      suffix += INSECURE_ROOT_SUFFIX;
    }
    if (!name.endsWith(suffix)) {
      int keep = Math.min(name.length(), MAX_NAME_LENGTH - suffix.length());
      if (keep > 0 && keep < name.length() && Character.isHighSurrogate(name.charAt(keep - 1))) {
        keep--;
      }
      b.name(name.substring(0, keep) + suffix);
    }
    return b.build();
  }

  /** A builder holding every rule of this policy. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.name = name;
    b.teeType = teeType;
    b.mrTd.addAll(mrTd);
    for (int i = 0; i < rtmrs.size(); i++) {
      b.rtmrs.get(i).addAll(rtmrs.get(i));
    }
    b.mrConfigId.addAll(mrConfigId);
    b.mrOwner.addAll(mrOwner);
    b.mrOwnerConfig.addAll(mrOwnerConfig);
    b.tdAttributes = tdAttributes;
    b.xfam = xfam;
    b.minimumTeeTcbSvn = minimumTeeTcbSvn;
    b.mrEnclave.addAll(mrEnclave);
    b.mrSigner.addAll(mrSigner);
    b.sgxAttributes = sgxAttributes;
    b.miscSelect = miscSelect;
    b.isvProdId = isvProdId;
    b.minimumIsvSvn = minimumIsvSvn;
    b.reportData = reportData;
    b.minimumTcbStatus = minimumTcbStatus;
    b.allowedTcbStatuses = allowedTcbStatuses.map(s -> s.isEmpty() ? EnumSet.noneOf(TcbStatus.class) : EnumSet.copyOf(s));
    b.maxAge = maxAge;
    b.maxCollateralAge = maxCollateralAge;
    b.outOfDateGrace = outOfDateGrace;
    b.allowedAdvisoryIds = allowedAdvisoryIds.map(LinkedHashSet::new);
    b.insecureAllowNonIntelRoot = insecureAllowNonIntelRoot;
    b.insecureAllowDebug = insecureAllowDebug;
    return b;
  }

  public String name() {
    return name;
  }

  public Optional<TeeType> teeType() {
    return teeType;
  }

  /** Accepted MRTD values; empty when MRTD is not checked. */
  public Set<Bytes> mrTd() {
    return mrTd;
  }

  /** Accepted values of RTMR {@code index} (0-3); empty when it is not checked. */
  public Set<Bytes> rtmr(int index) {
    return rtmrs.get(index);
  }

  public Set<Bytes> mrConfigId() {
    return mrConfigId;
  }

  public Set<Bytes> mrOwner() {
    return mrOwner;
  }

  public Set<Bytes> mrOwnerConfig() {
    return mrOwnerConfig;
  }

  public Optional<Masked> tdAttributes() {
    return tdAttributes;
  }

  public Optional<Masked> xfam() {
    return xfam;
  }

  /** The lowest TEE TCB SVN accepted, component by component (16 bytes). */
  public Optional<Bytes> minimumTeeTcbSvn() {
    return minimumTeeTcbSvn;
  }

  public Set<Bytes> mrEnclave() {
    return mrEnclave;
  }

  public Set<Bytes> mrSigner() {
    return mrSigner;
  }

  public Optional<Masked> sgxAttributes() {
    return sgxAttributes;
  }

  /** MISCSELECT rule, as 4 bytes in the quote's (little-endian) order. */
  public Optional<Masked> miscSelect() {
    return miscSelect;
  }

  public Optional<Integer> isvProdId() {
    return isvProdId;
  }

  public Optional<Integer> minimumIsvSvn() {
    return minimumIsvSvn;
  }

  /** The exact 64-byte report data required, if any. */
  public Optional<Bytes> reportData() {
    return reportData;
  }

  /** The most severe TCB status accepted, in {@link TcbStatus}'s declaration order. */
  public TcbStatus minimumTcbStatus() {
    return minimumTcbStatus;
  }

  /** The TCB statuses accepted, if the policy lists them (on top of {@link #minimumTcbStatus}). */
  public Optional<Set<TcbStatus>> allowedTcbStatuses() {
    return allowedTcbStatuses;
  }

  /** Every TCB status this policy accepts: up to the minimum, and among those listed if listed. */
  public Set<TcbStatus> acceptedTcbStatuses() {
    Set<TcbStatus> out = EnumSet.noneOf(TcbStatus.class);
    for (TcbStatus s : TcbStatus.values()) {
      if (s != TcbStatus.REVOKED && s.ordinal() <= minimumTcbStatus.ordinal()
          && (allowedTcbStatuses.isEmpty() || allowedTcbStatuses.get().contains(s))) {
        out.add(s);
      }
    }
    return out;
  }

  /** The oldest verdict accepted. */
  public Optional<Duration> maxAge() {
    return maxAge;
  }

  /** The oldest collateral accepted (by the older of its TCB info's and QE identity's issue dates). */
  public Optional<Duration> maxCollateralAge() {
    return maxCollateralAge;
  }

  /**
   * How long after its matched TCB level's {@code tcbDate} an out-of-date platform is accepted, if
   * the policy accepts {@code OutOfDate} or {@code OutOfDateConfigurationNeeded} only for a while;
   * empty when it accepts them for good (or not at all).
   */
  public Optional<Duration> outOfDateGrace() {
    return outOfDateGrace;
  }

  /** The advisory ids a verdict may name; empty when any advisory is accepted. */
  public Optional<Set<String>> allowedAdvisoryIds() {
    return allowedAdvisoryIds;
  }

  public boolean insecureAllowNonIntelRoot() {
    return insecureAllowNonIntelRoot;
  }

  /** Whether debug TDs and enclaves are accepted (never by default). */
  public boolean insecureAllowDebug() {
    return insecureAllowDebug;
  }

  /** Whether {@code status} says the platform is out of date: what {@link #outOfDateGrace} applies to. */
  static boolean outOfDate(TcbStatus status) {
    return status == TcbStatus.OUT_OF_DATE || status == TcbStatus.OUT_OF_DATE_CONFIGURATION_NEEDED;
  }

  /** Whether the policy has a rule on a TD report's fields (its {@code tdx} section). */
  boolean hasTdxRules() {
    return !mrTd.isEmpty() || rtmrs.stream().anyMatch(s -> !s.isEmpty()) || !mrConfigId.isEmpty()
        || !mrOwner.isEmpty() || !mrOwnerConfig.isEmpty() || tdAttributes.isPresent() || xfam.isPresent()
        || minimumTeeTcbSvn.isPresent();
  }

  /** Whether the policy has a rule on an SGX enclave report's fields (its {@code sgx} section). */
  boolean hasSgxRules() {
    return !mrEnclave.isEmpty() || !mrSigner.isEmpty() || sgxAttributes.isPresent() || miscSelect.isPresent()
        || isvProdId.isPresent() || minimumIsvSvn.isPresent();
  }

  /**
   * The policy as canonical JSON: sorted keys, every rule explicit ({@code null} when unchecked),
   * lower-case 0x hex, no spaces. {@link PolicyJson#parse(String)} reads it back as an equal policy.
   */
  public String canonicalJson() {
    String c = canonical;
    if (c == null) {
      c = PolicyJson.canonical(this);
      canonical = c;
    }
    return c;
  }

  /** Lower-case hex SHA-256 of {@link #canonicalJson()}: the policy's identity in verdicts. */
  public String sha256() {
    String h = sha256;
    if (h == null) {
      h = PolicyJson.sha256(canonicalJson());
      sha256 = h;
    }
    return h;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Policy p && p.canonicalJson().equals(canonicalJson());
  }

  @Override
  public int hashCode() {
    return canonicalJson().hashCode();
  }

  @Override
  public String toString() {
    return "Policy[" + name + " " + sha256() + "]";
  }

  /** Builds a {@link Policy}; refuses values that could never match a quote. */
  public static final class Builder {
    private String name = UNNAMED;
    private Optional<TeeType> teeType = Optional.empty();
    private final Set<Bytes> mrTd = new LinkedHashSet<>();
    private final List<Set<Bytes>> rtmrs = new ArrayList<>();
    private final Set<Bytes> mrConfigId = new LinkedHashSet<>();
    private final Set<Bytes> mrOwner = new LinkedHashSet<>();
    private final Set<Bytes> mrOwnerConfig = new LinkedHashSet<>();
    private Optional<Masked> tdAttributes = Optional.empty();
    private Optional<Masked> xfam = Optional.empty();
    private Optional<Bytes> minimumTeeTcbSvn = Optional.empty();
    private final Set<Bytes> mrEnclave = new LinkedHashSet<>();
    private final Set<Bytes> mrSigner = new LinkedHashSet<>();
    private Optional<Masked> sgxAttributes = Optional.empty();
    private Optional<Masked> miscSelect = Optional.empty();
    private Optional<Integer> isvProdId = Optional.empty();
    private Optional<Integer> minimumIsvSvn = Optional.empty();
    private Optional<Bytes> reportData = Optional.empty();
    private TcbStatus minimumTcbStatus = TcbStatus.UP_TO_DATE;
    private Optional<Set<TcbStatus>> allowedTcbStatuses = Optional.empty();
    private Optional<Duration> maxAge = Optional.empty();
    private Optional<Duration> maxCollateralAge = Optional.empty();
    private Optional<Duration> outOfDateGrace = Optional.empty();
    private Optional<Set<String>> allowedAdvisoryIds = Optional.empty();
    private boolean insecureAllowNonIntelRoot;
    private boolean insecureAllowDebug;

    private Builder() {
      for (int i = 0; i < QuoteLayout.TD_RTMR_COUNT; i++) {
        rtmrs.add(new LinkedHashSet<>());
      }
    }

    /** The name verdicts report (default {@value #UNNAMED}). */
    public Builder name(String value) {
      Objects.requireNonNull(value, "name");
      if (value.isBlank() || value.length() > MAX_NAME_LENGTH) {
        throw new IllegalArgumentException("a policy name is 1 to " + MAX_NAME_LENGTH + " characters, not blank");
      }
      this.name = value;
      return this;
    }

    public Builder teeType(TeeType value) {
      this.teeType = Optional.of(Objects.requireNonNull(value, "teeType"));
      return this;
    }

    /** Accepts a quote whose MRTD is any of the values given over all calls. */
    public Builder allowMrTd(Bytes... values) {
      addAll(mrTd, values, MRTD_SIZE, "MRTD");
      return this;
    }

    /** Accepts a quote whose RTMR {@code index} (0-3) is any of the values given. */
    public Builder allowRtmr(int index, Bytes... values) {
      if (index < 0 || index >= QuoteLayout.TD_RTMR_COUNT) {
        throw new IllegalArgumentException("RTMR index is 0-3, not " + index);
      }
      addAll(rtmrs.get(index), values, QuoteLayout.TD_RTMR_SIZE, "RTMR" + index);
      return this;
    }

    public Builder allowMrConfigId(Bytes... values) {
      addAll(mrConfigId, values, MRTD_SIZE, "MRCONFIGID");
      return this;
    }

    public Builder allowMrOwner(Bytes... values) {
      addAll(mrOwner, values, MRTD_SIZE, "MROWNER");
      return this;
    }

    public Builder allowMrOwnerConfig(Bytes... values) {
      addAll(mrOwnerConfig, values, MRTD_SIZE, "MROWNERCONFIG");
      return this;
    }

    /** TD attributes (8 bytes as in the quote) must have {@code value}'s bits under {@code mask}. */
    public Builder tdAttributes(Bytes mask, Bytes value) {
      this.tdAttributes = Optional.of(sized(new Masked(mask, value), TD_ATTRIBUTES_SIZE, "TD attributes"));
      return this;
    }

    /** XFAM (8 bytes as in the quote) must have {@code value}'s bits under {@code mask}. */
    public Builder xfam(Bytes mask, Bytes value) {
      this.xfam = Optional.of(sized(new Masked(mask, value), XFAM_SIZE, "XFAM"));
      return this;
    }

    /** Every component of the TEE TCB SVN (16 bytes) must be at least this one's. */
    public Builder minimumTeeTcbSvn(Bytes value) {
      if (value.length() != TEE_TCB_SVN_SIZE) {
        throw new IllegalArgumentException("TEE TCB SVN is " + TEE_TCB_SVN_SIZE + " bytes, not " + value.length());
      }
      this.minimumTeeTcbSvn = Optional.of(value);
      return this;
    }

    public Builder allowMrEnclave(Bytes... values) {
      addAll(mrEnclave, values, MRENCLAVE_SIZE, "MRENCLAVE");
      return this;
    }

    public Builder allowMrSigner(Bytes... values) {
      addAll(mrSigner, values, MRSIGNER_SIZE, "MRSIGNER");
      return this;
    }

    /** SGX ATTRIBUTES (16 bytes as in the quote) must have {@code value}'s bits under {@code mask}. */
    public Builder sgxAttributes(Bytes mask, Bytes value) {
      this.sgxAttributes = Optional.of(sized(new Masked(mask, value), SGX_ATTRIBUTES_SIZE, "SGX attributes"));
      return this;
    }

    /** MISCSELECT (a u32) must have {@code value}'s bits under {@code mask}. */
    public Builder miscSelect(long mask, long value) {
      this.miscSelect = Optional.of(new Masked(le32(mask, "MISCSELECT mask"), le32(value, "MISCSELECT value")));
      return this;
    }

    public Builder isvProdId(int value) {
      this.isvProdId = Optional.of(u16(value, "ISVPRODID"));
      return this;
    }

    public Builder minimumIsvSvn(int value) {
      this.minimumIsvSvn = Optional.of(u16(value, "ISVSVN"));
      return this;
    }

    /**
     * Requires this report data: 64 bytes, or fewer, in which case the report data must start with
     * them and be zero after (the common layout of a 32-byte hash in a 64-byte field).
     */
    public Builder reportData(Bytes value) {
      Objects.requireNonNull(value, "reportData");
      if (value.length() == 0 || value.length() > REPORT_DATA_SIZE) {
        throw new IllegalArgumentException("report data is 1 to 64 bytes, not " + value.length());
      }
      byte[] padded = new byte[REPORT_DATA_SIZE];
      value.copyTo(padded, 0);
      this.reportData = Optional.of(Bytes.of(padded));
      return this;
    }

    /** Accepts TCB statuses up to and including this one in severity (default {@code UpToDate}). */
    public Builder minimumTcbStatus(TcbStatus value) {
      this.minimumTcbStatus = Objects.requireNonNull(value, "minimumTcbStatus");
      if (value == TcbStatus.REVOKED) {
        throw new IllegalArgumentException("a revoked TCB is never acceptable");
      }
      return this;
    }

    /**
     * Accepts only these TCB statuses (and, as ever, none more severe than the minimum). Lets a
     * policy accept, say, UpToDate and SWHardeningNeeded but not ConfigurationNeeded.
     */
    public Builder allowedTcbStatuses(TcbStatus... values) {
      Set<TcbStatus> s = EnumSet.noneOf(TcbStatus.class);
      for (TcbStatus v : values) {
        if (Objects.requireNonNull(v, "TCB status") == TcbStatus.REVOKED) {
          throw new IllegalArgumentException("a revoked TCB is never acceptable");
        }
        s.add(v);
      }
      if (s.isEmpty()) {
        throw new IllegalArgumentException("at least one TCB status");
      }
      this.allowedTcbStatuses = Optional.of(s);
      return this;
    }

    /** Refuses a verdict computed longer ago than this. */
    public Builder maxAge(Duration value) {
      this.maxAge = Optional.of(positive(value, "maximum age"));
      return this;
    }

    /** Refuses a verdict whose collateral was issued longer ago than this. */
    public Builder maxCollateralAge(Duration value) {
      this.maxCollateralAge = Optional.of(positive(value, "maximum collateral age"));
      return this;
    }

    /**
     * Accepts an out-of-date platform ({@code OutOfDate}, {@code OutOfDateConfigurationNeeded}, when
     * the policy accepts that status) only until this long after its matched TCB level's
     * {@code tcbDate}, judged at the instant of the check.
     */
    public Builder outOfDateGrace(Duration value) {
      this.outOfDateGrace = Optional.of(positive(value, "grace for an out-of-date platform"));
      return this;
    }

    /** Accepts a verdict only if every advisory id it names is one of these (none: no advisory at all). */
    public Builder allowedAdvisoryIds(String... ids) {
      Set<String> s = new LinkedHashSet<>(allowedAdvisoryIds.orElse(Set.of()));
      for (String id : ids) {
        s.add(Objects.requireNonNull(id, "advisory id"));
      }
      this.allowedAdvisoryIds = Optional.of(s);
      return this;
    }

    /** Accepts verdicts anchored in a root other than Intel's (test and load-generation setups only). */
    public Builder insecureAllowNonIntelRoot() {
      this.insecureAllowNonIntelRoot = true;
      return this;
    }

    /**
     * Accepts debug TDs and enclaves. Their host can read and write their memory, so nothing they
     * report (report data, keys bound there) proves anything: tests only.
     */
    public Builder insecureAllowDebug() {
      this.insecureAllowDebug = true;
      return this;
    }

    public Policy build() {
      Policy p = new Policy(this);
      if (teeType.isPresent()
          && (p.hasTdxRules() && teeType.get() != TeeType.TDX || p.hasSgxRules() && teeType.get() != TeeType.SGX)) {
        throw new IllegalStateException("the rules do not fit TEE type " + teeType.get());
      }
      if (allowedTcbStatuses.isPresent()) {
        boolean any = allowedTcbStatuses.get().stream().anyMatch(s -> s.ordinal() <= minimumTcbStatus.ordinal());
        if (!any) {
          throw new IllegalStateException("no listed TCB status is within the minimum " + minimumTcbStatus);
        }
      }
      if (outOfDateGrace.isPresent() && p.acceptedTcbStatuses().stream().noneMatch(Policy::outOfDate)) {
        throw new IllegalStateException("out_of_date_grace: a grace for an out-of-date platform needs OutOfDate "
            + "or OutOfDateConfigurationNeeded among the TCB statuses accepted");
      }
      return p;
    }

    private static Masked sized(Masked m, int size, String name) {
      if (m.mask().length() != size) {
        throw new IllegalArgumentException(name + " mask and value are " + size + " bytes, not " + m.mask().length());
      }
      return m;
    }

    private static Bytes le32(long v, String name) {
      if (v < 0 || v > 0xffffffffL) {
        throw new IllegalArgumentException(name + " is a u32, not " + v);
      }
      return Bytes.of(new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)});
    }

    private static int u16(int v, String name) {
      if (v < 0 || v > 0xffff) {
        throw new IllegalArgumentException(name + " is a u16, not " + v);
      }
      return v;
    }

    private static Duration positive(Duration value, String what) {
      if (value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException("a " + what + " is positive, not " + value);
      }
      return value;
    }

    private static void addAll(Set<Bytes> into, Bytes[] values, int size, String name) {
      if (values.length == 0) {
        throw new IllegalArgumentException(name + ": at least one value");
      }
      for (Bytes v : values) {
        if (v.length() != size) {
          throw new IllegalArgumentException(name + " is " + size + " bytes, not " + v.length());
        }
        into.add(v);
      }
    }
  }
}
