package dev.dcapd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.Vectors;
import dev.dcapd.contracts.ChainClient;
import dev.dcapd.contracts.ContractArtifact;
import dev.dcapd.contracts.LocalChain;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.datatypes.Bool;
import org.web3j.abi.datatypes.DynamicBytes;
import org.web3j.abi.datatypes.Function;
import org.junit.jupiter.api.io.TempDir;

/** {@code dcap onchain}: the printed output, calldata and upserts for the real TDX vector, and its errors. */
class OnchainCommandTest {
  private static final String AT = "1752919234";
  private static final int HEADER = 48;
  private static final int TD10 = 584;

  @TempDir Path dir;

  private Path write(String name, byte[] content) throws Exception {
    Path p = dir.resolve(name);
    Files.write(p, content);
    return p;
  }

  private Path quote() throws Exception {
    return write("q.bin", Vectors.bytes("dcap-qvl/tdx_quote"));
  }

  private Path collateral() throws Exception {
    return write("c.json", Vectors.bytes("dcap-qvl/tdx_quote_collateral.json"));
  }

  @Test
  void outputIsThePackedVerifiedOutput() throws Exception {
    InspectCommandTest.Run r = InspectCommandTest.dcap("onchain", "output", quote().toString(), "--collateral", collateral().toString(), "--at", AT);
    assertEquals(0, r.code(), r.err());
    Bytes body = Bytes.of(Vectors.bytes("dcap-qvl/tdx_quote")).slice(HEADER, TD10);
    assertEquals("0x0004000200b0c06f000000" + body.hex(), r.out().strip());
  }

  @Test
  void outputOfAQuoteThatFailsExitsOne() throws Exception {
    InspectCommandTest.Run r = InspectCommandTest.dcap("onchain", "output", quote().toString(), "--collateral", collateral().toString(),
        "--at", "2030-01-01T00:00:00Z");
    assertEquals(1, r.code());
    assertTrue(r.err().contains("COLLATERAL_EXPIRED"), r.err());
    assertEquals(1, r.err().strip().lines().count());
  }

  @Test
  void calldataPinsTheCollateralsEvaluationNumber() throws Exception {
    InspectCommandTest.Run standard = InspectCommandTest.dcap("onchain", "calldata", quote().toString());
    assertEquals(0, standard.code(), standard.err());
    assertTrue(standard.out().strip().startsWith("0x38d8480a"));
    InspectCommandTest.Run pinned = InspectCommandTest.dcap("onchain", "calldata", quote().toString(), "--collateral", collateral().toString(), "--at", AT);
    assertTrue(pinned.out().strip().startsWith("0x1beaf6d8"
        + "0000000000000000000000000000000000000000000000000000000000000040"
        + "0000000000000000000000000000000000000000000000000000000000000011"), pinned.out());
  }

  @Test
  void upsertsListSevenUploadsInOrder() throws Exception {
    InspectCommandTest.Run r = InspectCommandTest.dcap("onchain", "upserts", quote().toString(), "--collateral", collateral().toString());
    assertEquals(0, r.code(), r.err());
    JsonNode list = new ObjectMapper().readTree(r.out());
    assertEquals(7, list.size());
    assertEquals("pcs_dao", list.get(0).get("dao").asText());
    assertEquals("fmspc_tcb_dao", list.get(6).get("dao").asText());
    assertTrue(list.get(6).get("attester_only").asBoolean());
    assertTrue(list.get(0).get("calldata").asText().startsWith("0x3b395455"));
  }

  @Test
  void submitNeedsAKeyUnlessSimulatingAndReportsAnUnreachableRpcOnOneLine() throws Exception {
    String to = "0x" + "11".repeat(20);
    InspectCommandTest.Run noKey = InspectCommandTest.dcap("onchain", "submit", quote().toString(), "--rpc", "http://127.0.0.1:1",
        "--chain-id", "1", "--to", to);
    assertEquals(2, noKey.code());
    assertTrue(noKey.err().contains("--key-file"), noKey.err());

    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    InspectCommandTest.Run down = InspectCommandTest.dcap("onchain", "submit", quote().toString(), "--rpc", "http://127.0.0.1:" + port,
        "--chain-id", "1", "--to", to, "--simulate");
    assertEquals(2, down.code());
    assertTrue(down.err().startsWith("dcap: cannot reach RPC"), down.err());
    assertEquals(1, down.err().strip().lines().count());
    assertFalse(down.out().contains("simulation"));
  }

  @Test
  void submitSimulatesSendsAndPrintsTheRecordedAttestation() throws Exception {
    try (LocalChain chain = LocalChain.start(); ChainClient client = chain.client()) {
      ChainClient.Receipt deployed = client.send(LocalChain.ACCOUNT_0, null,
          ContractArtifact.load(ContractArtifact.ATTESTATION_DOUBLE).deployment(Bytes.empty()), BigInteger.ZERO);
      String entryPoint = deployed.contractAddress().orElseThrow();
      InspectCommandTest.Run expected = InspectCommandTest.dcap("onchain", "output", quote().toString(), "--collateral",
          collateral().toString(), "--at", AT);
      Bytes output = Bytes.fromHex(expected.out().strip());
      client.send(LocalChain.ACCOUNT_0, entryPoint, Bytes.fromHex(FunctionEncoder.encode(new Function("setDefaultResult",
          List.of(new Bool(true), new DynamicBytes(output.toByteArray())), List.of()))), BigInteger.ZERO);
      Path key = write("key.hex", "0x4f3edf983ac636a65a842ce7c78d9aa706d3b113bce9c46f30d7d21715b23b1d\n".getBytes(StandardCharsets.US_ASCII));

      InspectCommandTest.Run r = InspectCommandTest.dcap("onchain", "submit", quote().toString(), "--collateral", collateral().toString(),
          "--at", AT, "--rpc", chain.url(), "--chain-id", Long.toString(LocalChain.CHAIN_ID), "--to", entryPoint,
          "--key-file", key.toString());

      assertEquals(0, r.code(), r.err());
      JsonNode json = new ObjectMapper().readTree(r.out());
      assertTrue(json.get("simulation").get("success").asBoolean());
      assertTrue(json.get("transaction").get("succeeded").asBoolean());
      assertEquals(output.hex0x(), json.get("transaction").get("attestations").get(0).get("output").asText());
      assertEquals(0, json.get("transaction").get("attestations").get(0).get("tcb_status").asInt());

      InspectCommandTest.Run wrongChain = InspectCommandTest.dcap("onchain", "submit", quote().toString(), "--rpc", chain.url(),
          "--chain-id", "1", "--to", entryPoint, "--simulate");
      assertEquals(2, wrongChain.code());
      assertTrue(wrongChain.err().contains("not the expected 1"), wrongChain.err());
    }
  }

  @Test
  void aKeyIsNeverTakenFromTheCommandLine() throws Exception {
    InspectCommandTest.Run r = InspectCommandTest.dcap("onchain", "submit", quote().toString(), "--rpc", "http://127.0.0.1:1",
        "--chain-id", "1", "--to", "0x" + "11".repeat(20), "--key", "4f3edf983ac636a65a842ce7c78d9aa706d3b113bce9c46f30d7d21715b23b1d");
    assertEquals(2, r.code());
  }
}
