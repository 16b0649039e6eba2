package dev.dcapd.onchain;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.dcapd.verifier.Bytes;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The on-chain PCCS uploads for the real TDX collateral: order, targets and selectors. */
class PccsUpsertsTest {
  @Test
  void upsertsComeInDependencyOrderWithTheDocumentedSelectors() throws Exception {
    RealVectors.Case c = RealVectors.tdx();
    List<PccsUpserts.Upsert> ups = PccsUpserts.forCollateral(c.collateral());
    assertEquals(List.of("upsertPcsCertificates(uint8,bytes)", "upsertPcsCertificates(uint8,bytes)", "upsertRootCACrl(bytes)",
            "upsertPcsCertificates(uint8,bytes)", "upsertPckCrl(uint8,bytes)",
            "upsertEnclaveIdentity(uint256,uint256,(string,bytes))", "upsertFmspcTcb((string,bytes))"),
        ups.stream().map(PccsUpserts.Upsert::function).toList());
    List<String> selectors = ups.stream().map(u -> u.calldata().slice(0, 4).hex()).toList();
    assertEquals(List.of("3b395455", "3b395455", "6b1c5399", "3b395455", "08854e04", "30f704ea", "a8349fb7"), selectors);
    // CA argument: ROOT 0, PLATFORM 2 (the TDX quote's PCK is issued by the Platform CA), SIGNING 3.
    assertEquals(0, ups.get(0).calldata().unsigned(4 + 31));
    assertEquals(2, ups.get(1).calldata().unsigned(4 + 31));
    assertEquals(3, ups.get(3).calldata().unsigned(4 + 31));
    assertEquals(2, ups.get(4).calldata().unsigned(4 + 31));
    // upsertEnclaveIdentity(TD_QE = 2, 4, ...)
    assertEquals(2, ups.get(5).calldata().unsigned(4 + 31));
    assertEquals(4, ups.get(5).calldata().unsigned(4 + 63));
  }

  @Test
  void signedJsonTupleCarriesTheExactTextAndRawSignature() throws Exception {
    RealVectors.Case c = RealVectors.tdx();
    Bytes call = PccsUpserts.forCollateral(c.collateral()).get(6).calldata();
    Bytes text = Bytes.of(c.collateral().tcbInfo().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    // head: offset to the tuple; tuple: offset to string, offset to bytes; string: length, text.
    int tuple = 4 + 32;
    int stringAt = tuple + c.collateral().tcbInfo().length() * 0 + 64;
    assertEquals(text.length(), new java.math.BigInteger(1, call.slice(stringAt, 32).toByteArray()).intValueExact());
    assertEquals(text, call.slice(stringAt + 32, text.length()));
    int bytesAt = stringAt + 32 + (text.length() + 31) / 32 * 32;
    assertEquals(64, new java.math.BigInteger(1, call.slice(bytesAt, 32).toByteArray()).intValueExact());
    assertEquals(c.collateral().tcbInfoSignature(), call.slice(bytesAt + 32, 64));
  }
}
