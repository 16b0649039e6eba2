package dev.dcapd.daemon.api;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.google.protobuf.Timestamp;
import dev.dcapd.proto.store.v1.StoredRecord;
import dev.dcapd.proto.v1.GetResponse;
import dev.dcapd.proto.v1.QuoteCollateral;
import dev.dcapd.proto.v1.RecentItem;
import dev.dcapd.proto.v1.RecentResponse;
import dev.dcapd.proto.v1.Verdict;
import dev.dcapd.proto.v1.VerifyResponse;
import dev.dcapd.verifier.Bytes;
import java.time.Instant;

/**
 * The use case's answers as {@code dcapd.v1} messages: what gRPC sends, and what the HTTP API
 * renders as Phala's JSON ({@code AnswerJson}), so both adapters answer alike.
 */
public final class AnswerMessages {
  private final Attestations attestations;
  /** Collateral as the API message (about 20 KB that most answers carry), built once per content id. */
  private final Cache<String, QuoteCollateral> collateralMessages =
      Caffeine.newBuilder().maximumSize(StoredCollaterals.CAPACITY).build();

  public AnswerMessages(Attestations attestations) {
    this.attestations = attestations;
  }

  /** An upload's answer, with the collateral its verdict was reached against. */
  public VerifyResponse verifyResponse(Attestations.Answer a) {
    StoredRecord r = a.record();
    boolean ok = r.getVerdict().getSuccess();
    VerifyResponse.Builder b = VerifyResponse.newBuilder()
        .setSuccess(ok)
        .setQuote(ProtoQuotes.quote(a.quote(), ok))
        .setChecksum(a.checksum().hex())
        .setCanDownload(r.getCanDownload())
        .setUploadedAt(ProtoVerdicts.timestampMicros(r.getUploadedAtMicros()))
        .setVerifiedAt(ProtoVerdicts.timestampMicros(r.getVerifiedAtMicros()))
        .setVerdict(currentAt(r.getVerdict(), a.at()))
        .setAlreadyStored(a.alreadyStored())
        .addAllHistory(r.getHistoryList());
    attestations.collateral(r.getCollateralId()).map(this::collateral).ifPresent(b::setQuoteCollateral);
    return b.build();
  }

  /** A stored quote's answer. */
  public GetResponse getResponse(Attestations.Answer a) {
    StoredRecord r = a.record();
    boolean ok = r.getVerdict().getSuccess();
    return GetResponse.newBuilder()
        .setSuccess(ok)
        .setChecksum(a.checksum().hex())
        .setQuote(ProtoQuotes.quote(a.quote(), ok))
        .setVerified(ok)
        .setCanDownload(r.getCanDownload())
        .setUploadedAt(ProtoVerdicts.timestampMicros(r.getUploadedAtMicros()))
        .setVerifiedAt(ProtoVerdicts.timestampMicros(r.getVerifiedAtMicros()))
        .setVerdict(currentAt(r.getVerdict(), a.at()))
        .setCollateralId(r.getCollateralId())
        .setSize(r.getSize())
        .addAllHistory(r.getHistoryList())
        .build();
  }

  /** A page of {@code Recent}; with {@code includeQuote}, each entry's parsed quote. */
  public RecentResponse recentResponse(Attestations.Recent page, boolean includeQuote) {
    RecentResponse.Builder b = RecentResponse.newBuilder();
    for (Attestations.Listed e : page.entries()) {
      StoredRecord r = e.record();
      RecentItem.Builder item = RecentItem.newBuilder()
          .setChecksum(e.checksum())
          .setVerified(e.verified())
          .setCreatedAt(ProtoVerdicts.timestampMicros(r.getUploadedAtMicros()))
          .setTeeType(r.getTeeType())
          .setTcbStatus(e.verified() ? r.getVerdict().getTcbStatus() : "");
      if (includeQuote) {
        item.setQuote(ProtoQuotes.quote(attestations.storedQuote(Bytes.fromHex(e.checksum())), e.verified()));
      }
      b.addItems(item);
    }
    page.nextPageToken().ifPresent(b::setNextPageToken);
    return b.build();
  }

  /** Stored collateral as the API message, built once per content id. */
  public QuoteCollateral collateral(StoredCollaterals.Known c) {
    return collateralMessages.get(c.id(), id -> ProtoQuotes.collateral(c.model()));
  }

  /**
   * {@code v} shown current at {@code now}: as it is when it was reached at that instant (a fresh
   * judgement), else a copy with {@code current_at} set.
   */
  private static Verdict currentAt(Verdict v, Instant now) {
    Timestamp at = v.getCurrentAt();
    if (at.getSeconds() == now.getEpochSecond() && at.getNanos() == now.getNano()) {
      return v;
    }
    return v.toBuilder().setCurrentAt(ProtoVerdicts.timestamp(now)).build();
  }
}
