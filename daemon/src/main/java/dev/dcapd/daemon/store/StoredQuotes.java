package dev.dcapd.daemon.store;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.dcapd.proto.store.v1.StoredQuote;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.quote.CertificationData;
import dev.dcapd.verifier.quote.Quote;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;
import java.util.function.Function;

/**
 * How every backend keeps a quote's bytes: the quote with its PCK chain cut out ({@link StoredQuote}),
 * and the chain once, as a blob under its SHA-256. Every quote of a platform carries the same
 * chain of some 3.5 KiB, most of a quote's size; stored once it is read once per platform.
 */
public final class StoredQuotes {
  private StoredQuotes() {}

  /** A quote split for storing: its {@link StoredQuote} and, when it carries one, its chain blob. */
  public record Split(StoredQuote stored, Optional<Blob> chain) {}

  /** A chain blob and its id (SHA-256 of the chain). */
  public record Blob(byte[] id, byte[] data) {}

  /** Cuts the PCK chain (when the quote carries one) out of the quote. */
  public static Split split(Quote quote) {
    byte[] raw = quote.raw().toByteArray();
    CertificationData cert = quote.certificationData();
    if (cert.type() != CertificationData.TYPE_PCK_CERT_CHAIN || cert.data().length() == 0) {
      return new Split(StoredQuote.newBuilder().setData(ByteString.copyFrom(raw)).build(), Optional.empty());
    }
    // The certification data is the last field of the quote proper.
    int offset = quote.length() - cert.data().length();
    byte[] chain = cert.data().toByteArray();
    byte[] chainId = sha256(cert.data()).toByteArray();
    byte[] rest = new byte[raw.length - chain.length];
    System.arraycopy(raw, 0, rest, 0, offset);
    System.arraycopy(raw, offset + chain.length, rest, offset, raw.length - offset - chain.length);
    StoredQuote stored = StoredQuote.newBuilder()
        .setData(ByteString.copyFrom(rest))
        .setChainId(ByteString.copyFrom(chainId))
        .setChainOffset(offset)
        .setChainLength(chain.length)
        .build();
    return new Split(stored, Optional.of(new Blob(chainId, chain)));
  }

  /**
   * The exact bytes of a quote from its stored form, reading its chain with {@code chains}.
   *
   * @throws StoreException when the stored form is corrupt or its chain is missing
   */
  public static byte[] join(Bytes checksum, byte[] storedQuote, Function<ByteString, byte[]> chains) {
    StoredQuote sq;
    try {
      sq = StoredQuote.parseFrom(storedQuote);
    } catch (InvalidProtocolBufferException e) {
      throw new StoreException("the stored quote " + checksum + " is corrupt", e);
    }
    if (sq.getChainId().isEmpty()) {
      return sq.getData().toByteArray();
    }
    byte[] chain = chains.apply(sq.getChainId());
    if (chain == null || chain.length != sq.getChainLength()) {
      throw new StoreException("the certificate chain of quote " + checksum + " is missing", null);
    }
    ByteString data = sq.getData();
    int at = sq.getChainOffset();
    if (at < 0 || at > data.size()) {
      throw new StoreException("the stored quote " + checksum + " is corrupt: chain offset " + at, null);
    }
    byte[] raw = new byte[data.size() + chain.length];
    data.copyTo(raw, 0, 0, at);
    System.arraycopy(chain, 0, raw, at, chain.length);
    data.copyTo(raw, at, at + chain.length, data.size() - at);
    return raw;
  }

  /** SHA-256 of {@code b}. */
  public static Bytes sha256(Bytes b) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      b.updateDigest(sha);
      return Bytes.of(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JDK", e);
    }
  }
}
