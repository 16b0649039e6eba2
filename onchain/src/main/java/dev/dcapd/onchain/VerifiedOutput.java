package dev.dcapd.onchain;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.quote.BodyType;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeEncoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.DynamicArray;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.Utf8String;
import org.web3j.utils.Numeric;

/**
 * Automata's success output for a verified quote (v1.1+ {@code VerifiedOutput}): the
 * {@code abi.encodePacked} of quote version, body type, TCB status, FMSPC, the raw quote body and,
 * only when there are any, {@code abi.encode(string[] advisoryIDs)}.
 *
 * <pre>
 * offset len  field
 *  0      2   quoteVersion, big-endian
 *  2      2   quoteBodyType, big-endian: 1 SGX enclave report, 2 TD report 1.0, 3 TD report 1.5
 *  4      1   tcbStatus ({@link AutomataStatus})
 *  5      6   FMSPC
 * 11      n   quote body, byte for byte (384, 584 or 648)
 * 11+n    *   abi.encode(string[]) of the advisory ids; absent when there are none
 * </pre>
 */
public record VerifiedOutput(
    int quoteVersion, int quoteBodyType, AutomataStatus tcbStatus, Bytes fmspc, Bytes quoteBody, List<String> advisoryIds) {

  public static final int VERSION_START = 0;
  public static final int VERSION_END = VERSION_START + 2;
  public static final int BODY_TYPE_START = VERSION_END;
  public static final int BODY_TYPE_END = BODY_TYPE_START + 2;
  public static final int TCB_STATUS_AT = BODY_TYPE_END;
  public static final int FMSPC_START = TCB_STATUS_AT + 1;
  public static final int FMSPC_END = FMSPC_START + 6;
  public static final int BODY_START = FMSPC_END;

  public VerifiedOutput {
    Objects.requireNonNull(tcbStatus, "tcbStatus");
    if (quoteVersion < 0 || quoteVersion > 0xffff || quoteBodyType < 0 || quoteBodyType > 0xffff) {
      throw new IllegalArgumentException("version and body type are u16");
    }
    if (fmspc.length() != FMSPC_END - FMSPC_START) {
      throw new IllegalArgumentException("an FMSPC is 6 bytes");
    }
    if (quoteBody.length() != bodySize(quoteBodyType).orElse(-1)) {
      throw new IllegalArgumentException("body type " + quoteBodyType + " does not have a " + quoteBody.length() + "-byte body");
    }
    advisoryIds = List.copyOf(advisoryIds);
  }

  /** The body size of an output body type: 1 SGX 384, 2 TD 1.0 584, 3 TD 1.5 648. */
  public static Optional<Integer> bodySize(int quoteBodyType) {
    for (BodyType t : BodyType.values()) {
      if (t.code() == quoteBodyType) {
        return Optional.of(t.size());
      }
    }
    return Optional.empty();
  }

  /** The packed bytes, exactly as the contract returns them. */
  public Bytes encode() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(BODY_START + quoteBody.length() + 64 * (advisoryIds.size() + 2));
    out.write(quoteVersion >>> 8);
    out.write(quoteVersion);
    out.write(quoteBodyType >>> 8);
    out.write(quoteBodyType);
    out.write(tcbStatus.code());
    out.writeBytes(fmspc.toByteArray());
    out.writeBytes(quoteBody.toByteArray());
    if (!advisoryIds.isEmpty()) {
      out.writeBytes(encodeStringArray(advisoryIds));
    }
    return Bytes.of(out.toByteArray());
  }

  /**
   * Reads an output. Throws {@link IllegalArgumentException} when {@code output} is not one: too
   * short, an unknown body type or status, or a trailer that is not an ABI {@code string[]}.
   */
  public static VerifiedOutput decode(Bytes output) {
    if (output.length() < BODY_START) {
      throw new IllegalArgumentException("an output has at least " + BODY_START + " bytes, not " + output.length());
    }
    int version = output.unsigned(VERSION_START) << 8 | output.unsigned(VERSION_START + 1);
    int bodyType = output.unsigned(BODY_TYPE_START) << 8 | output.unsigned(BODY_TYPE_START + 1);
    int size = bodySize(bodyType).orElseThrow(() -> new IllegalArgumentException("unknown body type " + bodyType));
    if (output.length() < BODY_START + size) {
      throw new IllegalArgumentException("output too short for body type " + bodyType);
    }
    AutomataStatus status = AutomataStatus.fromCode(output.unsigned(TCB_STATUS_AT))
        .orElseThrow(() -> new IllegalArgumentException("unknown TCB status " + output.unsigned(TCB_STATUS_AT)));
    Bytes trailer = output.slice(BODY_START + size, output.length() - BODY_START - size);
    List<String> advisories = trailer.length() == 0 ? List.of() : decodeStringArray(trailer);
    if (!advisories.isEmpty() && !Bytes.of(encodeStringArray(advisories)).equals(trailer)) {
      throw new IllegalArgumentException("the advisory trailer is not a canonical abi.encode(string[])");
    }
    return new VerifiedOutput(version, bodyType, status, output.slice(FMSPC_START, FMSPC_END - FMSPC_START),
        output.slice(BODY_START, size), advisories);
  }

  /** {@code abi.encode(string[])}: the offset word 0x20, then the array's own encoding. */
  static byte[] encodeStringArray(List<String> strings) {
    List<Utf8String> items = new ArrayList<>();
    for (String s : strings) {
      items.add(new Utf8String(s));
    }
    String array = TypeEncoder.encode(new DynamicArray<>(Utf8String.class, items));
    return Numeric.hexStringToByteArray(TypeEncoder.encode(new org.web3j.abi.datatypes.generated.Uint256(32)) + array);
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static List<String> decodeStringArray(Bytes encoded) {
    List<TypeReference<Type>> out = List.of((TypeReference) new TypeReference<DynamicArray<Utf8String>>() {});
    List<Type> values;
    try {
      values = FunctionReturnDecoder.decode(encoded.hex0x(), out);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("the advisory trailer is not an ABI string[]", e);
    }
    if (values.size() != 1) {
      throw new IllegalArgumentException("the advisory trailer is not an ABI string[]");
    }
    List<String> ids = new ArrayList<>();
    for (Object s : ((DynamicArray<Utf8String>) values.get(0)).getValue()) {
      ids.add(((Utf8String) s).getValue());
    }
    return ids;
  }
}
