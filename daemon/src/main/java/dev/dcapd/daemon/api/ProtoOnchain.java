package dev.dcapd.daemon.api;

import dev.dcapd.onchain.OnchainExport;
import dev.dcapd.onchain.PccsUpserts;
import dev.dcapd.proto.v1.ExportOnchainResponse;
import dev.dcapd.proto.v1.OnchainUpsert;
import java.util.List;

/** The on-chain exporter's answer as the API's message. */
final class ProtoOnchain {
  private ProtoOnchain() {}

  static ExportOnchainResponse export(String checksum, OnchainExport e, List<PccsUpserts.Upsert> upserts) {
    ExportOnchainResponse.Builder b = ExportOnchainResponse.newBuilder()
        .setChecksum(checksum)
        .setCalldata(ProtoQuotes.bs(e.calldata()))
        .setCalldataWithEvaluationNumber(ProtoQuotes.bs(e.calldataWithEvaluationNumber()))
        .setTcbEvaluationDataNumber(e.tcbEvaluationDataNumber())
        .setExpectedToVerify(e.expectedToVerify())
        .addAllNotes(e.notes());
    e.expectedOutput().ifPresent(o -> b.setExpectedOutput(ProtoQuotes.bs(o)));
    e.expectedStatus().ifPresent(s -> b.setExpectedStatus(s.code()));
    e.expectedFailure().ifPresent(f -> b.setExpectedFailure(f.name()));
    e.expectedReason().ifPresent(b::setExpectedReason);
    for (PccsUpserts.Upsert u : upserts) {
      b.addUpserts(OnchainUpsert.newBuilder()
          .setDao(u.dao().name())
          .setFunction(u.function())
          .setWhat(u.what())
          .setCalldata(ProtoQuotes.bs(u.calldata())));
    }
    return b.build();
  }
}
