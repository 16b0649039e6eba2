package dev.dcapd.onchain;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.pck.PckExtension;
import dev.dcapd.verifier.quote.CertificationData;
import dev.dcapd.verifier.quote.Quote;
import dev.dcapd.verifier.verify.Verdict;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What Automata's on-chain verifier takes for a quote and what it will answer, computed off chain
 * from dcapd's verdict (the daemon's {@code ExportOnchain} and {@code dcap onchain}).
 *
 * <p>The prediction holds when the chain's PCCS holds the same collateral (see
 * {@link PccsUpserts}) and the block time lies in its validity window, and the call is made with
 * {@link #calldataWithEvaluationNumber()}, which pins the TCB evaluation number of that collateral.
 * It follows Automata's rules where they differ from Intel's ({@link AutomataEvaluation}); the
 * {@link #notes()} say where the two disagree for this quote.
 *
 * @param calldata {@code verifyAndAttestOnChain(bytes)} (the chain's "standard" TCB evaluation)
 * @param calldataWithEvaluationNumber {@code verifyAndAttestOnChain(bytes, uint32)} with the
 *     collateral's TCB evaluation number
 * @param tcbEvaluationDataNumber the collateral's TCB evaluation number
 * @param expectedOutput the packed VerifiedOutput Automata returns, present when it will verify
 * @param expectedStatus Automata's status byte, present when it will verify
 * @param expectedFailure dcapd's failure code when Automata will not verify the quote
 * @param expectedReason Automata's own reason code when it is known (e.g. {@code TCBR})
 * @param notes differences between Automata's answer and the verdict, one line each
 */
public record OnchainExport(
    Bytes calldata,
    Bytes calldataWithEvaluationNumber,
    long tcbEvaluationDataNumber,
    Optional<Bytes> expectedOutput,
    Optional<AutomataStatus> expectedStatus,
    Optional<FailureCode> expectedFailure,
    Optional<String> expectedReason,
    List<String> notes) {

  /** Automata's {@code MINIMUM_QUOTE_LENGTH}. */
  public static final int MINIMUM_QUOTE_LENGTH = 1020;
  /** Automata's reason for a quote shorter than {@link #MINIMUM_QUOTE_LENGTH}. */
  public static final String QUOTE_TOO_SHORT = "QHS";
  /** Automata's reason for auth data it cannot parse (certification data other than type 5). */
  public static final String AUTH_DATA_FAILED = "ADF";

  private static final ObjectMapper JSON = new ObjectMapper();

  public OnchainExport {
    Objects.requireNonNull(calldata, "calldata");
    Objects.requireNonNull(calldataWithEvaluationNumber, "calldataWithEvaluationNumber");
    Objects.requireNonNull(expectedOutput, "expectedOutput");
    Objects.requireNonNull(expectedStatus, "expectedStatus");
    Objects.requireNonNull(expectedFailure, "expectedFailure");
    Objects.requireNonNull(expectedReason, "expectedReason");
    notes = List.copyOf(notes);
    if (expectedOutput.isPresent() == expectedFailure.isPresent() || expectedOutput.isPresent() != expectedStatus.isPresent()) {
      throw new IllegalArgumentException("an export expects an output with a status, or a failure");
    }
  }

  /** Whether Automata is expected to verify the quote. */
  public boolean expectedToVerify() {
    return expectedOutput.isPresent();
  }

  /**
   * The export of {@code quote}, judged by {@code verdict} against {@code collateral}.
   *
   * @throws DcapException {@code COLLATERAL_MALFORMED} if the collateral's TCB info has no
   *     evaluation number or its JSON cannot be read
   */
  public static OnchainExport forQuote(Quote quote, QuoteCollateral collateral, Verdict verdict) throws DcapException {
    Objects.requireNonNull(quote, "quote");
    Objects.requireNonNull(collateral, "collateral");
    Objects.requireNonNull(verdict, "verdict");
    long evaluationNumber = evaluationNumber(collateral.tcbInfo());
    Bytes calldata = AutomataCalls.verify(quote.raw());
    Bytes pinned = AutomataCalls.verify(quote.raw(), evaluationNumber);
    List<String> notes = new ArrayList<>();

    if (!verdict.success()) {
      FailureCode code = verdict.failure().orElseThrow().code();
      notes.add("dcapd rejects the quote (" + code + "); the on-chain answer is not predicted beyond that");
      return failed(calldata, pinned, evaluationNumber, code, Optional.empty(), notes);
    }
    if (quote.length() < MINIMUM_QUOTE_LENGTH) {
      notes.add("Automata requires at least " + MINIMUM_QUOTE_LENGTH + " bytes");
      return failed(calldata, pinned, evaluationNumber, FailureCode.QUOTE_TRUNCATED, Optional.of(QUOTE_TOO_SHORT), notes);
    }
    CertificationData cd = quote.certificationData();
    if (cd.type() != CertificationData.TYPE_PCK_CERT_CHAIN) {
      notes.add("Automata reads only certification data type 5 (a PCK chain), not type " + cd.type());
      return failed(calldata, pinned, evaluationNumber, FailureCode.UNSUPPORTED_CERTIFICATION_DATA,
          Optional.of(AUTH_DATA_FAILED), notes);
    }
    PckExtension pck = cd.pckCertChain().pckExtension();
    AutomataEvaluation.Result result;
    try {
      result = AutomataEvaluation.evaluate(quote, pck, collateral.tcbInfo(), collateral.qeIdentity());
    } catch (IllegalArgumentException e) {
      throw new DcapException(FailureCode.COLLATERAL_MALFORMED, "collateral JSON: " + e.getMessage());
    }
    if (!result.verified()) {
      String reason = result.rejection();
      notes.add("Automata rejects what dcapd accepts (" + verdict.tcbStatus().orElseThrow() + "): " + reason);
      return failed(calldata, pinned, evaluationNumber, AutomataFailures.forReason(reason), Optional.of(reason), notes);
    }
    AutomataStatus intel = AutomataStatus.of(verdict.tcbStatus().orElseThrow());
    if (result.status() != intel) {
      notes.add("status: Automata " + result.status() + " (" + result.status().code() + "), Intel "
          + verdict.tcbStatus().orElseThrow().intelName() + " (" + intel.code() + ")");
    }
    if (!result.advisoryIds().equals(verdict.advisoryIds())) {
      notes.add("advisories: Automata " + result.advisoryIds() + ", Intel " + verdict.advisoryIds());
    }
    VerifiedOutput output = new VerifiedOutput(quote.version(), quote.body().bodyType().code(), result.status(),
        pck.fmspc(), quote.raw().slice(quote.bodyOffset(), quote.body().bodyType().size()), result.advisoryIds());
    return new OnchainExport(calldata, pinned, evaluationNumber, Optional.of(output.encode()), Optional.of(result.status()),
        Optional.empty(), Optional.empty(), notes);
  }

  private static OnchainExport failed(
      Bytes calldata, Bytes pinned, long n, FailureCode code, Optional<String> reason, List<String> notes) {
    return new OnchainExport(calldata, pinned, n, Optional.empty(), Optional.empty(), Optional.of(code), reason, notes);
  }

  private static long evaluationNumber(String tcbInfoJson) throws DcapException {
    JsonNode n;
    try {
      n = JSON.readTree(tcbInfoJson);
    } catch (JsonProcessingException e) {
      throw new DcapException(FailureCode.COLLATERAL_MALFORMED, "the TCB info is not JSON");
    }
    JsonNode v = n == null ? null : n.get("tcbEvaluationDataNumber");
    if (v == null || !v.canConvertToLong() || v.asLong() < 0 || v.asLong() > 0xffff_ffffL) {
      throw new DcapException(FailureCode.COLLATERAL_MALFORMED, "the TCB info has no tcbEvaluationDataNumber");
    }
    return v.asLong();
  }
}
