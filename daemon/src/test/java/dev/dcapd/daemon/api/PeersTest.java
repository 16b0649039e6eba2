package dev.dcapd.daemon.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** A peer is an address without its port: an IPv4 address, an IPv6 /64, or the one local peer. */
class PeersTest {
  @Test
  void aPeerIsItsAddressWithoutThePort() {
    assertEquals("127.0.0.2", Peers.of(new InetSocketAddress("127.0.0.2", 40000)));
    assertEquals(Peers.of(new InetSocketAddress("10.1.2.3", 1)), Peers.of(new InetSocketAddress("10.1.2.3", 2)));
    assertNotEquals(Peers.of(new InetSocketAddress("10.1.2.3", 1)), Peers.of(new InetSocketAddress("10.1.2.4", 1)));
  }

  @Test
  void anIpv6PeerIsItsSlash64() {
    String a = Peers.of(new InetSocketAddress("2001:db8:1:2:aaaa::1", 1));
    assertEquals("2001:db8:1:2:0:0:0:0/64", a);
    assertEquals(a, Peers.of(new InetSocketAddress("2001:db8:1:2:ffff:ffff:ffff:fffe", 9)));
    assertNotEquals(a, Peers.of(new InetSocketAddress("2001:db8:1:3::1", 1)));
    assertEquals("0:0:0:0:0:0:0:1", Peers.of(new InetSocketAddress("::1", 1)));
  }

  @Test
  void everythingButTcpIsTheLocalPeer() {
    assertEquals(Peers.LOCAL, Peers.of(new DomainSocketAddress("/run/dcapd.sock")));
    assertEquals(Peers.LOCAL, Peers.of(null));
  }
}
