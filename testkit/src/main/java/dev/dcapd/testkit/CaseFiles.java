package dev.dcapd.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes forged cases as files: {@code quote.bin} (or {@code quote-0000.bin}… for a batch),
 * {@code collateral.json}, {@code root.pem}, {@code root.der} and {@code expected.json}.
 */
public final class CaseFiles {
  public static final String QUOTE = "quote.bin";
  public static final String COLLATERAL = "collateral.json";
  public static final String ROOT_PEM = "root.pem";
  public static final String ROOT_DER = "root.der";
  public static final String EXPECTED = "expected.json";

  private CaseFiles() {}

  /** Writes {@code c} into {@code dir}, creating it. */
  public static void write(ForgedCase c, Path dir) throws IOException {
    Files.createDirectories(dir);
    Files.write(dir.resolve(QUOTE), c.quoteBytes());
    writeShared(c, dir);
  }

  /** Writes {@code count} quotes of {@code batch} and their shared files into {@code dir}. */
  public static void write(QuoteBatch batch, int count, Path dir) throws IOException {
    Files.createDirectories(dir);
    for (int i = 0; i < count; i++) {
      Files.write(dir.resolve(batchQuoteName(i)), batch.quote(i).raw().toByteArray());
    }
    writeShared(batch.template(), dir);
  }

  /** {@code quote-0000.bin}, {@code quote-0001.bin}, … */
  public static String batchQuoteName(int index) {
    return String.format("quote-%04d.bin", index);
  }

  private static void writeShared(ForgedCase c, Path dir) throws IOException {
    Files.writeString(dir.resolve(COLLATERAL), c.collateral().toJson() + "\n", StandardCharsets.UTF_8);
    Files.writeString(dir.resolve(ROOT_PEM), c.rootPem(), StandardCharsets.US_ASCII);
    Files.write(dir.resolve(ROOT_DER), c.rootDer());
    Files.writeString(dir.resolve(EXPECTED), Json.compact(c.expected().toJson(c.at())) + "\n",
        StandardCharsets.UTF_8);
  }
}
