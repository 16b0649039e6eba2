package dev.dcapd.onchain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.FailureCode;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.datatypes.Bool;
import org.web3j.abi.datatypes.DynamicBytes;
import org.web3j.abi.datatypes.Utf8String;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.abi.datatypes.generated.Uint8;

/** Reading Automata's answers: (bool, bytes), reasons, reverts and custom errors. */
class AutomataOutcomeTest {
  @Test
  void verifiedReturnDataDecodesToTheOutput() throws Exception {
    RealVectors.Case c = RealVectors.tdx();
    Bytes output = OnchainExport.forQuote(c.quote(), c.collateral(), c.verdict()).expectedOutput().orElseThrow();
    AutomataOutcome o = AutomataOutcome.fromReturnData(returnData(true, output.toByteArray()));
    assertTrue(o.verified());
    assertEquals(output, o.output().orElseThrow().encode());
  }

  @Test
  void reasonsMapToFailureCodes() {
    assertEquals(FailureCode.INVALID_QUOTE_SIGNATURE, failure(false, "ATTVE"));
    assertEquals(FailureCode.PCK_CHAIN_UNTRUSTED, failure(false, "X509VE"));
    assertEquals(FailureCode.QE_IDENTITY_MISMATCH, failure(false, "QEIDVE"));
    assertEquals(FailureCode.INVALID_QE_REPORT_DATA, failure(false, "QEVE"));
    assertEquals(FailureCode.TDX_MODULE_MISMATCH, failure(false, "TDMF"));
    assertEquals(FailureCode.TCB_NOT_SUPPORTED, failure(false, "TCBR"));
    assertEquals(FailureCode.UNSUPPORTED_QUOTE_VERSION, failure(false, "Unsupported quote version"));
    assertEquals(FailureCode.ONCHAIN_REJECTED, failure(false, "something new"));
  }

  @Test
  void aShortSuccessIsTheRevokedSgxBugAndAFailure() {
    // V3 and V4 SGX verifiers answer (true, "TCBR") for a revoked TCB level.
    AutomataOutcome o = AutomataOutcome.fromReturnData(returnData(true, "TCBR".getBytes(StandardCharsets.US_ASCII)));
    assertFalse(o.verified());
    assertEquals(FailureCode.TCB_NOT_SUPPORTED, o.failure().orElseThrow());
    assertEquals("TCBR", o.detail());
  }

  @Test
  void customErrorsOfTheRouterMeanCollateralIsMissingOnChain() {
    Bytes data = Bytes.fromHex(PccsUpserts.selector("FmspcTcbExpiredOrNotFound(uint8,uint256)").hex()
        + FunctionEncoder.encodeConstructor(List.of(new Uint8(1), new Uint256(17))));
    AutomataOutcome o = AutomataOutcome.fromRevert(data);
    assertEquals(FailureCode.COLLATERAL_UNAVAILABLE, o.failure().orElseThrow());
    assertTrue(o.detail().contains("FmspcTcbExpiredOrNotFound"));
    assertEquals(FailureCode.COLLATERAL_UNAVAILABLE,
        AutomataOutcome.fromRevert(PccsUpserts.selector("CrlExpiredOrNotFound(uint8)")).failure().orElseThrow());
    assertEquals(FailureCode.COLLATERAL_EXPIRED,
        AutomataOutcome.fromRevert(PccsUpserts.selector("TCB_Expired()")).failure().orElseThrow());
  }

  @Test
  void emptyRevertsPanicsAndErrorStrings() {
    assertEquals(FailureCode.ONCHAIN_REVERTED, AutomataOutcome.fromRevert(Bytes.empty()).failure().orElseThrow());
    Bytes panic = Bytes.fromHex("4e487b71" + FunctionEncoder.encodeConstructor(List.of(new Uint256(BigInteger.valueOf(0x32)))));
    AutomataOutcome p = AutomataOutcome.fromRevert(panic);
    assertEquals(FailureCode.ONCHAIN_REVERTED, p.failure().orElseThrow());
    assertTrue(p.detail().contains("0x32"));
    Bytes error = Bytes.fromHex("08c379a0" + FunctionEncoder.encodeConstructor(List.of(new Utf8String("X509VE"))));
    assertEquals(FailureCode.PCK_CHAIN_UNTRUSTED, AutomataOutcome.fromRevert(error).failure().orElseThrow());
  }

  @Test
  void eventTopicIsTheDocumentedOne() {
    assertEquals("0x2a0eadb6ff52afa314e513d000bde06ac5db14a2a06a4f86ee5445dd314cd061", AutomataCalls.ATTESTATION_SUBMITTED_TOPIC);
  }

  private static FailureCode failure(boolean success, String reason) {
    return AutomataOutcome.fromReturnData(returnData(success, reason.getBytes(StandardCharsets.US_ASCII))).failure().orElseThrow();
  }

  static Bytes returnData(boolean success, byte[] output) {
    return Bytes.fromHex(FunctionEncoder.encodeConstructor(List.of(new Bool(success), new DynamicBytes(output))));
  }
}
