package dev.dcapd.proto;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import io.grpc.protobuf.StatusProto;

/**
 * The API's error contract, shared by the daemon that writes it and the clients that read it:
 * every error status carries a {@code google.rpc.ErrorInfo} in {@link #DOMAIN} whose reason is the
 * failure code.
 */
public final class ErrorReasons {
  /** The ErrorInfo domain of every dcapd error. */
  public static final String DOMAIN = "dcapd.dev";

  private ErrorReasons() {}

  /** The failure code a dcapd error status carries, or {@code null} when it carries none. */
  public static String reason(Throwable t) {
    com.google.rpc.Status s = StatusProto.fromThrowable(t);
    if (s == null) {
      return null;
    }
    for (Any d : s.getDetailsList()) {
      if (d.is(ErrorInfo.class)) {
        try {
          ErrorInfo info = d.unpack(ErrorInfo.class);
          return DOMAIN.equals(info.getDomain()) ? info.getReason() : null;
        } catch (InvalidProtocolBufferException e) {
          return null;
        }
      }
    }
    return null;
  }
}
