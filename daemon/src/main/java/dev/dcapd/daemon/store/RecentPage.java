package dev.dcapd.daemon.store;

import dev.dcapd.proto.store.v1.StoredRecord;
import java.util.List;
import java.util.Optional;

/** One page of the newest-first index: records with their checksums, and the cursor after them. */
public record RecentPage(List<Entry> entries, Optional<String> nextPageToken) {
  public RecentPage {
    entries = List.copyOf(entries);
  }

  /** A stored quote's checksum (hex) and record. */
  public record Entry(String checksum, StoredRecord record) {}
}
