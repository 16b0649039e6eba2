package dev.dcapd.sidecar.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dcapd.sidecar.sim.Simulator;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.eventlog.EventLog;
import dev.dcapd.verifier.quote.QuoteParser;
import dev.dcapd.verifier.quote.TdReport;
import dev.dcapd.verifier.verify.QuoteVerifier;
import dev.dcapd.verifier.verify.TrustAnchor;
import dev.dcapd.verifier.verify.Verdict;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dstack and Tappd clients against the simulator (agents that answer badly: sidecar's AgentFailureTest). */
class AgentClientTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(20);
  @TempDir static Path dir;
  static Simulator sim;

  @BeforeAll
  static void start() throws Exception {
    sim = Simulator.start(dir.resolve("sim"), 7);
  }

  @AfterAll
  static void stop() throws Exception {
    sim.close();
  }

  static TdReport report(AgentQuote q) throws Exception {
    return (TdReport) QuoteParser.parse(q.quote().toByteArray()).body();
  }

  @Test
  void getQuotePutsTheDataAtTheStartAndTheQuoteVerifies() throws Exception {
    try (DstackAgent agent = new DstackAgent(AgentEndpoint.unix(sim.dstackSocket()), TIMEOUT)) {
      Bytes data = Bytes.fromHex("68656c6c6f");
      AgentQuote q = agent.getQuote(data);
      assertEquals(ReportDataRules.getQuote(data), report(q).reportData());
      assertEquals(ReportDataRules.getQuote(data), q.reportData().orElseThrow());
      // The 0.5.6+ format: runtime digests empty, recomputed, and the log replays to the quote.
      EventLog log = EventLog.parse(q.eventLog());
      assertTrue(log.events().stream().filter(e -> e.imr() == 3).allMatch(e -> e.digest().length() == 0));
      log.replay().check(report(q));
      Verdict v = QuoteVerifier.withTrustAnchor(TrustAnchor.insecureCustomRoot(Files.readAllBytes(sim.rootPem())))
          .verify(QuoteParser.parse(q.quote().toByteArray()), sim.agent().batch().collateral(), Instant.now());
      assertTrue(v.success(), v.toString());
    }
  }

  @Test
  void tdxQuoteHashesWithTagAndAlgorithm() throws Exception {
    try (TappdAgent agent = new TappdAgent(AgentEndpoint.unix(sim.tappdSocket()), TIMEOUT)) {
      Bytes data = Bytes.fromHex("68656c6c6f");
      for (String alg : new String[] {"", "sha256", "sha3-384", "keccak512"}) {
        AgentQuote q = agent.tdxQuote(data, alg, "");
        assertEquals(ReportDataRules.tdxQuote(data, alg, ""), report(q).reportData(), alg);
        assertEquals(alg.isEmpty() ? "sha512" : alg, q.hashAlgorithm());
        assertEquals("app-data", q.prefix());
      }
      AgentQuote custom = agent.tdxQuote(data, "sha512", "my-prefix");
      assertEquals(ReportDataRules.tdxQuote(data, "sha512", "my-prefix"), report(custom).reportData());
      Bytes raw = Bytes.fromHex("ab".repeat(64));
      AgentQuote r = agent.quote(raw);
      assertEquals(raw, report(r).reportData());
      assertEquals("raw", r.hashAlgorithm());
      // The legacy format: every digest given, and it replays too.
      EventLog.parse(r.eventLog()).replay().check(report(r));
      AgentException bad = assertThrows(AgentException.class, () -> agent.tdxQuote(data, "md5", ""));
      assertEquals(AgentException.Kind.REFUSED, bad.kind());
      AgentException shortRaw = assertThrows(AgentException.class, () -> agent.tdxQuote(data, "raw", ""));
      assertEquals(AgentException.Kind.REFUSED, shortRaw.kind());
    }
  }

  @Test
  void keysAndInfo() throws Exception {
    try (DstackAgent dstack = new DstackAgent(AgentEndpoint.unix(sim.dstackSocket()), TIMEOUT);
        TappdAgent tappd = new TappdAgent(AgentEndpoint.unix(sim.tappdSocket()), TIMEOUT)) {
      DstackAgent.DerivedKey k = dstack.getKey("wallet/eth", "signing", "secp256k1");
      assertEquals(2, k.signatureChain().size());
      assertEquals(k.key(), dstack.deriveKey("wallet/eth"));
      assertEquals(k.key(), tappd.deriveKey("wallet/eth"));
      assertTrue(!k.key().equals(dstack.deriveKey("other")));
      AgentInfo info = dstack.info();
      assertEquals(sim.agent().boot().appId().hex(), info.appId());
      assertEquals(sim.agent().boot().composeHash().hex(), info.composeHash());
      assertEquals(info.appId(), tappd.info().appId());
      assertTrue(dstack.version().startsWith("0.5"));
    }
  }

  @Test
  void tappdDeriveKeyGivesAP256KeyAndItsChain() throws Exception {
    try (TappdAgent tappd = new TappdAgent(AgentEndpoint.unix(sim.tappdSocket()), TIMEOUT)) {
      TappdAgent.DerivedTlsKey k = tappd.deriveTlsKey("tls/app", "app.example");
      assertEquals(k.keyPem(), tappd.deriveTlsKey("tls/app", "app.example").keyPem());
      java.security.PrivateKey key = java.security.KeyFactory.getInstance("EC").generatePrivate(
          new java.security.spec.PKCS8EncodedKeySpec(java.util.Base64.getMimeDecoder().decode(
              k.keyPem().replaceAll("-----[A-Z ]+-----", ""))));
      assertEquals("EC", key.getAlgorithm());
      assertEquals(2, k.certificateChain().size());
      java.security.cert.CertificateFactory cf = java.security.cert.CertificateFactory.getInstance("X.509");
      var leaf = (java.security.cert.X509Certificate) cf.generateCertificate(
          new java.io.ByteArrayInputStream(k.certificateChain().get(0).getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
      var ca = (java.security.cert.X509Certificate) cf.generateCertificate(
          new java.io.ByteArrayInputStream(k.certificateChain().get(1).getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
      leaf.verify(ca.getPublicKey());
      ca.verify(ca.getPublicKey());
      assertEquals("CN=app.example", leaf.getSubjectX500Principal().getName());
      // The certificate is for the derived key.
      java.security.Signature s = java.security.Signature.getInstance("SHA256withECDSA");
      s.initSign(key);
      s.update(new byte[] {1, 2, 3});
      byte[] sig = s.sign();
      s.initVerify(leaf.getPublicKey());
      s.update(new byte[] {1, 2, 3});
      assertTrue(s.verify(sig));
    }
  }
}
