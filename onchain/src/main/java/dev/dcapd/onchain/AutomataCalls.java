package dev.dcapd.onchain;

import dev.dcapd.verifier.Bytes;
import java.math.BigInteger;
import java.util.List;
import java.util.Optional;
import org.web3j.abi.EventEncoder;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Bool;
import org.web3j.abi.datatypes.DynamicBytes;
import org.web3j.abi.datatypes.Event;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.generated.Uint32;
import org.web3j.abi.datatypes.generated.Uint8;
import org.web3j.utils.Numeric;

/** Calldata for Automata's entry point, and the reading of its {@code AttestationSubmitted} event. */
public final class AutomataCalls {
  /** {@code verifyAndAttestOnChain(bytes)}. */
  public static final String VERIFY = "verifyAndAttestOnChain";
  /** keccak256 selector of {@code verifyAndAttestOnChain(bytes)}. */
  public static final Bytes VERIFY_SELECTOR = Bytes.fromHex("38d8480a");
  /** keccak256 selector of {@code verifyAndAttestOnChain(bytes,uint32)}. */
  public static final Bytes VERIFY_WITH_EVAL_SELECTOR = Bytes.fromHex("1beaf6d8");
  /** {@code AttestationSubmitted(bool success, uint8 verifierType, bytes output)}, nothing indexed. */
  public static final Event ATTESTATION_SUBMITTED = new Event("AttestationSubmitted",
      List.of(new TypeReference<Bool>() {}, new TypeReference<Uint8>() {}, new TypeReference<DynamicBytes>() {}));
  /** topic0 of {@link #ATTESTATION_SUBMITTED}. */
  public static final String ATTESTATION_SUBMITTED_TOPIC = EventEncoder.encode(ATTESTATION_SUBMITTED);
  private static final long U32_MAX = 0xffff_ffffL;

  private AutomataCalls() {}

  /** Calldata of {@code verifyAndAttestOnChain(rawQuote)}: the "standard" TCB evaluation. */
  public static Bytes verify(Bytes rawQuote) {
    return encode(new Function(VERIFY, List.of(new DynamicBytes(rawQuote.toByteArray())), List.of()));
  }

  /**
   * Calldata of {@code verifyAndAttestOnChain(rawQuote, tcbEvaluationDataNumber)}; 0 means the
   * standard number.
   */
  public static Bytes verify(Bytes rawQuote, long tcbEvaluationDataNumber) {
    if (tcbEvaluationDataNumber < 0 || tcbEvaluationDataNumber > U32_MAX) {
      throw new IllegalArgumentException("a TCB evaluation data number is a uint32");
    }
    return encode(new Function(VERIFY,
        List.of(new DynamicBytes(rawQuote.toByteArray()), new Uint32(BigInteger.valueOf(tcbEvaluationDataNumber))), List.of()));
  }

  static Bytes encode(Function f) {
    return Bytes.of(Numeric.hexStringToByteArray(FunctionEncoder.encode(f)));
  }

  /** An {@code AttestationSubmitted} event read from a log. */
  public record AttestationSubmitted(boolean success, int verifierType, Bytes output) {
    /** The outcome it reports. */
    public AutomataOutcome outcome() {
      return AutomataOutcome.fromResult(success, output);
    }
  }

  /** Reads a log's topics and data as an {@code AttestationSubmitted} event, if it is one. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public static Optional<AttestationSubmitted> readAttestationSubmitted(List<String> topics, String data) {
    if (topics.isEmpty() || !topics.get(0).equalsIgnoreCase(ATTESTATION_SUBMITTED_TOPIC)) {
      return Optional.empty();
    }
    List<Type> values;
    try {
      values = FunctionReturnDecoder.decode(data, (List) ATTESTATION_SUBMITTED.getNonIndexedParameters());
    } catch (RuntimeException e) {
      return Optional.empty();
    }
    if (values.size() != 3) {
      return Optional.empty();
    }
    return Optional.of(new AttestationSubmitted(((Bool) values.get(0)).getValue(),
        ((Uint8) values.get(1)).getValue().intValueExact(), Bytes.of(((DynamicBytes) values.get(2)).getValue())));
  }
}
