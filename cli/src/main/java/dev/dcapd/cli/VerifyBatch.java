package dev.dcapd.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * The outcome of {@code dcap verify FILE...} (offline or through a daemon) and how it is printed:
 * a table and a count line for people, or each answer as JSON; and its exit code.
 */
final class VerifyBatch {
  private static final int CHECKSUM_COLUMN = 16;
  private static final String ROW = "%-40s  %-16s  %s%n";

  private VerifyBatch() {}

  /** What became of one file. */
  enum Outcome { VERIFIED, REJECTED, ERROR }

  /**
   * One file's outcome.
   *
   * @param detail when verified the TCB status, or {@code with warnings: <status> <advisories>}; the
   *     failure code when rejected; the error otherwise
   * @param json prints the file's answer as JSON; {@code null} for an error, which has none
   */
  record Row(Path file, String checksum, Outcome outcome, String detail, Consumer<PrintWriter> json) {
    static Row error(Path file, String message) {
      return new Row(file, "-", Outcome.ERROR, message, null);
    }
  }

  /**
   * Prints {@code rows} in order (a table, or with {@code json} each answer, errors one line each on
   * {@code err}) and returns the exit code: 2 if a file was in error, else 1 if one was rejected, else 0.
   */
  static int report(List<Row> rows, boolean json, PrintWriter out, PrintWriter err) {
    int verified = 0;
    int rejected = 0;
    int errors = 0;
    if (!json) {
      out.printf(ROW, "FILE", "CHECKSUM", "RESULT");
    }
    for (Row r : rows) {
      switch (r.outcome()) {
        case VERIFIED -> verified++;
        case REJECTED -> rejected++;
        case ERROR -> errors++;
      }
      if (json) {
        if (r.json() != null) {
          r.json().accept(out);
        } else {
          err.println("dcap: " + r.file() + ": " + r.detail());
        }
        continue;
      }
      String checksum = r.checksum().length() > CHECKSUM_COLUMN ? r.checksum().substring(0, CHECKSUM_COLUMN) : r.checksum();
      String result = switch (r.outcome()) {
        case VERIFIED -> "verified " + r.detail();
        case REJECTED -> "rejected " + r.detail();
        case ERROR -> "error: " + r.detail();
      };
      out.printf(ROW, r.file(), checksum, result);
    }
    int exit = errors > 0 ? Dcap.EXIT_BAD_INPUT : rejected > 0 ? Dcap.EXIT_REJECTED : 0;
    if (!json) {
      out.printf("%d files: %d verified, %d rejected, %d errors%n", rows.size(), verified, rejected, errors);
    }
    return exit;
  }
}
