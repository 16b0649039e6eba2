package dev.dcapd.testkit;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.quote.EnclaveReport;
import dev.dcapd.verifier.quote.Quote;
import dev.dcapd.verifier.quote.QuoteBody;
import dev.dcapd.verifier.quote.TdReport;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;

/**
 * Many distinct quotes of one platform under one collateral set, for load tests: quote
 * {@code i} differs from the others in its report data and measurements (MRENCLAVE for SGX;
 * MRTD and RTMR3 for TDX), and all share the case's collateral, root and expected outcome.
 *
 * <p>Speed: quote {@code i} is signed with the nonce {@code k0 + i}, whose point comes from two
 * precomputed tables in two point additions, instead of a fresh RFC 6979 nonce and a full scalar
 * multiplication. Related nonces would expose a real key; this key is derived from a public seed
 * and is throwaway by construction, and the signatures are ordinary valid ECDSA signatures.
 */
public final class QuoteBatch {
  private static final int TABLE_BITS = 10;
  private static final int TABLE_SIZE = 1 << TABLE_BITS;
  /** Indexes below this use the tables; others pay a full multiplication. */
  private static final long FAST_INDEXES = (long) TABLE_SIZE * TABLE_SIZE;

  private final Forge.Materials materials;
  private final ForgedCase template;
  private final BigInteger k0;
  private final ECPoint k0G;
  private final ECPoint[] low = new ECPoint[TABLE_SIZE];
  private final ECPoint[] high = new ECPoint[TABLE_SIZE];

  QuoteBatch(Forge.Materials materials) {
    this.materials = materials;
    this.template = materials.forgedCase(materials.quote(materials.body));
    BigInteger n = EcKey.DOMAIN.getN();
    BigInteger range = n.subtract(BigInteger.valueOf(FAST_INDEXES + 1));
    this.k0 = new BigInteger(1, materials.drbg.bytes("batch/nonce", 32)).mod(range).add(BigInteger.ONE);
    ECPoint g = EcKey.DOMAIN.getG();
    this.k0G = new FixedPointCombMultiplier().multiply(g, k0).normalize();
    ECPoint step = g.multiply(BigInteger.valueOf(TABLE_SIZE)).normalize();
    low[0] = g.getCurve().getInfinity();
    high[0] = low[0];
    for (int j = 1; j < TABLE_SIZE; j++) {
      low[j] = low[j - 1].add(g).normalize();
      high[j] = high[j - 1].add(step).normalize();
    }
  }

  private Bytes sign(long index, byte[] message) {
    if (index >= 0 && index < FAST_INDEXES) {
      BigInteger k = k0.add(BigInteger.valueOf(index));
      ECPoint kG = k0G.add(high[(int) (index >>> TABLE_BITS)]).add(low[(int) (index & (TABLE_SIZE - 1))]);
      Bytes signature = materials.quoteSigningKey.signRawWithNonce(message, k, kG);
      if (signature != null) {
        return signature;
      }
    }
    return materials.quoteSigningKey.signRaw(message);
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
    return materials.quote(body, message -> sign(index, message));
  }

  /**
   * A quote of this platform with {@code body}, signed with an RFC 6979 nonce (for callers that
   * choose the report data or RTMRs, such as a simulated guest agent). The body must have the
   * batch's shape; the expected outcome holds while its TCB fields (tee_tcb_svn, tee_tcb_svn2,
   * MRSIGNERSEAM, SEAM attributes) are the template's.
   */
  public Quote sign(QuoteBody body) {
    if (body.bodyType() != materials.body.bodyType()) {
      throw new IllegalArgumentException("this batch makes " + materials.body.bodyType() + " quotes, not "
          + body.bodyType());
    }
    return materials.quote(body);
  }

  /** Quote {@code index} as a case of its own (same collateral and outcome). */
  public ForgedCase forgedCase(long index) {
    return materials.forgedCase(quote(index));
  }
}
