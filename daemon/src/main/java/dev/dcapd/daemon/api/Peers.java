package dev.dcapd.daemon.api;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * Who a call comes from, for the bounds one client may not exceed ({@code WatchVerdicts} streams,
 * open challenges): its IP address without the port, so that new connections do not make a new
 * peer; for IPv6 its /64, as one host commonly holds a whole /64 to pick addresses from. Anything else (a Unix socket, whose credentials grpc-java does not expose; the in-process
 * transport) is the one {@link #LOCAL} peer.
 */
public final class Peers {
  /** Every client that is not on TCP. */
  public static final String LOCAL = "local";
  private static final Context.Key<String> PEER = Context.key("dcapd-peer");

  private Peers() {}

  /** The peer of an address: its IPv4 address, its IPv6 /64, or {@link #LOCAL}. */
  public static String of(SocketAddress address) {
    if (address instanceof InetSocketAddress inet) {
      InetAddress ip = inet.getAddress();
      if (ip == null) {
        return inet.getHostString();
      }
      if (ip instanceof Inet6Address && !ip.isLoopbackAddress()) {
        byte[] prefix = Arrays.copyOf(ip.getAddress(), 16);
        Arrays.fill(prefix, 8, 16, (byte) 0);
        try {
          return InetAddress.getByAddress(prefix).getHostAddress() + "/64";
        } catch (UnknownHostException e) {
          throw new IllegalStateException("16 bytes are an IPv6 address", e);
        }
      }
      return ip.getHostAddress();
    }
    return LOCAL;
  }

  /** The peer of the call being served; {@link #LOCAL} outside the {@link #interceptor()}. */
  static String current() {
    String peer = PEER.get();
    return peer != null ? peer : LOCAL;
  }

  /** Names each call's peer in its context, for the service to read. */
  public static ServerInterceptor interceptor() {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
          ServerCallHandler<Q, R> next) {
        Context context = Context.current().withValue(PEER, of(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR)));
        return Contexts.interceptCall(context, call, headers, next);
      }
    };
  }
}
