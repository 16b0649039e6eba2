package dev.dcapd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import dev.dcapd.daemon.api.ProtoQuotes;
import dev.dcapd.daemon.testing.Closer;
import dev.dcapd.daemon.testing.LoopbackStubs;
import dev.dcapd.daemon.testing.TestStores;
import dev.dcapd.proto.v1.AttestationServiceGrpc.AttestationServiceBlockingStub;
import dev.dcapd.proto.v1.CheckRequest;
import dev.dcapd.proto.v1.CheckResponse;
import dev.dcapd.testkit.Forge;
import dev.dcapd.testkit.ForgeSpec;
import dev.dcapd.testkit.ForgedCase;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.collateral.TcbStatus;
import dev.dcapd.verifier.quote.TeeType;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Intel's format rules on signed TCB info, replayed against a real daemon on 127.0.0.1 trusting the
 * testkit's root: a caller's collateral whose TCB info the trusted signing key signed in a form
 * Intel's QVL refuses (pretty-printed; a TDX component SVN of 256) once got {@code success: true}
 * from Check; it is COLLATERAL_MALFORMED now. The rules one by one: the verifier's
 * SignedTextFormTest and the testkit's SignedCollateralFormatTest.
 */
class SignedCollateralFormatDaemonTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  @AutoClose final Closer open = new Closer();

  @Test
  void checkRefusesSignedCollateralInAFormIntelRefuses() throws Exception {
    ForgedCase c = Forge.forge(ForgeSpec.builder().tee(TeeType.TDX).quoteVersion(4).seed(28)
        .tcbStatus(TcbStatus.SW_HARDENING_NEEDED).build());
    AttestationServiceBlockingStub s = stub(start(c));
    assertTrue(check(s, c, c.collateral()).getSuccess(), "the forged collateral as forged");

    ObjectNode tree = (ObjectNode) JSON.readTree(c.collateral().tcbInfo());
    String pretty = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(tree);
    for (JsonNode level : tree.get("tcbLevels")) {
      if (level.get("tcbStatus").textValue().equals("SWHardeningNeeded")) {
        ((ObjectNode) level.get("tcb").get("tdxtcbcomponents").get(3)).put("svn", 256);
      }
    }
    String wideSvn = JSON.writeValueAsString(tree);
    for (String text : List.of(pretty, wideSvn)) {
      CheckResponse r = check(s, c, c.collateralWith(Optional.of(text), Optional.empty()));
      assertEquals("COLLATERAL_MALFORMED", r.getVerdict().getFailure().getCode(), r.getVerdict().toString());
    }
  }

  private static CheckResponse check(AttestationServiceBlockingStub s, ForgedCase c, QuoteCollateral collateral) {
    return s.check(CheckRequest.newBuilder().setQuote(ByteString.copyFrom(c.quoteBytes()))
        .setCollateral(ProtoQuotes.collateral(collateral)).build());
  }

  private Daemon start(ForgedCase c) throws Exception {
    Path root = Files.writeString(dir.resolve("root.pem"), c.rootPem(), StandardCharsets.US_ASCII);
    Path collateral = Files.createDirectories(dir.resolve("collateral"));
    Files.writeString(collateral.resolve("platform.json"), c.collateral().toJson(), StandardCharsets.UTF_8);
    DaemonConfig config = new DaemonConfig(Optional.of(new InetSocketAddress("127.0.0.1", 0)), Optional.empty(),
        dir.resolve("data"), List.of(), Optional.of(collateral), Optional.of(root), Optional.empty(), false,
        Optional.empty(), 2, 64, 1 << 17, 16 << 20, Duration.ofSeconds(5), Duration.ofSeconds(1));
    Daemon d = Daemon.start(TestStores.on(config), Clock.fixed(c.at(), ZoneOffset.UTC));
    open.add(d);
    return d;
  }

  private AttestationServiceBlockingStub stub(Daemon d) {
    return LoopbackStubs.stub(d, open);
  }
}
