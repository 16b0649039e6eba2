package dev.dcapd.testkit;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.collateral.EnclaveTcbLevel;
import dev.dcapd.verifier.collateral.QeIdentity;
import dev.dcapd.verifier.collateral.TcbInfo;
import dev.dcapd.verifier.collateral.TcbLevel;
import dev.dcapd.verifier.collateral.TcbStatus;
import dev.dcapd.verifier.collateral.TdxModule;
import dev.dcapd.verifier.collateral.TdxModuleIdentity;
import dev.dcapd.verifier.quote.QuoteBody;
import dev.dcapd.verifier.quote.TdReport;
import dev.dcapd.verifier.quote.TeeType;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The TCB side of a forged case: TCB info levels and TDX module identities built around the
 * platform's own SVNs so that it lands on the chosen status, the QE identity, and the outcome
 * Intel's rules give for them (QVL {@code checkTcbLevel}: module convergence, TD relaunch, QE
 * convergence). It builds the verifier's own model of TCB info and QE identity, which writes the
 * text that gets signed ({@link TcbInfo#toJson}, {@link QeIdentity#toJson}).
 */
final class TcbRecipe {
  static final Instant LATEST_TCB_DATE = Instant.parse("2024-11-13T00:00:00Z");
  static final Instant TARGET_TCB_DATE = Instant.parse("2024-03-13T00:00:00Z");
  static final Instant OLD_TCB_DATE = Instant.parse("2023-02-15T00:00:00Z");
  static final int TCB_EVALUATION_DATA_NUMBER = 17;
  static final Bytes QE_ATTRIBUTES = Bytes.fromHex("11000000000000000000000000000000");
  static final Bytes QE_ATTRIBUTES_MASK = Bytes.fromHex("fbffffffffffffff0000000000000000");
  /** Inside the mask (0xFB) and absent from the QE's attributes (0x11): bit 0x20 of byte 0. */
  static final Bytes OTHER_QE_ATTRIBUTES = Bytes.fromHex("31000000000000000000000000000000");
  static final Bytes MISCSELECT = Bytes.fromHex("00000000");
  static final Bytes MISCSELECT_MASK = Bytes.fromHex("ffffffff");
  static final Bytes SEAM_ATTRIBUTES_MASK = Bytes.fromHex("ffffffffffffffff");
  static final List<String> QE_OUT_OF_DATE_ADVISORIES = List.of("INTEL-SA-00477", "INTEL-SA-00615");
  private static final Duration NOT_YET_VALID_SPAN = Duration.ofDays(365);

  private final ForgeSpec spec;
  private final Corruption corruption;
  private final Drbg drbg;
  private final TdReport td;
  private final List<Integer> quoteTdx;
  private final boolean relaunch;
  private final TcbStatus levelStatus;

  TcbRecipe(ForgeSpec spec, Drbg drbg, QuoteBody body) {
    this.spec = spec;
    this.corruption = spec.corruption().orElse(null);
    this.drbg = drbg;
    this.td = body instanceof TdReport t ? t : null;
    this.quoteTdx = td == null ? List.of() : Forge.componentList(td.teeTcbSvn());
    this.relaunch = isRelaunch(spec.tcbStatus());
    if (td != null && !td.seamAttributes().isAllZero()) {
      throw new IllegalArgumentException("SEAM attributes must be zero: Intel accepts no other TDX module");
    }
    if (relaunch) {
      requireRelaunchable();
    }
    // Relaunch is reached from a TDX level that is out of date while the running module is not.
    this.levelStatus = switch (spec.tcbStatus()) {
      case TD_RELAUNCH_ADVISED -> TcbStatus.OUT_OF_DATE;
      case TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED -> TcbStatus.OUT_OF_DATE_CONFIGURATION_NEEDED;
      default -> spec.tcbStatus();
    };
  }

  static boolean isRelaunch(TcbStatus s) {
    return s == TcbStatus.TD_RELAUNCH_ADVISED || s == TcbStatus.TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED;
  }

  /** The advisory IDs the testkit puts on a platform TCB level of {@code status}. */
  static List<String> advisories(TcbStatus status) {
    return switch (status) {
      case UP_TO_DATE -> List.of();
      case SW_HARDENING_NEEDED -> List.of("INTEL-SA-00615");
      case CONFIGURATION_NEEDED -> List.of("INTEL-SA-00289");
      case CONFIGURATION_AND_SW_HARDENING_NEEDED -> List.of("INTEL-SA-00289", "INTEL-SA-00615");
      case OUT_OF_DATE -> List.of("INTEL-SA-00828", "INTEL-SA-00837");
      case OUT_OF_DATE_CONFIGURATION_NEEDED -> List.of("INTEL-SA-00289", "INTEL-SA-00828");
      case REVOKED -> List.of("INTEL-SA-00233");
      default -> throw new IllegalArgumentException(status + " is not a platform TCB level status");
    };
  }

  private void requireRelaunchable() {
    if (td == null || td.teeTcbSvn2().isEmpty() || quoteTdx.get(1) == 0) {
      throw new IllegalArgumentException("TD relaunch needs a TD 1.5 report with a module major version > 0");
    }
    Bytes svn2 = td.teeTcbSvn2().get();
    if (svn2.unsigned(1) != quoteTdx.get(1) || svn2.unsigned(0) < quoteTdx.get(0) + 1
        || svn2.unsigned(2) < quoteTdx.get(2) + 1) {
      throw new IllegalArgumentException(
          "for TD relaunch, tee_tcb_svn2 must be the same module version with a higher SVN and SEAM loader");
    }
  }

  /**
   * TCB info whose level for the platform's exact SVNs has the chosen status, with an UpToDate
   * level above it (higher PCESVN, or for relaunch a higher TDX module and SEAM loader) and an
   * OutOfDate level below; levels in Intel's descending order.
   */
  TcbInfo tcbInfo(Bytes fmspc, Instant expiredAt, Instant futureAt) {
    List<Integer> comps = spec.sgxComponents();
    int pceSvn = spec.pceSvn();
    List<Integer> tdx = quoteTdx;
    if (spec.levelsDemandNewerModuleSvn()) {
      if (quoteTdx.get(1) == 0) {
        throw new IllegalArgumentException("levels can leave the module SVN to its identity only for module version > 0");
      }
      tdx = withIncrements(quoteTdx, 0);
    }
    TcbStatus status = corruption == Corruption.REVOKED_TCB_LEVEL ? TcbStatus.REVOKED : levelStatus;
    List<TcbLevel> levels = new ArrayList<>();
    if (relaunch) {
      levels.add(level(comps, pceSvn, withIncrements(tdx, 0, 2), LATEST_TCB_DATE, TcbStatus.UP_TO_DATE, List.of()));
    } else if (status != TcbStatus.UP_TO_DATE || corruption == Corruption.NO_MATCHING_TCB_LEVEL) {
      levels.add(level(comps, pceSvn + 1, tdx, LATEST_TCB_DATE, TcbStatus.UP_TO_DATE, List.of()));
    }
    if (corruption != Corruption.NO_MATCHING_TCB_LEVEL) {
      levels.add(level(comps, pceSvn, tdx, TARGET_TCB_DATE, status, advisories(status)));
      levels.add(level(comps, pceSvn - 1, tdx, OLD_TCB_DATE, TcbStatus.OUT_OF_DATE, advisories(TcbStatus.OUT_OF_DATE)));
    }
    Optional<TdxModule> module = Optional.empty();
    List<TdxModuleIdentity> identities = new ArrayList<>();
    if (td != null) {
      Bytes signer = corruption == Corruption.TDX_MODULE_MRSIGNER
          ? Bytes.of(drbg.bytes("case/tdx/other-module-signer", 48)) : td.mrSignerSeam();
      TdxModule seam = new TdxModule(signer, td.seamAttributes(), SEAM_ATTRIBUTES_MASK);
      module = Optional.of(seam);
      int version = quoteTdx.get(1);
      int moduleSvn = quoteTdx.get(0);
      if (version > 0) {
        // For relaunch the TD's module is out of date and the running one (tee_tcb_svn2) is not.
        List<EnclaveTcbLevel> moduleLevels = relaunch
            ? List.of(new EnclaveTcbLevel(moduleSvn + 1, LATEST_TCB_DATE, TcbStatus.UP_TO_DATE, List.of()),
                new EnclaveTcbLevel(moduleSvn, TARGET_TCB_DATE, TcbStatus.OUT_OF_DATE, List.of()))
            : List.of(new EnclaveTcbLevel(moduleSvn, TARGET_TCB_DATE, TcbStatus.UP_TO_DATE, List.of()));
        int named = corruption == Corruption.UNKNOWN_TDX_MODULE_VERSION ? (version + 1) & 0xff : version;
        identities.add(new TdxModuleIdentity(TdxModuleIdentity.idFor(named), seam, moduleLevels));
      } else if (corruption == Corruption.UNKNOWN_TDX_MODULE_VERSION) {
        throw new IllegalArgumentException("unknown-tdx-module-version needs a module major version > 0");
      }
    }
    Bytes infoFmspc = corruption == Corruption.FMSPC_MISMATCH ? Forge.flipLastBit(fmspc) : fmspc;
    Bytes pceId = corruption == Corruption.PCE_ID_MISMATCH ? Forge.flipLastBit(spec.pceId()) : spec.pceId();
    Instant issueDate = Forge.ISSUE_DATE;
    Instant nextUpdate = Forge.NEXT_UPDATE;
    if (corruption == Corruption.EXPIRED_TCB_INFO) {
      nextUpdate = expiredAt;
    } else if (corruption == Corruption.COLLATERAL_NOT_YET_VALID) {
      issueDate = futureAt;
      nextUpdate = Forge.NEXT_UPDATE.isAfter(futureAt) ? Forge.NEXT_UPDATE : futureAt.plus(NOT_YET_VALID_SPAN);
    }
    return new TcbInfo(spec.tee(), 3, issueDate, nextUpdate, infoFmspc, pceId, 0, TCB_EVALUATION_DATA_NUMBER, module,
        identities, levels);
  }

  /** A platform level; SGX levels ({@code tdx} empty) have no TDX components. */
  private static TcbLevel level(List<Integer> sgx, int pceSvn, List<Integer> tdx, Instant tcbDate, TcbStatus status,
      List<String> advisoryIds) {
    return new TcbLevel(sgx, pceSvn, tdx.isEmpty() ? Optional.empty() : Optional.of(tdx), tcbDate, status, advisoryIds);
  }

  /** The QE identity: the QE's ISVSVN lands on the chosen QE status. */
  QeIdentity qeIdentity(Bytes mrSigner, int prodId, int qeSvn) {
    List<EnclaveTcbLevel> levels;
    List<String> matched = qeLevelAdvisories();
    if (corruption == Corruption.QE_TCB_REVOKED) {
      levels = List.of(new EnclaveTcbLevel(qeSvn + 1, LATEST_TCB_DATE, TcbStatus.UP_TO_DATE, List.of()),
          new EnclaveTcbLevel(qeSvn, TARGET_TCB_DATE, TcbStatus.REVOKED, matched));
    } else if (spec.qeTcbStatus() == TcbStatus.OUT_OF_DATE) {
      levels = List.of(new EnclaveTcbLevel(qeSvn + 1, LATEST_TCB_DATE, TcbStatus.UP_TO_DATE, List.of()),
          new EnclaveTcbLevel(qeSvn, TARGET_TCB_DATE, TcbStatus.OUT_OF_DATE, matched));
    } else {
      levels = List.of(new EnclaveTcbLevel(qeSvn, TARGET_TCB_DATE, TcbStatus.UP_TO_DATE, matched),
          new EnclaveTcbLevel(qeSvn - 1, OLD_TCB_DATE, TcbStatus.OUT_OF_DATE, QE_OUT_OF_DATE_ADVISORIES));
    }
    Bytes signer = corruption == Corruption.QE_IDENTITY_MRSIGNER ? Forge.flipFirstBit(mrSigner) : mrSigner;
    int isvProdId = corruption == Corruption.QE_IDENTITY_ISVPRODID ? prodId + 1 : prodId;
    Bytes attributes = corruption == Corruption.QE_IDENTITY_ATTRIBUTES ? OTHER_QE_ATTRIBUTES : QE_ATTRIBUTES;
    return new QeIdentity(spec.tee() == TeeType.SGX ? QeIdentity.Id.QE : QeIdentity.Id.TD_QE, 2, Forge.ISSUE_DATE,
        Forge.NEXT_UPDATE, TCB_EVALUATION_DATA_NUMBER, MISCSELECT, MISCSELECT_MASK, attributes, QE_ATTRIBUTES_MASK,
        signer, isvProdId, levels);
  }

  /** The advisory IDs of the QE identity level the QE's ISVSVN matches: the spec's, else the default. */
  private List<String> qeLevelAdvisories() {
    boolean outOfDate = corruption != Corruption.QE_TCB_REVOKED && spec.qeTcbStatus() == TcbStatus.OUT_OF_DATE;
    return spec.qeAdvisoryIds().orElse(outOfDate ? QE_OUT_OF_DATE_ADVISORIES : List.of());
  }

  /**
   * Intel's outcome: the level status converged with the TDX module status, TD relaunch for
   * TD 1.5, then convergence with the QE status. Advisory IDs: the platform level's, then the QE
   * level's new ones (module levels carry none here).
   */
  Expected expected() {
    if (corruption == Corruption.REVOKED_TCB_LEVEL) {
      return Expected.failure(corruption.expectedFailure(), advisories(TcbStatus.REVOKED));
    }
    List<String> ids = new ArrayList<>(advisories(levelStatus));
    qeLevelAdvisories().stream().filter(a -> !ids.contains(a)).forEach(ids::add);
    if (corruption == Corruption.QE_TCB_REVOKED) {
      return Expected.failure(corruption.expectedFailure(), ids);
    }
    if (corruption != null) {
      return Expected.failure(corruption.expectedFailure(), List.of());
    }
    TcbStatus qe = spec.qeTcbStatus();
    // The relaunch recipe's module is OutOfDate; module convergence leaves the level's
    // OutOfDate(ConfigurationNeeded) as it is. An out-of-date QE rules relaunch out.
    TcbStatus status = relaunch && qe != TcbStatus.OUT_OF_DATE ? spec.tcbStatus() : levelStatus;
    if (qe == TcbStatus.OUT_OF_DATE) {
      status = switch (status) {
        case UP_TO_DATE, SW_HARDENING_NEEDED -> TcbStatus.OUT_OF_DATE;
        case CONFIGURATION_NEEDED, CONFIGURATION_AND_SW_HARDENING_NEEDED -> TcbStatus.OUT_OF_DATE_CONFIGURATION_NEEDED;
        default -> status;
      };
    }
    return Expected.success(status, ids);
  }

  private static List<Integer> withIncrements(List<Integer> svns, int... indexes) {
    List<Integer> out = new ArrayList<>(svns);
    for (int i : indexes) {
      out.set(i, svns.get(i) + 1);
    }
    return List.copyOf(out);
  }
}
