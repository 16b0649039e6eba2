package dev.dcapd.verifier.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import dev.dcapd.verifier.Vectors;
import dev.dcapd.verifier.collateral.EnclaveTcbLevel;
import dev.dcapd.verifier.collateral.TcbInfo;
import dev.dcapd.verifier.collateral.TcbLevel;
import dev.dcapd.verifier.collateral.TcbStatus;
import dev.dcapd.verifier.collateral.TdxModule;
import dev.dcapd.verifier.collateral.TdxModuleIdentity;
import dev.dcapd.verifier.pck.PckExtension;
import dev.dcapd.verifier.pck.SgxType;
import dev.dcapd.verifier.quote.QuoteParser;
import dev.dcapd.verifier.quote.TdReport;
import dev.dcapd.verifier.quote.TeeType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Intel's TCB level matching and status convergence on hand-made TCB info, where dcap-qvl's answer differs named. */
class TcbEvaluatorTest {
  static final Instant DATE = Instant.parse("2024-03-13T00:00:00Z");
  static final TdReport TD10;
  static final TdReport TD15;

  static {
    try {
      TD10 = (TdReport) QuoteParser.parse(Vectors.bytes("dcap-qvl/tdx_quote")).body();
      TD15 = (TdReport) QuoteParser.parse(Vectors.bytes("dcap-qvl/tdx_quote_outdated")).body();
    } catch (Exception e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  static List<Integer> svns(int... leading) {
    List<Integer> out = new ArrayList<>(Arrays.stream(leading).boxed().toList());
    while (out.size() < 16) {
      out.add(0);
    }
    return out;
  }

  static Bytes svnBytes(int... leading) {
    byte[] b = new byte[16];
    for (int i = 0; i < leading.length; i++) {
      b[i] = (byte) leading[i];
    }
    return Bytes.of(b);
  }

  static PckExtension pck(int firstComponent, int pceSvn) {
    return new PckExtension(Bytes.zeros(16), svns(firstComponent), pceSvn, Bytes.zeros(16), Bytes.zeros(2), Bytes.zeros(6),
        SgxType.SCALABLE, Optional.empty(), Optional.empty());
  }

  static TcbLevel tdxLevel(int sgx0, int pceSvn, List<Integer> tdx, TcbStatus status, String... advisories) {
    return new TcbLevel(svns(sgx0), pceSvn, Optional.of(tdx), DATE, status, List.of(advisories));
  }

  static TdxModuleIdentity module(String id, EnclaveTcbLevel... levels) {
    return new TdxModuleIdentity(id, new TdxModule(Bytes.zeros(48), Bytes.zeros(8), Bytes.fromHex("ffffffffffffffff")), List.of(levels));
  }

  static EnclaveTcbLevel enclaveLevel(int isvSvn, TcbStatus status, String... advisories) {
    return new EnclaveTcbLevel(isvSvn, DATE, status, List.of(advisories));
  }

  static TcbInfo tdxInfo(List<TdxModuleIdentity> modules, TcbLevel... levels) {
    return new TcbInfo(TeeType.TDX, 3, DATE, DATE, Bytes.zeros(6), Bytes.zeros(2), 0, 1,
        Optional.of(new TdxModule(Bytes.zeros(48), Bytes.zeros(8), Bytes.fromHex("ffffffffffffffff"))), modules, List.of(levels));
  }

  static TdReport td10(Bytes teeTcbSvn) {
    return new TdReport(teeTcbSvn, TD10.mrSeam(), TD10.mrSignerSeam(), TD10.seamAttributes(), TD10.tdAttributes(), TD10.xfam(),
        TD10.mrTd(), TD10.mrConfigId(), TD10.mrOwner(), TD10.mrOwnerConfig(), TD10.rtmrs(), TD10.reportData(), Optional.empty(),
        Optional.empty());
  }

  static TdReport td15(Bytes teeTcbSvn, Bytes teeTcbSvn2) {
    return new TdReport(teeTcbSvn, TD15.mrSeam(), TD15.mrSignerSeam(), TD15.seamAttributes(), TD15.tdAttributes(), TD15.xfam(),
        TD15.mrTd(), TD15.mrConfigId(), TD15.mrOwner(), TD15.mrOwnerConfig(), TD15.rtmrs(), TD15.reportData(), Optional.of(teeTcbSvn2),
        TD15.mrServiceTd());
  }

  static final Optional<EnclaveTcbLevel> QE_OK = Optional.of(enclaveLevel(4, TcbStatus.UP_TO_DATE));

  /**
   * tee_tcb_svn[1] > 0: Intel skips TDX components 0 and 1 (the module identity judges them) and
   * matches the first level. dcap-qvl compares them too (3 < 5) and would fall to the OutOfDate level.
   */
  @Test
  void moduleBytesAreSkippedWhenTheModuleHasAMajorVersionUnlikeDcapQvl() throws Exception {
    TcbInfo info = tdxInfo(
        List.of(module("TDX_01", enclaveLevel(2, TcbStatus.UP_TO_DATE))),
        tdxLevel(1, 1, svns(5, 0, 5), TcbStatus.UP_TO_DATE),
        tdxLevel(1, 1, svns(0, 0, 0), TcbStatus.OUT_OF_DATE));
    TcbEvaluator.Result r = TcbEvaluator.evaluate(info, pck(1, 1), td10(svnBytes(3, 1, 5)), QE_OK);
    assertEquals(TcbStatus.UP_TO_DATE, r.status());
    // Without a major version the bytes count: 3 < 5 skips the first level.
    TcbEvaluator.Result r0 = TcbEvaluator.evaluate(info, pck(1, 1), td10(svnBytes(3, 0, 5)), QE_OK);
    assertEquals(TcbStatus.OUT_OF_DATE, r0.status());
  }

  /** Intel: ConfigurationNeeded + an out-of-date QE is OutOfDateConfigurationNeeded; dcap-qvl's worst-of says OutOfDate. */
  @Test
  void qeOutOfDateConvergesByIntelsRuleUnlikeDcapQvl() throws Exception {
    TcbInfo info = tdxInfo(List.of(), tdxLevel(0, 0, svns(), TcbStatus.CONFIGURATION_NEEDED));
    TcbEvaluator.Result r =
        TcbEvaluator.evaluate(info, pck(0, 0), td10(svnBytes(3, 0, 5)), Optional.of(enclaveLevel(2, TcbStatus.OUT_OF_DATE)));
    assertEquals(TcbStatus.OUT_OF_DATE_CONFIGURATION_NEEDED, r.status());
    assertEquals(TcbStatus.OUT_OF_DATE, TcbStatus.CONFIGURATION_NEEDED.worst(TcbStatus.OUT_OF_DATE));
  }

  @Test
  void moduleStatusConverges() throws Exception {
    TcbInfo info = tdxInfo(
        List.of(module("TDX_01", enclaveLevel(5, TcbStatus.UP_TO_DATE), enclaveLevel(3, TcbStatus.OUT_OF_DATE), enclaveLevel(1, TcbStatus.REVOKED))),
        tdxLevel(0, 0, svns(), TcbStatus.SW_HARDENING_NEEDED));
    assertEquals(TcbStatus.SW_HARDENING_NEEDED, TcbEvaluator.evaluate(info, pck(0, 0), td10(svnBytes(6, 1)), QE_OK).status());
    assertEquals(TcbStatus.OUT_OF_DATE, TcbEvaluator.evaluate(info, pck(0, 0), td10(svnBytes(4, 1)), QE_OK).status());
    assertEquals(TcbStatus.REVOKED, TcbEvaluator.evaluate(info, pck(0, 0), td10(svnBytes(2, 1)), QE_OK).status());
    DcapException below = assertThrows(DcapException.class, () -> TcbEvaluator.evaluate(info, pck(0, 0), td10(svnBytes(0, 1)), QE_OK));
    assertEquals(FailureCode.TCB_NOT_SUPPORTED, below.code());
    DcapException missing = assertThrows(DcapException.class, () -> TcbEvaluator.evaluate(info, pck(0, 0), td10(svnBytes(6, 2)), QE_OK));
    assertEquals(FailureCode.TDX_MODULE_MISMATCH, missing.code());
  }

  /** TD report 1.5: launched on an out-of-date module, now running the latest one (tee_tcb_svn2). */
  @Test
  void tdRelaunchAdvised() throws Exception {
    TcbInfo info = tdxInfo(
        List.of(module("TDX_01", enclaveLevel(7, TcbStatus.UP_TO_DATE), enclaveLevel(2, TcbStatus.OUT_OF_DATE))),
        tdxLevel(0, 0, svns(0, 0, 5), TcbStatus.UP_TO_DATE),
        tdxLevel(0, 0, svns(0, 0, 0), TcbStatus.OUT_OF_DATE));
    assertEquals(TcbStatus.TD_RELAUNCH_ADVISED,
        TcbEvaluator.evaluate(info, pck(0, 0), td15(svnBytes(3, 1, 5), svnBytes(7, 1, 5)), QE_OK).status());
    // The loaded module is not the latest either: still out of date.
    assertEquals(TcbStatus.OUT_OF_DATE,
        TcbEvaluator.evaluate(info, pck(0, 0), td15(svnBytes(3, 1, 5), svnBytes(6, 1, 5)), QE_OK).status());
    // The same TD in a TD 1.0 quote is never told to relaunch.
    assertEquals(TcbStatus.OUT_OF_DATE, TcbEvaluator.evaluate(info, pck(0, 0), td10(svnBytes(3, 1, 5)), QE_OK).status());
    // An out-of-date QE rules it out.
    assertEquals(TcbStatus.OUT_OF_DATE, TcbEvaluator.evaluate(info, pck(0, 0), td15(svnBytes(3, 1, 5), svnBytes(7, 1, 5)),
        Optional.of(enclaveLevel(1, TcbStatus.OUT_OF_DATE))).status());

    TcbInfo config = tdxInfo(
        List.of(module("TDX_01", enclaveLevel(7, TcbStatus.UP_TO_DATE), enclaveLevel(2, TcbStatus.OUT_OF_DATE))),
        tdxLevel(0, 0, svns(0, 0, 5), TcbStatus.CONFIGURATION_NEEDED));
    assertEquals(TcbStatus.TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED,
        TcbEvaluator.evaluate(config, pck(0, 0), td15(svnBytes(3, 1, 5), svnBytes(7, 1, 5)), QE_OK).status());
  }

  @Test
  void qeLevels() throws Exception {
    TcbInfo info = tdxInfo(List.of(), tdxLevel(0, 0, svns(), TcbStatus.UP_TO_DATE));
    DcapException none = assertThrows(DcapException.class, () -> TcbEvaluator.evaluate(info, pck(0, 0), td10(svnBytes()), Optional.empty()));
    assertEquals(FailureCode.TCB_NOT_SUPPORTED, none.code());
    assertEquals(TcbStatus.REVOKED,
        TcbEvaluator.evaluate(info, pck(0, 0), td10(svnBytes()), Optional.of(enclaveLevel(0, TcbStatus.REVOKED))).status());
  }

  @Test
  void platformLevelsNeedEverySgxComponentAndPceSvn() throws Exception {
    TcbInfo info = tdxInfo(List.of(), tdxLevel(2, 5, svns(), TcbStatus.UP_TO_DATE), tdxLevel(1, 1, svns(), TcbStatus.OUT_OF_DATE));
    assertEquals(TcbStatus.UP_TO_DATE, TcbEvaluator.evaluate(info, pck(2, 5), td10(svnBytes()), QE_OK).status());
    assertEquals(TcbStatus.OUT_OF_DATE, TcbEvaluator.evaluate(info, pck(2, 4), td10(svnBytes()), QE_OK).status());
    assertEquals(TcbStatus.OUT_OF_DATE, TcbEvaluator.evaluate(info, pck(1, 9), td10(svnBytes()), QE_OK).status());
    DcapException none = assertThrows(DcapException.class, () -> TcbEvaluator.evaluate(info, pck(0, 9), td10(svnBytes()), QE_OK));
    assertEquals(FailureCode.TCB_NOT_SUPPORTED, none.code());
  }

  @Test
  void advisoriesMergeInOrderWithoutDuplicates() throws Exception {
    TcbInfo info = tdxInfo(
        List.of(module("TDX_01", enclaveLevel(0, TcbStatus.OUT_OF_DATE, "SA-2", "SA-3"))),
        tdxLevel(0, 0, svns(), TcbStatus.UP_TO_DATE, "SA-1", "SA-2"));
    TcbEvaluator.Result r = TcbEvaluator.evaluate(info, pck(0, 0), td10(svnBytes(0, 1)),
        Optional.of(enclaveLevel(0, TcbStatus.UP_TO_DATE, "SA-3", "SA-4")));
    assertEquals(List.of("SA-1", "SA-2", "SA-3", "SA-4"), r.advisoryIds());
    assertEquals(TcbStatus.OUT_OF_DATE, r.status());
  }
}
