package dev.dcapd.daemon.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dcapd.proto.store.v1.CachedCollateral;
import dev.dcapd.proto.store.v1.StoredRecord;
import dev.dcapd.proto.v1.Verdict;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.Vectors;
import dev.dcapd.verifier.quote.Quote;
import dev.dcapd.verifier.quote.QuoteInput;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The RocksDB store on a temporary directory: exact bytes back, atomic records, paging, reopen. */
class QuoteStoreTest {
  @TempDir Path dir;

  private static final List<String> QUOTES = List.of(
      "dcap-qvl/sgx_quote", "dcap-qvl/tdx_quote", "dcap-qvl/tdx_quote_outdated", "dcap-qvl/tdx-quote.hex",
      "go-tdx-guest/cos-113-tdx-quote.dat", "intel/qvl-sample-sgx/quote.dat", "intel/qvl-sample-tdx/quote.dat");

  private static Quote quote(String path) throws Exception {
    return QuoteInput.parse(Vectors.bytes(path));
  }

  private static StoredRecord record(Quote q, long micros, String collateralId) {
    return StoredRecord.newBuilder()
        .setUploadedAtMicros(micros)
        .setVerifiedAtMicros(micros)
        .setVerdict(Verdict.newBuilder().setSuccess(micros % 2 == 0).setTcbStatus("UpToDate"))
        .setCollateralId(collateralId)
        .setTeeType(q.teeType().name())
        .setVersion(q.version())
        .setSize(q.raw().length())
        .setCanDownload(true)
        .build();
  }

  @Test
  void exactBytesBackForEveryKindOfQuote() throws Exception {
    try (QuoteStore store = QuoteStore.open(dir, false)) {
      long t = 1_000;
      for (String path : QUOTES) {
        Quote q = quote(path);
        store.put(q, record(q, t++, ""), null);
      }
      for (String path : QUOTES) {
        Quote q = quote(path);
        Bytes checksum = QuoteStore.sha256(q.raw());
        assertArrayEquals(q.raw().toByteArray(), store.rawQuote(checksum).orElseThrow(), path);
        assertEquals(q.raw().length(), store.record(checksum).orElseThrow().getSize());
      }
      assertTrue(store.record(Bytes.zeros(32)).isEmpty());
      assertTrue(store.rawQuote(Bytes.zeros(32)).isEmpty());
    }
  }

  @Test
  void survivesReopenAndKeepsCollateralOnce() throws Exception {
    Quote q = quote("dcap-qvl/tdx_quote");
    Bytes checksum = QuoteStore.sha256(q.raw());
    String collateral = Vectors.text("dcap-qvl/tdx_quote_collateral.json");
    String id = "ab".repeat(32);
    try (QuoteStore store = QuoteStore.open(dir, true)) {
      store.put(q, record(q, 42, id), collateral);
      store.putCachedCollateral("TDX/b0c06f000000/platform",
          CachedCollateral.newBuilder().setCollateralId(id).setFetchedAtMicros(7).setSource("test").build(), collateral);
    }
    try (QuoteStore store = QuoteStore.open(dir, false)) {
      assertEquals(42, store.record(checksum).orElseThrow().getUploadedAtMicros());
      assertArrayEquals(q.raw().toByteArray(), store.rawQuote(checksum).orElseThrow());
      assertEquals(collateral, store.collateralJson(id).orElseThrow());
      assertEquals(7, store.cachedCollateral("TDX/b0c06f000000/platform").orElseThrow().getFetchedAtMicros());
      assertTrue(store.cachedCollateral("SGX/000000000000/processor").isEmpty());
    }
  }

  @Test
  void recentIsNewestFirstWithBothPagingStyles() throws Exception {
    Quote base = quote("dcap-qvl/tdx_quote");
    try (QuoteStore store = QuoteStore.open(dir, false)) {
      List<String> inserted = new ArrayList<>();
      byte[] raw = base.raw().toByteArray();
      for (int i = 0; i < 1000; i++) {
        // Distinct quotes: change a trailing padding byte, which the parser keeps but ignores.
        raw[raw.length - 1] = (byte) i;
        raw[raw.length - 2] = (byte) (i >> 8);
        Quote q = QuoteInput.parse(raw.clone());
        store.put(q, record(q, 10_000 + i, ""), null);
        inserted.add(0, QuoteStore.sha256(q.raw()).hex());
      }
      // Offset paging.
      RecentPage first = store.recent(0, 20, Optional.empty());
      assertEquals(inserted.subList(0, 20), checksums(first));
      assertEquals(inserted.subList(100, 120), checksums(store.recent(100, 20, Optional.empty())));
      assertEquals(inserted.subList(990, 1000), checksums(store.recent(990, 20, Optional.empty())));
      assertTrue(store.recent(1000, 20, Optional.empty()).entries().isEmpty());

      // Cursor paging visits every record once, in order.
      List<String> seen = new ArrayList<>();
      Optional<String> token = Optional.empty();
      do {
        RecentPage p = token.isEmpty() ? store.recent(0, 33, Optional.empty()) : store.recent(0, 33, token);
        seen.addAll(checksums(p));
        token = p.nextPageToken();
      } while (token.isPresent());
      assertEquals(inserted, seen);
      Set<String> unique = new HashSet<>(seen);
      assertEquals(1000, unique.size());
      assertTrue(QuoteStore.isValidPageToken(first.nextPageToken().orElseThrow()));
      assertFalse(QuoteStore.isValidPageToken("not-a-token"));
    }
  }

  private static List<String> checksums(RecentPage page) {
    List<String> out = new ArrayList<>();
    page.entries().forEach(e -> out.add(e.checksum()));
    return out;
  }
}
