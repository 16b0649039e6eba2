package dev.dcapd.onchain;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.FailureCode;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Bool;
import org.web3j.abi.datatypes.DynamicBytes;
import org.web3j.abi.datatypes.Type;

/**
 * What a call to Automata's {@code verifyAndAttestOnChain} came to: a verified output, a
 * {@code (false, reason)} rejection, or a revert, with dcapd's failure code for the latter two.
 *
 * @param output the verified output, present exactly on success
 * @param failure the failure code, present exactly when not verified
 * @param detail the contract's reason text, or a description of the revert
 * @param raw the returned {@code bytes} (or revert data)
 */
public record AutomataOutcome(Optional<VerifiedOutput> output, Optional<FailureCode> failure, String detail, Bytes raw) {

  public AutomataOutcome {
    Objects.requireNonNull(output, "output");
    Objects.requireNonNull(failure, "failure");
    Objects.requireNonNull(detail, "detail");
    Objects.requireNonNull(raw, "raw");
    if (output.isPresent() == failure.isPresent()) {
      throw new IllegalArgumentException("an outcome is verified or failed");
    }
  }

  public boolean verified() {
    return output.isPresent();
  }

  /**
   * Reads the {@code (bool success, bytes output)} an {@code eth_call} returned. A "success"
   * whose output is not a verified output is a failure: the V3 and V4 SGX verifiers answer
   * {@code (true, "TCBR")} for a revoked TCB level.
   *
   * @throws IllegalArgumentException if {@code returnData} is not an ABI {@code (bool, bytes)}
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public static AutomataOutcome fromReturnData(Bytes returnData) {
    List<Type> values;
    try {
      values = FunctionReturnDecoder.decode(returnData.hex0x(),
          List.of((TypeReference) new TypeReference<Bool>() {}, (TypeReference) new TypeReference<DynamicBytes>() {}));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("the return data is not (bool, bytes)", e);
    }
    if (values.size() != 2) {
      throw new IllegalArgumentException("the return data is not (bool, bytes)");
    }
    return fromResult(((Bool) values.get(0)).getValue(), Bytes.of(((DynamicBytes) values.get(1)).getValue()));
  }

  /** Reads a {@code (success, output)} pair (from return data or from an AttestationSubmitted event). */
  public static AutomataOutcome fromResult(boolean success, Bytes output) {
    if (success) {
      try {
        return new AutomataOutcome(Optional.of(VerifiedOutput.decode(output)), Optional.empty(), "verified", output);
      } catch (IllegalArgumentException notAnOutput) {
        // Fall through: read it as a reason.
      }
    }
    String reason = reasonText(output);
    return new AutomataOutcome(Optional.empty(), Optional.of(AutomataFailures.forReason(reason)), reason, output);
  }

  /** A revert of the call, read by {@link AutomataFailures#forRevert}. */
  public static AutomataOutcome fromRevert(Bytes revertData) {
    AutomataFailures.Revert r = AutomataFailures.forRevert(revertData);
    return new AutomataOutcome(Optional.empty(), Optional.of(r.code()), r.description(), revertData);
  }

  /** The reason as text when it is printable ASCII, else its hex. */
  private static String reasonText(Bytes b) {
    try {
      String s = StandardCharsets.US_ASCII.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(b.toByteArray()))
          .toString();
      if (s.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
        return s;
      }
    } catch (CharacterCodingException e) {
      // not text
    }
    return b.hex0x();
  }
}
