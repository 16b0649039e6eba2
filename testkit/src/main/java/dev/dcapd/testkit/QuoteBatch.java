package dev.dcapd.testkit;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.quote.EnclaveReport;
import dev.dcapd.verifier.quote.Quote;
import dev.dcapd.verifier.quote.QuoteBody;
import dev.dcapd.verifier.quote.TdReport;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Many distinct quotes of one platform under one collateral set, for load tests: quote
 * {@code i} differs from the others in its report data and measurements (MRENCLAVE for SGX;
 * MRTD and RTMR3 for TDX), and all share the case's collateral, root and expected outcome.
 */
public final class QuoteBatch {
  private final Forge.Materials materials;
  private final ForgedCase template;

  QuoteBatch(Forge.Materials materials) {
    this.materials = materials;
    this.template = materials.forgedCase(materials.quote(materials.body));
  }

  /** The case every quote of the batch shares collateral, root, instant and outcome with. */
  public ForgedCase template() {
    return template;
  }

  public QuoteCollateral collateral() {
    return materials.collateral;
  }

  /** Quote number {@code index}; the same index always gives the same bytes. */
  public Quote quote(long index) {
    byte[] id = ByteBuffer.allocate(Long.BYTES * 2).putLong(materials.spec.seed()).putLong(index).array();
    Bytes reportData = Bytes.of(Forge.digest("SHA-512", id, new byte[] {'r'}));
    QuoteBody body;
    if (materials.body instanceof EnclaveReport e) {
      body = new EnclaveReport(e.cpuSvn(), e.miscSelect(), e.reserved1(), e.attributes(),
          Bytes.of(Forge.digest("SHA-256", id, new byte[] {'m'})), e.reserved2(), e.mrSigner(), e.reserved3(),
          e.isvProdId(), e.isvSvn(), e.reserved4(), reportData);
    } else {
      TdReport t = (TdReport) materials.body;
      List<Bytes> rtmrs = new ArrayList<>(t.rtmrs());
      rtmrs.set(3, Bytes.of(Forge.digest("SHA-384", id, new byte[] {'3'})));
      body = new TdReport(t.teeTcbSvn(), t.mrSeam(), t.mrSignerSeam(), t.seamAttributes(), t.tdAttributes(),
          t.xfam(), Bytes.of(Forge.digest("SHA-384", id, new byte[] {'t'})), t.mrConfigId(), t.mrOwner(),
          t.mrOwnerConfig(), rtmrs, reportData, t.teeTcbSvn2(), t.mrServiceTd());
    }
    return materials.quote(body);
  }

  /** Quote {@code index} as a case of its own (same collateral and outcome). */
  public ForgedCase forgedCase(long index) {
    return materials.forgedCase(quote(index));
  }
}
