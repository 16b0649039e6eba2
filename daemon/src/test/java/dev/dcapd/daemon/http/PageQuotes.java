package dev.dcapd.daemon.http;

import dev.dcapd.daemon.testing.LiveDaemon;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Quotes for the page tests: dcap-qvl's TDX quote with report_data replaced. Any change to
 * report_data breaks the quote's signature, so each is stored as not verified
 * (INVALID_QUOTE_SIGNATURE) and still has a report.
 */
final class PageQuotes {
  /** A TD quote's REPORTDATA starts after the header (48 bytes) at offset 520 of the TD report. */
  static final int TD_REPORTDATA = 48 + 520;
  static final int REPORTDATA_SIZE = 64;

  private PageQuotes() {}

  /** The TDX quote with {@code reportData} (at most 64 bytes, zero-padded) as its report_data. */
  static byte[] tdxWithReportData(byte[] reportData) {
    if (reportData.length > REPORTDATA_SIZE) {
      throw new IllegalArgumentException("report_data is 64 bytes");
    }
    byte[] q = LiveDaemon.TDX.clone();
    Arrays.fill(q, TD_REPORTDATA, TD_REPORTDATA + REPORTDATA_SIZE, (byte) 0);
    System.arraycopy(reportData, 0, q, TD_REPORTDATA, reportData.length);
    return q;
  }

  /** The TDX quote with one bit of report_data flipped. */
  static byte[] forgedTdx() {
    byte[] q = LiveDaemon.TDX.clone();
    q[TD_REPORTDATA] ^= 0x01;
    return q;
  }

  static String checksum(byte[] quote) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(quote));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
