package dev.dcapd.verifier.collateral;

import static dev.dcapd.verifier.collateral.CollateralJson.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dcapd.verifier.DcapException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A platform TCB level of TCB info: the minimum SGX component SVNs and PCESVN (and for TDX the
 * minimum TDX component SVNs) a platform needs for the level's status to apply to it.
 *
 * <p>{@code sgxLabels} and {@code tdxLabels} hold the {@code category} and {@code type} that Intel's
 * PCS writes beside some component SVNs (v3). No check reads them; they are kept so that the level
 * writes back as it was read ({@link TcbInfo#toJson}). One label per component, {@link
 * ComponentLabel#NONE} where there is none; {@code tdxLabels} is empty when there are no TDX
 * components.
 */
public record TcbLevel(
    List<Integer> sgxComponents,
    int pceSvn,
    Optional<List<Integer>> tdxComponents,
    Instant tcbDate,
    TcbStatus tcbStatus,
    List<String> advisoryIds,
    List<ComponentLabel> sgxLabels,
    List<ComponentLabel> tdxLabels) {

  /** Intel's description of a TCB component, beside its SVN: both parts optional. */
  public record ComponentLabel(Optional<String> category, Optional<String> type) {
    /** No category and no type. */
    public static final ComponentLabel NONE = new ComponentLabel(Optional.empty(), Optional.empty());

    public ComponentLabel {
      Objects.requireNonNull(category, "category");
      Objects.requireNonNull(type, "type");
    }
  }

  /** Number of SGX (and of TDX) TCB components in a level. */
  public static final int COMPONENT_COUNT = 16;
  private static final List<ComponentLabel> NO_LABELS = Collections.nCopies(COMPONENT_COUNT, ComponentLabel.NONE);

  // A component SVN is a byte (the PCK certificate's and the TD report's are): Intel's QVL reads any
  // unsigned 32-bit value and keeps its low byte, so 256 would be judged as 0; dcapd refuses it.
  private static final long MAX_SVN = 0xff;
  private static final long MAX_PCESVN = 0xffff;
  private static final Set<TcbStatus> LEVEL_STATUSES =
      EnumSet.of(
          TcbStatus.UP_TO_DATE,
          TcbStatus.SW_HARDENING_NEEDED,
          TcbStatus.CONFIGURATION_NEEDED,
          TcbStatus.CONFIGURATION_AND_SW_HARDENING_NEEDED,
          TcbStatus.OUT_OF_DATE,
          TcbStatus.OUT_OF_DATE_CONFIGURATION_NEEDED,
          TcbStatus.REVOKED);

  /**
   * Intel's order of levels (QVL keeps them in a set ordered so): SGX component SVNs compared
   * lexicographically, highest first, then PCESVN, then the TDX component SVNs. The "latest"
   * level is the first in this order. JSON order is not trusted.
   */
  public static final Comparator<TcbLevel> INTEL_ORDER =
      ((Comparator<TcbLevel>) (a, b) -> compareSvns(a.sgxComponents, b.sgxComponents))
          .thenComparingInt(TcbLevel::pceSvn)
          .thenComparing((a, b) -> compareSvns(a.tdxComponents.orElse(List.of()), b.tdxComponents.orElse(List.of())))
          .reversed();

  public TcbLevel {
    sgxComponents = List.copyOf(sgxComponents);
    requireCount(sgxComponents, "sgxComponents");
    tdxComponents = tdxComponents.map(List::copyOf);
    tdxComponents.ifPresent(c -> requireCount(c, "tdxComponents"));
    Objects.requireNonNull(tcbDate, "tcbDate");
    Objects.requireNonNull(tcbStatus, "tcbStatus");
    advisoryIds = List.copyOf(advisoryIds);
    sgxLabels = List.copyOf(sgxLabels);
    requireCount(sgxLabels, "sgxLabels");
    tdxLabels = List.copyOf(tdxLabels);
    if (tdxComponents.isPresent()) {
      requireCount(tdxLabels, "tdxLabels");
    } else if (!tdxLabels.isEmpty()) {
      throw new IllegalArgumentException("tdxLabels without tdxComponents");
    }
  }

  /** A level whose components carry no labels. */
  public TcbLevel(List<Integer> sgxComponents, int pceSvn, Optional<List<Integer>> tdxComponents, Instant tcbDate,
      TcbStatus tcbStatus, List<String> advisoryIds) {
    this(sgxComponents, pceSvn, tdxComponents, tcbDate, tcbStatus, advisoryIds, NO_LABELS,
        tdxComponents.isPresent() ? NO_LABELS : List.of());
  }

  public int sgxComponent(int index) {
    return sgxComponents.get(index);
  }

  private static void requireCount(List<?> c, String name) {
    if (c.size() != COMPONENT_COUNT) {
      throw new IllegalArgumentException(name + " must have 16 entries, not " + c.size());
    }
  }

  private static int compareSvns(List<Integer> a, List<Integer> b) {
    int n = Math.min(a.size(), b.size());
    for (int i = 0; i < n; i++) {
      int c = Integer.compare(a.get(i), b.get(i));
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(a.size(), b.size());
  }

  /** A v2 level: {@code tcb} holds {@code sgxtcbcomp01svn..16svn} and {@code pcesvn}. */
  static TcbLevel parseV2(JsonNode n, String what) throws DcapException {
    if (!n.isObject()) {
      throw malformed(what + " is not an object");
    }
    JsonNode tcb = object(n, "tcb", what);
    List<Integer> sgx = new ArrayList<>(COMPONENT_COUNT);
    for (int i = 1; i <= COMPONENT_COUNT; i++) {
      sgx.add((int) integer(tcb, String.format(Locale.ROOT, "sgxtcbcomp%02dsvn", i), MAX_SVN, what + " tcb"));
    }
    return new TcbLevel(
        sgx,
        (int) integer(tcb, "pcesvn", MAX_PCESVN, what + " tcb"),
        Optional.empty(),
        instant(n, "tcbDate", what),
        status(n, LEVEL_STATUSES, what),
        strings(n, "advisoryIDs", what));
  }

  /** A v3 level: {@code tcb} holds {@code sgxtcbcomponents}, {@code pcesvn} and, for TDX, {@code tdxtcbcomponents}. */
  static TcbLevel parseV3(JsonNode n, boolean tdx, String what) throws DcapException {
    if (!n.isObject()) {
      throw malformed(what + " is not an object");
    }
    JsonNode tcb = object(n, "tcb", what);
    List<ComponentLabel> sgxLabels = new ArrayList<>(COMPONENT_COUNT);
    List<Integer> sgx = components(tcb, "sgxtcbcomponents", what, sgxLabels);
    List<ComponentLabel> tdxLabels = new ArrayList<>(tdx ? COMPONENT_COUNT : 0);
    Optional<List<Integer>> tdxComponents =
        tdx ? Optional.of(components(tcb, "tdxtcbcomponents", what, tdxLabels)) : Optional.empty();
    return new TcbLevel(
        sgx,
        (int) integer(tcb, "pcesvn", MAX_PCESVN, what + " tcb"),
        tdxComponents,
        instant(n, "tcbDate", what),
        status(n, LEVEL_STATUSES, what),
        strings(n, "advisoryIDs", what),
        sgxLabels,
        tdxLabels);
  }

  // Exactly 16 entries: a shorter list would leave SVNs unchecked (dcap-qvl GHSA-6q6c-vvf9-fj3w).
  private static List<Integer> components(JsonNode tcb, String key, String what, List<ComponentLabel> labels)
      throws DcapException {
    List<JsonNode> entries = array(tcb, key, what + " tcb");
    if (entries.size() != COMPONENT_COUNT) {
      throw malformed(what + " '" + key + "' has " + entries.size() + " entries, not 16");
    }
    List<Integer> svns = new ArrayList<>(COMPONENT_COUNT);
    for (int i = 0; i < COMPONENT_COUNT; i++) {
      JsonNode e = entries.get(i);
      if (!e.isObject()) {
        throw malformed(what + " '" + key + "'[" + i + "] is not an object");
      }
      svns.add((int) integer(e, "svn", MAX_SVN, what + " " + key + "[" + i + "]"));
      labels.add(label(e));
    }
    return svns;
  }

  /** The component's category and type where they are strings; anything else there is ignored, as before. */
  private static ComponentLabel label(JsonNode e) {
    Optional<String> category = optionalText(e, "category");
    Optional<String> type = optionalText(e, "type");
    return category.isEmpty() && type.isEmpty() ? ComponentLabel.NONE : new ComponentLabel(category, type);
  }

  private static Optional<String> optionalText(JsonNode e, String key) {
    JsonNode v = e.get(key);
    return v != null && v.isTextual() ? Optional.of(v.textValue()) : Optional.empty();
  }
}
