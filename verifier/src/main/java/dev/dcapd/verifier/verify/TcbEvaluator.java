package dev.dcapd.verifier.verify;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import dev.dcapd.verifier.collateral.EnclaveTcbLevel;
import dev.dcapd.verifier.collateral.TcbInfo;
import dev.dcapd.verifier.collateral.TcbLevel;
import dev.dcapd.verifier.collateral.TcbStatus;
import dev.dcapd.verifier.collateral.TdxModuleIdentity;
import dev.dcapd.verifier.pck.PckExtension;
import dev.dcapd.verifier.quote.BodyType;
import dev.dcapd.verifier.quote.QuoteBody;
import dev.dcapd.verifier.quote.TdReport;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Intel's TCB level evaluation (QVL {@code checkTcbLevel}, reference §b.4-b.6): the platform level
 * from the PCK's SGX components and PCESVN (and for TDX the TD's {@code tee_tcb_svn}), the TDX
 * module's level, TD relaunch for TD 1.5, and convergence with the QE's level.
 *
 * <p>Two places where dcap-qvl differs and this follows Intel: TDX components 0 and 1 are skipped
 * when {@code tee_tcb_svn[1] > 0} (the module identity judges them), and statuses converge by
 * Intel's rule ({@link TcbStatus#convergeWith}), not by worst severity.
 */
final class TcbEvaluator {
  /** Index in {@code tee_tcb_svn} of the TDX module's SVN. */
  static final int TEE_TCB_SVN_MODULE_SVN = 0;
  /** Index in {@code tee_tcb_svn} of the TDX module's major version. */
  static final int TEE_TCB_SVN_MODULE_MAJOR = 1;
  /** Index of the TDX late microcode component, used by the relaunch check. */
  static final int TEE_TCB_SVN_MICROCODE = 2;

  private TcbEvaluator() {}

  /** The outcome of a completed evaluation; {@code REVOKED} is an outcome, not an exception. */
  record Result(TcbStatus status, List<String> advisoryIds, Instant tcbDate) {}

  /**
   * Evaluates the platform's TCB.
   *
   * @param qeLevel the QE identity level the QE's ISVSVN matched, or empty if it is below every level
   * @throws DcapException {@code TCB_NOT_SUPPORTED} when no level matches (platform, module or QE),
   *     {@code TDX_MODULE_MISMATCH} when a module identity is missing
   */
  static Result evaluate(TcbInfo tcbInfo, PckExtension pck, QuoteBody body, Optional<EnclaveTcbLevel> qeLevel)
      throws DcapException {
    TdReport td = body instanceof TdReport t ? t : null;
    TcbLevel sgxLevel = null;
    TcbLevel tdxLevel = null;
    for (TcbLevel level : tcbInfo.tcbLevels()) {
      if (!sgxMatches(level, pck)) {
        continue;
      }
      if (sgxLevel == null) {
        sgxLevel = level;
      }
      if (td == null) {
        break;
      }
      if (tdxMatches(level, td.teeTcbSvn())) {
        tdxLevel = level;
        break;
      }
    }
    if (sgxLevel == null) {
      throw new DcapException(
          FailureCode.TCB_NOT_SUPPORTED, "no TCB level of the TCB info matches the PCK's SGX components and PCESVN");
    }
    Set<String> advisories = new LinkedHashSet<>();
    TcbStatus status;
    Instant tcbDate;
    if (td == null) {
      status = sgxLevel.tcbStatus();
      advisories.addAll(sgxLevel.advisoryIds());
      tcbDate = sgxLevel.tcbDate();
    } else {
      if (tdxLevel == null) {
        throw new DcapException(
            FailureCode.TCB_NOT_SUPPORTED, "no TCB level of the TCB info matches the TD's tee_tcb_svn " + td.teeTcbSvn().hex());
      }
      advisories.addAll(tdxLevel.advisoryIds());
      tcbDate = tdxLevel.tcbDate();
      Optional<EnclaveTcbLevel> moduleLevel = moduleLevel(tcbInfo, td.teeTcbSvn());
      TcbStatus moduleStatus = moduleLevel.map(EnclaveTcbLevel::tcbStatus).orElse(TcbStatus.UP_TO_DATE);
      moduleLevel.ifPresent(l -> advisories.addAll(l.advisoryIds()));
      status = tdxLevel.tcbStatus().convergeWith(moduleStatus);
      if (status == TcbStatus.REVOKED) {
        return new Result(status, List.copyOf(advisories), tcbDate);
      }
      if (td.bodyType() == BodyType.TD_REPORT_15) {
        status = relaunch(tcbInfo, td, sgxLevel.tcbStatus(), status, moduleStatus, qeLevel);
      }
    }
    if (qeLevel.isEmpty()) {
      throw new DcapException(FailureCode.TCB_NOT_SUPPORTED, "the QE's ISVSVN is below every level of the QE identity");
    }
    advisories.addAll(qeLevel.get().advisoryIds());
    status = status.convergeWith(qeLevel.get().tcbStatus());
    return new Result(status, List.copyOf(advisories), tcbDate);
  }

