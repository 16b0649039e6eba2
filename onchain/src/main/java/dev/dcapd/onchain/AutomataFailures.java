package dev.dcapd.onchain;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.FailureCode;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.Utf8String;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.crypto.Hash;

/**
 * What Automata's contracts say when they do not verify a quote, mapped to dcapd's failure codes:
 * the short reasons of {@code (false, reason)}, the longer reasons of the v1.0 contracts that are
 * still deployed, and the revert data of the entry point and the on-chain PCCS (custom errors,
 * {@code Error(string)}, {@code Panic(uint256)}, empty).
 */
public final class AutomataFailures {
  private static final Map<String, FailureCode> REASONS = new LinkedHashMap<>();
  private static final Map<String, CustomError> ERRORS = new LinkedHashMap<>();
  private static final String ERROR_STRING_SELECTOR = "08c379a0";
  private static final String PANIC_SELECTOR = "4e487b71";
  private static final int SELECTOR_SIZE = 4;

  /** A custom error an Automata contract reverts with, and what it means for dcapd. */
  public record CustomError(String signature, Bytes selector, FailureCode code) {}

  static {
    // Entry point.
    reason("Quote length is less than Header length", FailureCode.QUOTE_TRUNCATED);
    reason("Unsupported quote version", FailureCode.UNSUPPORTED_QUOTE_VERSION);
    // Quote verifiers (v1.1+ short codes).
    reason("QHS", FailureCode.QUOTE_TRUNCATED);
    reason("QHV", FailureCode.UNSUPPORTED_QUOTE_VERSION);
    reason("QHATTF", FailureCode.UNSUPPORTED_ATTESTATION_KEY_TYPE);
    reason("TEE", FailureCode.UNSUPPORTED_TEE_TYPE);
    reason("QEVEN", FailureCode.UNSUPPORTED_QE_VENDOR);
    reason("QBS", FailureCode.QUOTE_LENGTH_MISMATCH);
    reason("QBF", FailureCode.QUOTE_MALFORMED);
    reason("ADS", FailureCode.QUOTE_LENGTH_MISMATCH);
    // Auth data that does not parse: most often certification data other than type 6 / type 5.
    reason("ADF", FailureCode.UNSUPPORTED_CERTIFICATION_DATA);
    reason("TD10F", FailureCode.QUOTE_MALFORMED);
    reason("TD15F", FailureCode.QUOTE_MALFORMED);
    reason("TDMF", FailureCode.TDX_MODULE_MISMATCH);
    reason("TDRF", FailureCode.TCB_NOT_SUPPORTED);
    // "TCB level not found or revoked": the answer does not say which; not found is the broader.
    reason("TCBR", FailureCode.TCB_NOT_SUPPORTED);
    reason("QEF", FailureCode.QUOTE_MALFORMED);
    reason("QEVE", FailureCode.INVALID_QE_REPORT_DATA);
    reason("QEIDVE", FailureCode.QE_IDENTITY_MISMATCH);
    reason("X509VE", FailureCode.PCK_CHAIN_UNTRUSTED);
    // The QE report signature or the quote signature; the contract does not say which.
    reason("ATTVE", FailureCode.INVALID_QUOTE_SIGNATURE);
    // ZK route.
    reason("OUTS", FailureCode.QUOTE_MALFORMED);
    reason("TCBCH", FailureCode.TCB_INFO_MISMATCH);
    reason("QEIDCH", FailureCode.QE_IDENTITY_MISMATCH);
    reason("ROOTH", FailureCode.PCK_CHAIN_UNTRUSTED);
    reason("SIGNH", FailureCode.TCB_SIGNING_CHAIN_UNTRUSTED);
    reason("ROOTCRLH", FailureCode.CRL_INVALID);
    reason("PCKCRLM", FailureCode.COLLATERAL_UNAVAILABLE);
    reason("PCKCRLH", FailureCode.CRL_INVALID);
    // v1.0 verifiers (long reasons).
    reason("Invalid QEReport data", FailureCode.INVALID_QE_REPORT_DATA);
    reason("Verification failed by QEIdentity check", FailureCode.QE_IDENTITY_MISMATCH);
    reason("Failed to verify X509 Chain", FailureCode.PCK_CHAIN_UNTRUSTED);
    reason("Failed to verify attestation and/or qe report signatures", FailureCode.INVALID_QUOTE_SIGNATURE);
    reason("Failed to locate a valid FMSPC TCB Status", FailureCode.TCB_NOT_SUPPORTED);
    reason("Failed to locate a valid TDXModule TCB Status", FailureCode.TCB_NOT_SUPPORTED);
    reason("TDXModule check failed", FailureCode.TDX_MODULE_MISMATCH);
    reason("Unknown TEE type", FailureCode.UNSUPPORTED_TEE_TYPE);
    reason("local isv report length is incorrect", FailureCode.QUOTE_MALFORMED);
    reason("local td10 report length is incorrect", FailureCode.QUOTE_MALFORMED);
    reason("quote body length is incorrect", FailureCode.QUOTE_LENGTH_MISMATCH);
    reason("quote auth data length is incorrect", FailureCode.QUOTE_LENGTH_MISMATCH);
    reason("failed to parse authdata", FailureCode.UNSUPPORTED_CERTIFICATION_DATA);

    // PCCS router: collateral missing or expired on chain (upload it, see PccsUpserts).
    error("TcbEvalExpiredOrNotFound(uint8)", FailureCode.COLLATERAL_UNAVAILABLE);
    error("FmspcTcbExpiredOrNotFound(uint8,uint256)", FailureCode.COLLATERAL_UNAVAILABLE);
    error("CrlExpiredOrNotFound(uint8)", FailureCode.COLLATERAL_UNAVAILABLE);
    error("CertExpiredOrNotFound(uint8)", FailureCode.COLLATERAL_UNAVAILABLE);
    error("QEIdentityExpiredOrNotFound(uint8,uint256)", FailureCode.COLLATERAL_UNAVAILABLE);
    error("Forbidden()", FailureCode.ONCHAIN_REVERTED);
    // Entry point fee.
    error("Insufficient_Funds()", FailureCode.ONCHAIN_REVERTED);
    // PCCS DAOs at upsert time.
    error("Certificate_Expired()", FailureCode.CERTIFICATE_EXPIRED);
    error("Expired_Certificates()", FailureCode.CERTIFICATE_EXPIRED);
    error("Crl_Expired()", FailureCode.COLLATERAL_EXPIRED);
    error("TCB_Expired()", FailureCode.COLLATERAL_EXPIRED);
    error("Enclave_Id_Expired()", FailureCode.COLLATERAL_EXPIRED);
    error("TCB_Eval_Expired()", FailureCode.COLLATERAL_EXPIRED);
    error("Certificate_Revoked(uint256)", FailureCode.INTERMEDIATE_CA_REVOKED);
    error("Invalid_Issuer_Name()", FailureCode.PCK_CHAIN_UNTRUSTED);
    error("Duplicate_Collateral()", FailureCode.ONCHAIN_REVERTED);
  }

