package dev.dcapd.sidecar.attest;

import dev.dcapd.sidecar.agent.AgentException;
import dev.dcapd.sidecar.agent.AgentQuote;
import dev.dcapd.sidecar.agent.GuestAgent;
import dev.dcapd.sidecar.key.AppKey;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.eventlog.DstackAppInfo;
import dev.dcapd.verifier.eventlog.EventLog;
import dev.dcapd.verifier.eventlog.Replay;
import dev.dcapd.verifier.quote.Quote;
import dev.dcapd.verifier.quote.QuoteParseException;
import dev.dcapd.verifier.quote.QuoteParser;
import dev.dcapd.verifier.quote.TdReport;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Mints quotes bound to the app key: asks the agent for a quote whose report_data is the
 * {@code ReportDataBinding} of the key (and nonce), then refuses what does not hold: a quote that
 * does not parse or is not TDX, report_data other than the binding, an event log that does not
 * replay to the quote's RTMR0-3.
 */
public final class Minter {
  private final GuestAgent agent;
  private final AppKey key;
  private final Clock clock;

  public Minter(GuestAgent agent, AppKey key, Clock clock) {
    this.agent = agent;
    this.key = key;
    this.clock = clock;
  }

  public GuestAgent agent() {
    return agent;
  }

  public AppKey key() {
    return key;
  }

  public Attestation mint(Optional<Bytes> nonce) throws AttestException {
    Bytes expected = key.reportData(nonce);
    AgentQuote answer;
    try {
      answer = agent.quote(expected);
    } catch (AgentException e) {
      throw AttestException.of(e);
    }
    Quote quote;
    try {
      quote = QuoteParser.parse(answer.quote().toByteArray());
    } catch (QuoteParseException e) {
      throw new AttestException(AttestException.Kind.BAD_QUOTE, "the agent's quote does not parse: " + e.code() + ": "
          + e.getMessage(), e);
    }
    if (!(quote.body() instanceof TdReport td)) {
      throw new AttestException(AttestException.Kind.BAD_QUOTE, "the agent returned a quote that is not TDX", null);
    }
    if (!td.reportData().constantTimeEquals(expected)) {
      throw new AttestException(AttestException.Kind.BAD_QUOTE,
          "the agent's quote does not carry the report data asked for (got " + td.reportData().hex() + ")", null);
    }
    EventLog log;
    Replay replay;
    DstackAppInfo app;
    try {
      log = EventLog.parse(answer.eventLog());
      replay = log.replay();
      replay.check(td);
      app = DstackAppInfo.of(log);
    } catch (DcapException e) {
      throw new AttestException(AttestException.Kind.BAD_EVENT_LOG, "the agent's event log: " + e.code() + ": " + e.getMessage(), e);
    }
    return new Attestation(agent.kind(), answer.quote(), checksum(answer.quote()), expected, nonce, answer.eventLog(),
        replay.rtmrs(), app, clock.instant());
  }

  /** Lower-case hex SHA-256 of the quote bytes, the daemon's id for it. */
  public static String checksum(Bytes quote) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      quote.updateDigest(md);
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JDK", e);
    }
  }
}
