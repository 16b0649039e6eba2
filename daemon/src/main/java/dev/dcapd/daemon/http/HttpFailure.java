package dev.dcapd.daemon.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;

/**
 * An HTTP answer other than success, as Phala's API gives it: a status and {@code {"detail": …}},
 * with dcapd's stable {@code code} (a failure code or {@code NOT_FOUND}, {@code INVALID_ARGUMENT},
 * …) and, for a quote that failed verification, the whole answer beside them.
 */
final class HttpFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String code;
  private final transient ObjectNode answer;

  HttpFailure(int status, String code, String detail) {
    this(status, code, detail, null);
  }

  HttpFailure(int status, String code, String detail, ObjectNode answer) {
    super(detail, null, false, false);
    this.status = status;
    this.code = code;
    this.answer = answer;
  }

  int status() {
    return status;
  }

  String code() {
    return code;
  }

  /** The answer the detail goes with (a quote that failed verification), if any. */
  Optional<ObjectNode> answer() {
    return Optional.ofNullable(answer);
  }
}
