package dev.dcapd.daemon.testing;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;

/** What tests read of a daemon's gRPC error: the stable reason in its {@code ErrorInfo} detail. */
public final class GrpcErrors {
  private GrpcErrors() {}

  /** The {@code ErrorInfo} reason of {@code e}, empty when it carries none. */
  public static String reason(StatusRuntimeException e) throws InvalidProtocolBufferException {
    com.google.rpc.Status s = StatusProto.fromThrowable(e);
    if (s == null) {
      return "";
    }
    for (Any any : s.getDetailsList()) {
      if (any.is(ErrorInfo.class)) {
        return any.unpack(ErrorInfo.class).getReason();
      }
    }
    return "";
  }
}
