package dev.dcapd.daemon.store;

import dev.dcapd.proto.store.v1.StoredRecord;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/** One page of the newest-first index: records with their checksums, and the cursor after them. */
public record RecentPage(List<Entry> entries, Optional<String> nextPageToken) {
  private static final int CHECKSUM_SIZE = 32;
  private static final int CURSOR_SIZE = Long.BYTES + CHECKSUM_SIZE;

  public RecentPage {
    entries = List.copyOf(entries);
  }

  /** A stored quote's checksum (hex) and record. */
  public record Entry(String checksum, StoredRecord record) {}

  /**
   * A position in the index, as every backend's page tokens carry it: an entry's upload time and
   * checksum. The token is the upload time inverted (big-endian) then the checksum, base64url, so
   * that tokens sort newest first and one backend's token means the same to another.
   */
  public record Cursor(long uploadedAtMicros, byte[] checksum) {
    public Cursor {
      if (checksum.length != CHECKSUM_SIZE) {
        throw new IllegalArgumentException("a checksum is 32 bytes");
      }
    }

    /** The index key this cursor names (the token's bytes). */
    public byte[] key() {
      return ByteBuffer.allocate(CURSOR_SIZE).putLong(Long.MAX_VALUE - uploadedAtMicros).put(checksum).array();
    }

    public String token() {
      return Base64.getUrlEncoder().withoutPadding().encodeToString(key());
    }

    /** The cursor in a page token, or empty when it is not one. */
    public static Optional<Cursor> parse(String token) {
      byte[] k;
      try {
        k = Base64.getUrlDecoder().decode(token);
      } catch (IllegalArgumentException e) {
        return Optional.empty();
      }
      if (k.length != CURSOR_SIZE) {
        return Optional.empty();
      }
      ByteBuffer b = ByteBuffer.wrap(k);
      long micros = Long.MAX_VALUE - b.getLong();
      byte[] checksum = new byte[CHECKSUM_SIZE];
      b.get(checksum);
      return Optional.of(new Cursor(micros, checksum));
    }
  }
}