  private static boolean sgxMatches(TcbLevel level, PckExtension pck) {
    for (int i = 0; i < TcbLevel.COMPONENT_COUNT; i++) {
      if (pck.tcbComponent(i) < level.sgxComponent(i)) {
        return false;
      }
    }
    return pck.pceSvn() >= level.pceSvn();
  }

  private static boolean tdxMatches(TcbLevel level, Bytes teeTcbSvn) {
    List<Integer> required = level.tdxComponents().orElseThrow(() -> new IllegalStateException("TDX TCB info levels have TDX components"));
    // With a module major version, bytes 0-1 are the module's and are judged by its identity.
    int start = teeTcbSvn.unsigned(TEE_TCB_SVN_MODULE_MAJOR) > 0 ? TEE_TCB_SVN_MICROCODE : 0;
    for (int i = start; i < TcbLevel.COMPONENT_COUNT; i++) {
      if (teeTcbSvn.unsigned(i) < required.get(i)) {
        return false;
      }
    }
    return true;
  }

  /**
   * The TDX module's level (QVL {@code checkTdxModuleTcbStatus}): none for major version 0, else
   * the first level of identity {@code TDX_%02X} the module's SVN reaches.
   */
  private static Optional<EnclaveTcbLevel> moduleLevel(TcbInfo tcbInfo, Bytes teeTcbSvn) throws DcapException {
    int major = teeTcbSvn.unsigned(TEE_TCB_SVN_MODULE_MAJOR);
    if (major == 0) {
      return Optional.empty();
    }
    TdxModuleIdentity identity = moduleIdentity(tcbInfo, major);
    int svn = teeTcbSvn.unsigned(TEE_TCB_SVN_MODULE_SVN);
    for (EnclaveTcbLevel level : identity.tcbLevels()) {
      if (svn >= level.isvSvn()) {
        return Optional.of(level);
      }
    }
    throw new DcapException(
        FailureCode.TCB_NOT_SUPPORTED, "TDX module SVN " + svn + " is below every level of " + identity.id());
  }

  static TdxModuleIdentity moduleIdentity(TcbInfo tcbInfo, int major) throws DcapException {
    return tcbInfo
        .tdxModuleIdentity(major)
        .orElseThrow(() -> new DcapException(
            FailureCode.TDX_MODULE_MISMATCH, "TCB info has no TDX module identity " + TdxModuleIdentity.idFor(major)));
  }

  /**
   * QVL {@code checkForRelaunch} (TD report 1.5): a TD launched on an out-of-date module whose
   * currently loaded module ({@code tee_tcb_svn2}) is the latest is told to relaunch.
   */
  private static TcbStatus relaunch(
      TcbInfo tcbInfo, TdReport td, TcbStatus sgxStatus, TcbStatus tdxStatus, TcbStatus moduleStatus,
      Optional<EnclaveTcbLevel> qeLevel) throws DcapException {
    boolean qeCurrent = qeLevel.isPresent() && qeLevel.get().tcbStatus() == TcbStatus.UP_TO_DATE;
    boolean tdxOutOfDate = tdxStatus == TcbStatus.OUT_OF_DATE || tdxStatus == TcbStatus.OUT_OF_DATE_CONFIGURATION_NEEDED;
    if (!qeCurrent || !sgxStatus.current() || !tdxOutOfDate || moduleStatus != TcbStatus.OUT_OF_DATE) {
      return tdxStatus;
    }
    Bytes svn2 = td.teeTcbSvn2().orElseThrow();
    TcbLevel latest = tcbInfo.tcbLevels().get(0);
    List<Integer> latestTdx = latest.tdxComponents().orElseThrow();
    int major = svn2.unsigned(TEE_TCB_SVN_MODULE_MAJOR);
    int requiredModuleSvn =
        major == 0
            ? latestTdx.get(TEE_TCB_SVN_MODULE_SVN)
            : moduleIdentity(tcbInfo, major).tcbLevels().get(0).isvSvn();
    boolean latestLoaded =
        svn2.unsigned(TEE_TCB_SVN_MODULE_SVN) >= requiredModuleSvn
            && svn2.unsigned(TEE_TCB_SVN_MICROCODE) >= latestTdx.get(TEE_TCB_SVN_MICROCODE);
    if (!latestLoaded) {
      return tdxStatus;
    }
    return sgxStatus.configurationNeeded() || tdxStatus.configurationNeeded()
        ? TcbStatus.TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED
        : TcbStatus.TD_RELAUNCH_ADVISED;
  }
}
