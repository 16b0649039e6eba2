package dev.dcapd.verifier.eventlog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class EventLogReplayTest {
  static List<DstackEvidence> evidence() {
    return DstackEvidence.all();
  }

  @ParameterizedTest
  @MethodSource("evidence")
  void everyVectorReplaysToItsQuote(DstackEvidence e) throws DcapException {
    Replay replay = e.log().replay();
    assertEquals(List.of(), replay.mismatches(e.report()));
    replay.check(e.report());
    replay.checkRtmr3(e.report());
  }

  @Test
  void replayedValuesAreTheReadmeValues() throws DcapException {
    assertEquals("6d1a3da994b6611ee602f25f07b41671ece90cd2898689f1ad4448fdf1155e3668736cca4499659caae2d8044070de57",
        DstackEvidence.named("legacy").log().replay().rtmr(3).hex());
    assertEquals("85e0855a6384fa1c8a6ab36d0dcbfaa11a5753e5a070c08218ae5fe872fcb86967fd2449c29e22e59dc9fec998cb6547",
        DstackEvidence.named("legacy").log().replay().rtmr(0).hex());
    assertEquals("f28a1490ee924e9396c2ccf2d93ad536b83cbe159a1d45024d1fd7acdcc102145efcfcd0cfa209416446c70226affadf",
        DstackEvidence.named("v0.5.6+").log().replay().rtmr(3).hex());
    assertEquals("0f787c3877f3e95095d5a4d13dd0fe0233803b30120d8469866719dc28f519ce021fe1e53459121e7a5a4443147185a8",
        DstackEvidence.named("quote-report").log().replay().rtmr(3).hex());
    assertEquals("6f24c170d0fd63fc2b1b53202eea47b013978437fa6982cf5e0438ff95c208994aaa0f4ebab2e3a66824b5b56869137e",
        DstackEvidence.named("tdx-lite-getquote").log().replay().rtmr(3).hex());
    assertEquals("2023546e7f3b9d1228e274f70c44d481162540f8452544520a796a52f06879709b81a824a26792a7822327504b0d2aee",
        DstackEvidence.named("tdx-lite-getquote").log().replay().rtmr(1).hex());
  }

  @Test
  void newFormatRuntimeEventsHaveNoDigestAndAreRecomputed() throws DcapException {
    EventLog log = DstackEvidence.named("tdx-lite-getquote").log();
    List<TdxEvent> runtime = log.events().stream().filter(TdxEvent::isRuntimeEvent).toList();
    assertFalse(runtime.isEmpty());
    assertTrue(runtime.stream().allMatch(ev -> ev.digest().length() == 0));
    Replay replay = log.replay();
    int i = log.events().indexOf(runtime.get(0));
    assertEquals(RuntimeEventDigest.of(runtime.get(0)), replay.digests().get(i));
  }

  @Test
  void anApplicationEventAfterSystemReadyIsPartOfRtmr3() throws DcapException {
    DstackEvidence e = DstackEvidence.named("quote-report");
    List<TdxEvent> events = e.log().events();
    assertEquals("LIUM_MINER_HOTKEY", events.get(events.size() - 1).event());
    EventLog withoutIt = EventLog.of(events.subList(0, events.size() - 1));
    assertEquals(List.of(3), withoutIt.replay().mismatches(e.report()));
  }

  @ParameterizedTest
  @MethodSource("evidence")
  void aChangedRuntimePayloadIsCaught(DstackEvidence e) {
    EventLog changed = changeFirst(e.log(), ev -> ev.isRuntimeEvent() && ev.event().equals("app-id"),
        ev -> TdxEvent.of(ev.imr(), ev.eventType(), ev.digest(), ev.event(), Bytes.zeros(20)));
    // With a stated digest the log contradicts itself; without one, RTMR3 no longer replays.
    DcapException ex = assertThrows(DcapException.class, () -> changed.replay().check(e.report()));
    assertEquals(FailureCode.EVENT_LOG_MISMATCH, ex.code());
  }

  @ParameterizedTest
  @MethodSource("evidence")
  void aChangedBootDigestIsCaughtInItsRtmr(DstackEvidence e) throws DcapException {
    EventLog changed = changeFirst(e.log(), ev -> ev.imr() == 1,
        ev -> TdxEvent.of(ev.imr(), ev.eventType(), flipped(ev.digest()), ev.event(), ev.payload()));
    assertEquals(List.of(1), changed.replay().mismatches(e.report()));
    assertEquals(FailureCode.EVENT_LOG_MISMATCH,
        assertThrows(DcapException.class, () -> changed.replay().check(e.report())).code());
    changed.replay().checkRtmr3(e.report());
  }

  @ParameterizedTest
  @MethodSource("evidence")
  void aDroppedOrReorderedEventIsCaught(DstackEvidence e) throws DcapException {
    List<TdxEvent> events = new ArrayList<>(e.log().events());
    List<Integer> rtmr3 = new ArrayList<>();
    for (int i = 0; i < events.size(); i++) {
      if (events.get(i).imr() == 3) {
        rtmr3.add(i);
      }
    }
    List<TdxEvent> dropped = new ArrayList<>(events);
    dropped.remove((int) rtmr3.get(1));
    assertEquals(List.of(3), EventLog.of(dropped).replay().mismatches(e.report()));
    List<TdxEvent> swapped = new ArrayList<>(events);
    swapped.set(rtmr3.get(1), events.get(rtmr3.get(2)));
    swapped.set(rtmr3.get(2), events.get(rtmr3.get(1)));
    assertEquals(List.of(3), EventLog.of(swapped).replay().mismatches(e.report()));
  }

  @Test
  void theOtherQuoteDoesNotMatch() throws DcapException {
    Replay replay = DstackEvidence.named("legacy").log().replay();
    assertEquals(List.of(0, 1, 2, 3), replay.mismatches(DstackEvidence.named("v0.5.6+").report()));
  }

  @Test
  void aLogGivenAsAJsonStringIsReadTwice() throws Exception {
    String log = DstackEvidence.named("legacy").eventLogJson();
    String asString = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(log);
    assertEquals(EventLog.parse(log).replay(), EventLog.parse(asString).replay());
  }

  static EventLog changeFirst(EventLog log, java.util.function.Predicate<TdxEvent> which, UnaryOperator<TdxEvent> how) {
    List<TdxEvent> events = new ArrayList<>(log.events());
    for (int i = 0; i < events.size(); i++) {
      if (which.test(events.get(i))) {
        events.set(i, how.apply(events.get(i)));
        return EventLog.of(events);
      }
    }
    throw new IllegalArgumentException("no such event");
  }

  static Bytes flipped(Bytes b) {
    byte[] a = b.toByteArray();
    a[0] ^= 1;
    return Bytes.of(a);
  }
}