  private AutomataFailures() {}

  private static void reason(String text, FailureCode code) {
    REASONS.put(text, code);
  }

  private static void error(String signature, FailureCode code) {
    Bytes selector = Bytes.of(Hash.sha3(signature.getBytes(StandardCharsets.US_ASCII)), 0, SELECTOR_SIZE);
    ERRORS.put(selector.hex(), new CustomError(signature, selector, code));
  }

  /** The failure code for a {@code (false, reason)} answer; unknown reasons are {@code ONCHAIN_REJECTED}. */
  public static FailureCode forReason(String reason) {
    return REASONS.getOrDefault(reason, FailureCode.ONCHAIN_REJECTED);
  }

  /** The custom errors known here. */
  public static List<CustomError> customErrors() {
    return List.copyOf(ERRORS.values());
  }

  /** A revert, read: its failure code and a one-line description. */
  public record Revert(FailureCode code, String description) {}

  /**
   * Reads revert data: a known custom error (with its arguments), {@code Error(string)} (whose
   * text is then read as a verifier reason), {@code Panic(uint256)}, or anything else.
   */
  public static Revert forRevert(Bytes data) {
    if (data.length() == 0) {
      return new Revert(FailureCode.ONCHAIN_REVERTED,
          "reverted without data (out of gas, or an invalid P-256 signature through the precompile)");
    }
    if (data.length() < SELECTOR_SIZE) {
      return new Revert(FailureCode.ONCHAIN_REVERTED, "reverted with " + data.hex0x());
    }
    String selector = data.slice(0, SELECTOR_SIZE).hex();
    Bytes args = data.slice(SELECTOR_SIZE, data.length() - SELECTOR_SIZE);
    if (selector.equals(ERROR_STRING_SELECTOR)) {
      Optional<String> text = decodeOne(args, new TypeReference<Utf8String>() {}).map(t -> ((Utf8String) t).getValue());
      if (text.isPresent()) {
        return new Revert(forReason(text.get()) == FailureCode.ONCHAIN_REJECTED ? FailureCode.ONCHAIN_REVERTED : forReason(text.get()),
            "reverted: " + text.get());
      }
    } else if (selector.equals(PANIC_SELECTOR)) {
      Optional<BigInteger> code = decodeOne(args, new TypeReference<Uint256>() {}).map(t -> ((Uint256) t).getValue());
      if (code.isPresent()) {
        return new Revert(FailureCode.ONCHAIN_REVERTED, "panicked with code 0x" + code.get().toString(16));
      }
    } else if (ERRORS.containsKey(selector)) {
      CustomError e = ERRORS.get(selector);
      return new Revert(e.code(), "reverted with " + e.signature().substring(0, e.signature().indexOf('('))
          + (args.length() == 0 ? "()" : "(" + args.hex0x() + ")"));
    }
    return new Revert(FailureCode.ONCHAIN_REVERTED, "reverted with " + data.hex0x());
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Optional<Type> decodeOne(Bytes args, TypeReference<?> type) {
    try {
      List<Type> values = FunctionReturnDecoder.decode(args.hex0x(), List.of((TypeReference) type));
      return values.size() == 1 ? Optional.of(values.get(0)) : Optional.empty();
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }
}
