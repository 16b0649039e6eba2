package dev.dcapd.onchain;

import dev.dcapd.verifier.collateral.TcbStatus;
import java.util.Optional;

/**
 * The TCB status codes in Automata's {@code VerifiedOutput} (the on-chain PCCS enum
 * {@code TCBStatus}), with the Intel status each stands for.
 */
public enum AutomataStatus {
  OK(0, TcbStatus.UP_TO_DATE),
  TCB_SW_HARDENING_NEEDED(1, TcbStatus.SW_HARDENING_NEEDED),
  TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED(2, TcbStatus.CONFIGURATION_AND_SW_HARDENING_NEEDED),
  TCB_CONFIGURATION_NEEDED(3, TcbStatus.CONFIGURATION_NEEDED),
  TCB_OUT_OF_DATE(4, TcbStatus.OUT_OF_DATE),
  TCB_OUT_OF_DATE_CONFIGURATION_NEEDED(5, TcbStatus.OUT_OF_DATE_CONFIGURATION_NEEDED),
  TCB_REVOKED(6, TcbStatus.REVOKED),
  /** A status string the on-chain TCB info parser does not know; no Intel equivalent. */
  TCB_UNRECOGNIZED(7, null),
  /** Declared by the V5 verifier; never emitted (its relaunch result is overwritten). */
  TCB_TD_RELAUNCH_ADVISED(8, TcbStatus.TD_RELAUNCH_ADVISED),
  /** Declared by the V5 verifier; never emitted (its relaunch result is overwritten). */
  TCB_TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED(9, TcbStatus.TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED);

  private final int code;
  private final TcbStatus intel;

  AutomataStatus(int code, TcbStatus intel) {
    this.code = code;
    this.intel = intel;
  }

  /** The byte in the output. */
  public int code() {
    return code;
  }

  /** The Intel status this code stands for; empty for {@link #TCB_UNRECOGNIZED}. */
  public Optional<TcbStatus> intelStatus() {
    return Optional.ofNullable(intel);
  }

  /** The code for {@code code}, if it is one. */
  public static Optional<AutomataStatus> fromCode(int code) {
    for (AutomataStatus s : values()) {
      if (s.code == code) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }

  /** The code for an Intel status. */
  public static AutomataStatus of(TcbStatus status) {
    for (AutomataStatus s : values()) {
      if (s.intel == status) {
        return s;
      }
    }
    throw new IllegalArgumentException("no Automata code for " + status);
  }

  /**
   * The status a TCB level string parses to on chain (the PCCS's FmspcTcbHelper): Intel's names,
   * anything else {@link #TCB_UNRECOGNIZED}.
   */
  public static AutomataStatus ofTcbLevelText(String text) {
    return TcbStatus.fromIntelName(text)
        .filter(s -> s != TcbStatus.TD_RELAUNCH_ADVISED && s != TcbStatus.TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED)
        .map(AutomataStatus::of)
        .orElse(TCB_UNRECOGNIZED);
  }
}
