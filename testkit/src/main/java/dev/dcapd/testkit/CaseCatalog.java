package dev.dcapd.testkit;

import dev.dcapd.verifier.collateral.TcbStatus;
import dev.dcapd.verifier.pck.CaType;
import dev.dcapd.verifier.pck.SgxType;
import dev.dcapd.verifier.quote.BodyType;
import dev.dcapd.verifier.quote.TeeType;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The standard set of forged cases: every quote shape with every reachable TCB status, and every
 * corruption on each shape it applies to. Verifier tests and the independent oracle run it all.
 */
public final class CaseCatalog {
  /** A case of the catalogue: a stable, file-name-safe name and the spec that forges it. */
  public record Entry(String name, ForgeSpec spec) {}

  /** A quote shape: TEE, version and body. */
  public enum Shape {
    SGX_V3(TeeType.SGX, 3, BodyType.SGX_ENCLAVE_REPORT),
    SGX_V4(TeeType.SGX, 4, BodyType.SGX_ENCLAVE_REPORT),
    TDX_V4(TeeType.TDX, 4, BodyType.TD_REPORT_10),
    TDX_V5_TD10(TeeType.TDX, 5, BodyType.TD_REPORT_10),
    TDX_V5_TD15(TeeType.TDX, 5, BodyType.TD_REPORT_15);

    private final TeeType tee;
    private final int version;
    private final BodyType body;

    Shape(TeeType tee, int version, BodyType body) {
      this.tee = tee;
      this.version = version;
      this.body = body;
    }

    public ForgeSpec.Builder builder() {
      return ForgeSpec.builder().tee(tee).quoteVersion(version).bodyType(body);
    }

    public String label() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  /** Statuses a platform TCB level can give directly. */
  private static final List<TcbStatus> LEVEL_STATUSES = List.of(TcbStatus.UP_TO_DATE,
      TcbStatus.SW_HARDENING_NEEDED, TcbStatus.CONFIGURATION_NEEDED,
      TcbStatus.CONFIGURATION_AND_SW_HARDENING_NEEDED, TcbStatus.OUT_OF_DATE,
      TcbStatus.OUT_OF_DATE_CONFIGURATION_NEEDED);

  /** Corruptions of the PCK leaf's format, which mean something else under each CA. */
  private static final List<Corruption> PCK_FORMAT =
      List.of(Corruption.PCK_SGX_TYPE_MISMATCH, Corruption.PCK_ENTRIES_MISMATCH);

  /** Shapes every corruption is tried on. */
  private static final List<Shape> CORRUPTED_SHAPES = List.of(Shape.SGX_V3, Shape.TDX_V4, Shape.TDX_V5_TD15);

  private CaseCatalog() {}

  /** Every valid case, then every corrupted case. */
  public static List<Entry> all() {
    List<Entry> out = new ArrayList<>(valid());
    out.addAll(corrupted());
    return List.copyOf(out);
  }

  public static List<Entry> valid() {
    List<Entry> out = new ArrayList<>();
    for (Shape shape : Shape.values()) {
      for (TcbStatus s : LEVEL_STATUSES) {
        out.add(entry(shape, "valid-" + s.intelName(), shape.builder().tcbStatus(s)));
      }
      out.add(entry(shape, "valid-processor-ca", shape.builder().caType(CaType.PROCESSOR)));
      out.add(entry(shape, "valid-scalable-with-integrity",
          shape.builder().sgxType(SgxType.SCALABLE_WITH_INTEGRITY)));
    }
    for (TcbStatus s : List.of(TcbStatus.TD_RELAUNCH_ADVISED, TcbStatus.TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED)) {
      out.add(entry(Shape.TDX_V5_TD15, "valid-" + s.intelName(), Shape.TDX_V5_TD15.builder().tcbStatus(s)));
    }
    // Intel's convergence with an out-of-date QE (QVL convergeWithQe).
    for (Shape shape : CORRUPTED_SHAPES) {
      for (TcbStatus s : List.of(TcbStatus.UP_TO_DATE, TcbStatus.SW_HARDENING_NEEDED, TcbStatus.CONFIGURATION_NEEDED,
          TcbStatus.OUT_OF_DATE_CONFIGURATION_NEEDED)) {
        out.add(entry(shape, "valid-" + s.intelName() + "-qe-outofdate",
            shape.builder().tcbStatus(s).qeTcbStatus(TcbStatus.OUT_OF_DATE)));
      }
    }
    out.add(entry(Shape.TDX_V5_TD15, "valid-tdrelaunchadvised-qe-outofdate",
        Shape.TDX_V5_TD15.builder().tcbStatus(TcbStatus.TD_RELAUNCH_ADVISED).qeTcbStatus(TcbStatus.OUT_OF_DATE)));
    // TDX components 0-1 left to the module identity when the module major version is above 0.
    for (Shape shape : List.of(Shape.TDX_V4, Shape.TDX_V5_TD15)) {
      out.add(entry(shape, "valid-module-svn-by-identity", shape.builder().levelsDemandNewerModuleSvn(true)));
    }
    return out;
  }

  public static List<Entry> corrupted() {
    List<Entry> out = new ArrayList<>();
    for (Shape shape : CORRUPTED_SHAPES) {
      for (Corruption c : Corruption.values()) {
        if (c.appliesTo(shape.tee)) {
          out.add(entry(shape, c.cliName(), shape.builder().corruption(c)));
        }
      }
      // The default CA is the Platform CA; the Processor CA's leaves go wrong the other way round.
      for (Corruption c : PCK_FORMAT) {
        out.add(entry(shape, "processor-ca-" + c.cliName(), shape.builder().caType(CaType.PROCESSOR).corruption(c)));
      }
    }
    return out;
  }

  private static Entry entry(Shape shape, String what, ForgeSpec.Builder b) {
    return new Entry(shape.label() + "-" + what.toLowerCase(Locale.ROOT), b.build());
  }
}
