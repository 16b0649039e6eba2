package dev.dcapd.verifier.policy;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.collateral.TcbStatus;
import dev.dcapd.verifier.quote.QuoteLayout;
import dev.dcapd.verifier.quote.TeeType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What a relying party requires of a verified quote beyond Intel's checks: which TEE, which
 * measurements, which report data, how fresh the verdict and how current the TCB. Immutable; made
 * with {@link #builder()} and applied by {@link PolicyCheck}.
 *
 * <p>Defaults fail closed where a default is a security decision: the minimum TCB status is
 * {@code UpToDate} and a verdict anchored in a non-Intel root is refused. A measurement the builder
 * was not given is not checked; one given with several values accepts any of them.
 */
public final class Policy {
  /** Bytes of TD report data and SGX report data. */
  public static final int REPORT_DATA_SIZE = 64;
  private static final int MRTD_SIZE = 48;
  private static final int MRENCLAVE_SIZE = 32;
  private static final int MRSIGNER_SIZE = 32;

  private final Optional<TeeType> teeType;
  private final Set<Bytes> mrTd;
  private final List<Set<Bytes>> rtmrs;
  private final Set<Bytes> mrEnclave;
  private final Set<Bytes> mrSigner;
  private final Optional<Bytes> reportData;
  private final TcbStatus minimumTcbStatus;
  private final Optional<Duration> maxAge;
  private final Optional<Set<String>> allowedAdvisoryIds;
  private final boolean insecureAllowNonIntelRoot;

  private Policy(Builder b) {
    this.teeType = b.teeType;
    this.mrTd = Set.copyOf(b.mrTd);
    List<Set<Bytes>> r = new ArrayList<>();
    for (Set<Bytes> s : b.rtmrs) {
      r.add(Set.copyOf(s));
    }
    this.rtmrs = List.copyOf(r);
    this.mrEnclave = Set.copyOf(b.mrEnclave);
    this.mrSigner = Set.copyOf(b.mrSigner);
    this.reportData = b.reportData;
    this.minimumTcbStatus = b.minimumTcbStatus;
    this.maxAge = b.maxAge;
    this.allowedAdvisoryIds = b.allowedAdvisoryIds.map(Set::copyOf);
    this.insecureAllowNonIntelRoot = b.insecureAllowNonIntelRoot;
  }

  public static Builder builder() {
    return new Builder();
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

  public Set<Bytes> mrEnclave() {
    return mrEnclave;
  }

  public Set<Bytes> mrSigner() {
    return mrSigner;
  }

  /** The exact 64-byte report data required, if any. */
  public Optional<Bytes> reportData() {
    return reportData;
  }

  /** The most severe TCB status accepted, in {@link TcbStatus}'s declaration order. */
  public TcbStatus minimumTcbStatus() {
    return minimumTcbStatus;
  }

  public Optional<Duration> maxAge() {
    return maxAge;
  }

  /** The advisory ids a verdict may name; empty when any advisory is accepted. */
  public Optional<Set<String>> allowedAdvisoryIds() {
    return allowedAdvisoryIds;
  }

  public boolean insecureAllowNonIntelRoot() {
    return insecureAllowNonIntelRoot;
  }

  /** Builds a {@link Policy}; refuses values that could never match a quote. */
  public static final class Builder {
    private Optional<TeeType> teeType = Optional.empty();
    private final Set<Bytes> mrTd = new LinkedHashSet<>();
    private final List<Set<Bytes>> rtmrs = new ArrayList<>();
    private final Set<Bytes> mrEnclave = new LinkedHashSet<>();
    private final Set<Bytes> mrSigner = new LinkedHashSet<>();
    private Optional<Bytes> reportData = Optional.empty();
    private TcbStatus minimumTcbStatus = TcbStatus.UP_TO_DATE;
    private Optional<Duration> maxAge = Optional.empty();
    private Optional<Set<String>> allowedAdvisoryIds = Optional.empty();
    private boolean insecureAllowNonIntelRoot;

    private Builder() {
      for (int i = 0; i < QuoteLayout.TD_RTMR_COUNT; i++) {
        rtmrs.add(new LinkedHashSet<>());
      }
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

    public Builder allowMrEnclave(Bytes... values) {
      addAll(mrEnclave, values, MRENCLAVE_SIZE, "MRENCLAVE");
      return this;
    }

    public Builder allowMrSigner(Bytes... values) {
      addAll(mrSigner, values, MRSIGNER_SIZE, "MRSIGNER");
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

    /** Refuses a verdict computed longer ago than this. */
    public Builder maxAge(Duration value) {
      if (value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException("a maximum age is positive, not " + value);
      }
      this.maxAge = Optional.of(value);
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

    public Policy build() {
      boolean tdMeasurements = !mrTd.isEmpty() || rtmrs.stream().anyMatch(s -> !s.isEmpty());
      boolean sgxMeasurements = !mrEnclave.isEmpty() || !mrSigner.isEmpty();
      if (tdMeasurements && sgxMeasurements) {
        throw new IllegalStateException("a policy names TDX measurements or SGX ones, not both");
      }
      if (teeType.isPresent() && (tdMeasurements && teeType.get() != TeeType.TDX
          || sgxMeasurements && teeType.get() != TeeType.SGX)) {
        throw new IllegalStateException("measurements do not fit TEE type " + teeType.get());
      }
      return new Policy(this);
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
