package dev.dcapd.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dcapd.onchain.AutomataCalls;
import dev.dcapd.onchain.AutomataOutcome;
import dev.dcapd.onchain.AutomataStatus;
import dev.dcapd.onchain.OnchainException;
import dev.dcapd.onchain.OnchainExport;
import dev.dcapd.onchain.PccsUpserts;
import dev.dcapd.onchain.VerifiedOutput;
import dev.dcapd.testkit.Forge;
import dev.dcapd.testkit.ForgeSpec;
import dev.dcapd.testkit.ForgedCase;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.FailureCode;
import dev.dcapd.verifier.binding.KeyType;
import dev.dcapd.verifier.binding.ReportDataBinding;
import dev.dcapd.verifier.quote.TdReport;
import dev.dcapd.verifier.quote.TeeType;
import dev.dcapd.verifier.verify.QuoteVerifier;
import dev.dcapd.verifier.verify.TrustAnchor;
import dev.dcapd.verifier.verify.Verdict;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.Bool;
import org.web3j.abi.datatypes.DynamicBytes;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.generated.Bytes20;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.abi.datatypes.generated.Uint32;
import org.web3j.abi.datatypes.generated.Uint64;
import org.web3j.abi.datatypes.generated.Uint8;
import org.web3j.crypto.Hash;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.utils.Numeric;

/**
 * The Solidity side on a local ganache chain, through web3j: the test double of Automata's entry
 * point, the key registry's policy paths and events, reverts, and dcapd's report_data binding
 * registering a secp256k1 key as its Ethereum address.
 */
class LocalChainTest {
  private static final long MAX_AGE = 3600;
  private static final String KEY_REGISTERED = "KeyRegistered(bytes20,uint8,uint8,uint64,bytes32,bytes32)";
  private static final String REJECTED = "RegistrationRejected(address,bytes32,uint8,bytes)";

  private static LocalChain chain;
  private static ChainClient client;
  private static String doubleAddress;
  private static String registry;
  private static ForgedCase bound;
  private static OnchainExport boundExport;

  @BeforeAll
  static void deploy() throws Exception {
    chain = LocalChain.start();
    client = chain.client();
    doubleAddress = deploy(ContractArtifact.ATTESTATION_DOUBLE, Bytes.empty());
    registry = deploy(ContractArtifact.REGISTRY, Bytes.fromHex(FunctionEncoder.encodeConstructor(
        List.of(new Address(doubleAddress), new Uint32(0), new Uint64(MAX_AGE)))));

    // A TDX quote whose report_data binds ACCOUNT_1's secp256k1 key (the sidecar's rule).
    Bytes publicKey = Bytes.of(Numeric.toBytesPadded(LocalChain.ACCOUNT_1.getEcKeyPair().getPublicKey(), 64));
    Bytes reportData = ReportDataBinding.encode(KeyType.SECP256K1, publicKey, Optional.of(Bytes.of("nonce-1".getBytes(StandardCharsets.US_ASCII))));
    bound = Forge.forge(ForgeSpec.builder().tee(TeeType.TDX).quoteVersion(4).reportData(reportData).build());
    Verdict verdict = QuoteVerifier.withTrustAnchor(TrustAnchor.insecureCustomRoot(bound.root()))
        .verify(bound.quote(), bound.collateral(), bound.at());
    assertTrue(verdict.success(), verdict.toString());
    boundExport = OnchainExport.forQuote(bound.quote(), bound.collateral(), verdict);
    assertTrue(boundExport.expectedToVerify(), boundExport.notes().toString());

    TdReport td = (TdReport) bound.quote().body();
    send(registry, "allowMrTd(bytes,bool)", new DynamicBytes(td.mrTd().toByteArray()), new Bool(true));
    send(registry, "setMinimumTcbStatus(uint8)", new Uint8(AutomataStatus.TCB_OUT_OF_DATE.code()));
  }

  @AfterAll
  static void stop() throws Exception {
    if (client != null) {
      client.close();
    }
    if (chain != null) {
      chain.close();
    }
  }

  @Test
  void aKeyBoundBySidecarRuleRegistersAsItsAddress() throws Exception {
    setResult(bound.quote().raw(), true, boundExport.expectedOutput().orElseThrow());

    ChainClient.Receipt r = send(registry, "register(bytes)", new DynamicBytes(bound.quoteBytes()));

    List<Log> registered = logs(r, KEY_REGISTERED);
    assertEquals(1, registered.size());
    Bytes keyId = Bytes.fromHex(registered.get(0).getTopics().get(1)).slice(0, 20);
    assertEquals(Bytes.fromHex(LocalChain.ACCOUNT_1.getAddress()), keyId);
    List<Type> fields = decode(registered.get(0).getData(), new TypeReference<Uint8>() {}, new TypeReference<Uint8>() {},
        new TypeReference<Uint64>() {}, new TypeReference<Bytes32>() {}, new TypeReference<Bytes32>() {});
    assertEquals(BigInteger.valueOf(KeyType.SECP256K1.code()), fields.get(0).getValue());
    assertEquals(BigInteger.valueOf(boundExport.expectedStatus().orElseThrow().code()), fields.get(1).getValue());
    assertEquals(Bytes.of(Hash.sha3(bound.quoteBytes())), Bytes.of((byte[]) fields.get(4).getValue()));
    assertTrue(bool(registry, "isRegisteredAddress(address)", new Address(LocalChain.ACCOUNT_1.getAddress())));
    assertFalse(bool(registry, "isRegisteredAddress(address)", new Address(LocalChain.ACCOUNT_0.getAddress())));
    assertEquals(1, r.attestations().size(), "the double's AttestationSubmitted is in the same receipt");
    assertEquals(boundExport.expectedOutput().orElseThrow(), r.attestations().get(0).output());
  }

  @Test
  void aP256KeyRegistersByItsKeyIdAndExpiresAfterMaxAge() throws Exception {
    java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("EC");
    g.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
    java.security.interfaces.ECPublicKey pub = (java.security.interfaces.ECPublicKey) g.generateKeyPair().getPublic();
    Bytes publicKey = Bytes.of(concat(Numeric.toBytesPadded(pub.getW().getAffineX(), 32), Numeric.toBytesPadded(pub.getW().getAffineY(), 32)));
    ForgedCase p256 = Forge.forge(ForgeSpec.builder().tee(TeeType.TDX).quoteVersion(4).seed(7)
        .reportData(ReportDataBinding.encode(KeyType.P256, publicKey, Optional.empty())).build());
    Verdict verdict = QuoteVerifier.withTrustAnchor(TrustAnchor.insecureCustomRoot(p256.root()))
        .verify(p256.quote(), p256.collateral(), p256.at());
    OnchainExport export = OnchainExport.forQuote(p256.quote(), p256.collateral(), verdict);
    send(registry, "allowMrTd(bytes,bool)", new DynamicBytes(((TdReport) p256.quote().body()).mrTd().toByteArray()), new Bool(true));
    setResult(p256.quote().raw(), true, export.expectedOutput().orElseThrow());

    ChainClient.Receipt r = send(registry, "register(bytes)", new DynamicBytes(p256.quoteBytes()));

    Bytes keyId = ReportDataBinding.keyId(KeyType.P256, publicKey);
    assertEquals(keyId, Bytes.fromHex(logs(r, KEY_REGISTERED).get(0).getTopics().get(1)).slice(0, 20));
    assertTrue(bool(registry, "isRegistered(bytes20)", new Bytes20(keyId.toByteArray())));
    assertFalse(bool(registry, "isRegisteredAddress(address)", new Address(keyId.hex0x())), "a P-256 key id is no address");

    rpc("evm_increaseTime", MAX_AGE + 1);
    rpc("evm_mine");
    assertFalse(bool(registry, "isRegistered(bytes20)", new Bytes20(keyId.toByteArray())));
  }

  @Test
  void policyRejectsAnUnknownMrTdAStatusBelowTheMinimumAndADebugTd() throws Exception {
    Bytes output = boundExport.expectedOutput().orElseThrow();
    Bytes otherMrTd = patch(output, VerifiedOutput.BODY_START + 136, Bytes.of(new byte[] {1}));
    assertEquals(6, rejection(otherMrTd));
    Bytes revoked = patch(output, VerifiedOutput.TCB_STATUS_AT, Bytes.of(new byte[] {(byte) AutomataStatus.TCB_OUT_OF_DATE_CONFIGURATION_NEEDED.code()}));
    assertEquals(5, rejection(revoked));
    Bytes debug = patch(output, VerifiedOutput.BODY_START + 120, Bytes.of(new byte[] {1}));
    assertEquals(7, rejection(debug));
    Bytes sgxType = patch(output, VerifiedOutput.BODY_TYPE_START, Bytes.fromHex("0001"));
    assertEquals(4, rejection(sgxType));
    Bytes noBinding = patch(output, VerifiedOutput.BODY_START + 520, Bytes.fromHex("00"));
    assertEquals(8, rejection(noBinding));
    assertEquals(3, rejection(Bytes.of("TCBR".getBytes(StandardCharsets.US_ASCII))));
  }

  @Test
  void freshnessTakesAQuoteAnsweringAnOpenChallengeOnceAndInTime() throws Exception {
    send(registry, "setFreshness(bool,uint64)", new Bool(true), new Uint64(600));
    try {
      // The bound quote of the other tests answers no challenge.
      setResult(bound.quote().raw(), true, boundExport.expectedOutput().orElseThrow());
      assertEquals(9, reason(send(registry, "register(bytes)", new DynamicBytes(bound.quoteBytes()))));

      ForgedCase fresh = answerChallenge(11);
      ChainClient.Receipt ok = send(registry, "register(bytes)", new DynamicBytes(fresh.quoteBytes()));
      assertEquals(1, logs(ok, KEY_REGISTERED).size());
      assertEquals(9, reason(send(registry, "register(bytes)", new DynamicBytes(fresh.quoteBytes()))), "a challenge answers once");

      ForgedCase late = answerChallenge(12);
      rpc("evm_increaseTime", 601);
      rpc("evm_mine");
      assertEquals(9, reason(send(registry, "register(bytes)", new DynamicBytes(late.quoteBytes()))), "older than maxQuoteAge");
    } finally {
      send(registry, "setFreshness(bool,uint64)", new Bool(false), new Uint64(0));
    }
  }

  /** Issues a challenge and forges a quote binding ACCOUNT_0's key with its nonce; the double will verify it. */
  private static ForgedCase answerChallenge(long seed) throws Exception {
    ChainClient.Receipt issued = send(registry, "issueChallenge()");
    List<Type> challenge = decode(logs(issued, "ChallengeIssued(address,bytes32,bytes32)").get(0).getData(),
        new TypeReference<Bytes32>() {}, new TypeReference<Bytes32>() {});
    Bytes nonce = Bytes.of((byte[]) challenge.get(0).getValue());
    assertEquals(ReportDataBinding.nonceHash(nonce), Bytes.of((byte[]) challenge.get(1).getValue()));
    Bytes publicKey = Bytes.of(Numeric.toBytesPadded(LocalChain.ACCOUNT_0.getEcKeyPair().getPublicKey(), 64));
    ForgedCase c = Forge.forge(ForgeSpec.builder().tee(TeeType.TDX).quoteVersion(4).seed(seed)
        .reportData(ReportDataBinding.encode(KeyType.SECP256K1, publicKey, Optional.of(nonce))).build());
    Verdict verdict = QuoteVerifier.withTrustAnchor(TrustAnchor.insecureCustomRoot(c.root())).verify(c.quote(), c.collateral(), c.at());
    Bytes output = OnchainExport.forQuote(c.quote(), c.collateral(), verdict).expectedOutput().orElseThrow();
    send(registry, "allowMrTd(bytes,bool)", new DynamicBytes(((TdReport) c.quote().body()).mrTd().toByteArray()), new Bool(true));
    setResult(c.quote().raw(), true, output);
    return c;
  }

  @Test
  void requiredRtmrsMustBeAnAllowedSet() throws Exception {
    TdReport td = (TdReport) bound.quote().body();
    byte[] rtmrs = new byte[4 * 48];
    for (int i = 0; i < 4; i++) {
      td.rtmr(i).copyTo(rtmrs, i * 48);
    }
    Bytes output = boundExport.expectedOutput().orElseThrow();
    Bytes quote = Bytes.of("rtmr quote".getBytes(StandardCharsets.US_ASCII));
    setResult(quote, true, output);
    send(registry, "setRtmrsRequired(bool)", new Bool(true));
    try {
      ChainClient.Receipt refused = send(registry, "register(bytes)", new DynamicBytes(quote.toByteArray()));
      assertEquals(1, logs(refused, REJECTED).size());
      send(registry, "allowRtmrs(bytes,bool)", new DynamicBytes(rtmrs), new Bool(true));
      ChainClient.Receipt accepted = send(registry, "register(bytes)", new DynamicBytes(quote.toByteArray()));
      assertEquals(1, logs(accepted, KEY_REGISTERED).size());
    } finally {
      send(registry, "setRtmrsRequired(bool)", new Bool(false));
    }
  }

  @Test
  void aVerifierFailureAndARevertAreRejectionsWithTheirData() throws Exception {
    Bytes quote = Bytes.of("quote that fails".getBytes(StandardCharsets.US_ASCII));
    setResult(quote, false, Bytes.of("ATTVE".getBytes(StandardCharsets.US_ASCII)));
    ChainClient.Receipt r = send(registry, "register(bytes)", new DynamicBytes(quote.toByteArray()));
    List<Type> rejected = decode(logs(r, REJECTED).get(0).getData(), new TypeReference<Uint8>() {}, new TypeReference<DynamicBytes>() {});
    assertEquals(BigInteger.TWO, rejected.get(0).getValue());
    AutomataOutcome o = client.simulateVerify(doubleAddress, AutomataCalls.verify(quote));
    assertEquals(FailureCode.INVALID_QUOTE_SIGNATURE, o.failure().orElseThrow());

    Bytes reverting = Bytes.of("quote without collateral".getBytes(StandardCharsets.US_ASCII));
    Bytes error = Bytes.fromHex(PccsUpserts.selector("FmspcTcbExpiredOrNotFound(uint8,uint256)").hex()
        + FunctionEncoder.encodeConstructor(List.of(new Uint8(1), new Uint256(17))));
    send(doubleAddress, "setRevert(bytes32,bytes)", new Bytes32(Hash.sha3(reverting.toByteArray())), new DynamicBytes(error.toByteArray()));
    AutomataOutcome reverted = client.simulateVerify(doubleAddress, AutomataCalls.verify(reverting, 17));
    assertEquals(FailureCode.COLLATERAL_UNAVAILABLE, reverted.failure().orElseThrow());
    assertEquals(error, reverted.raw());

    ChainClient.Receipt rr = send(registry, "register(bytes)", new DynamicBytes(reverting.toByteArray()));
    List<Type> why = decode(logs(rr, REJECTED).get(0).getData(), new TypeReference<Uint8>() {}, new TypeReference<DynamicBytes>() {});
    assertEquals(BigInteger.ONE, why.get(0).getValue());
    assertEquals(error, Bytes.of((byte[]) why.get(1).getValue()));
  }

  @Test
  void submittingToTheEntryPointRecordsTheOutputInItsEvent() throws Exception {
    setResult(bound.quote().raw(), true, boundExport.expectedOutput().orElseThrow());
    AutomataOutcome simulated = client.simulateVerify(doubleAddress, boundExport.calldataWithEvaluationNumber());
    assertTrue(simulated.verified());
    ChainClient.Receipt r = client.send(LocalChain.ACCOUNT_0, doubleAddress, boundExport.calldataWithEvaluationNumber(), BigInteger.ZERO);
    assertTrue(r.succeeded());
    AutomataOutcome recorded = r.attestations().get(0).outcome();
    assertEquals(boundExport.expectedOutput().orElseThrow(), recorded.output().orElseThrow().encode());
    Bytes n = client.call(null, doubleAddress, PccsUpserts.call("lastTcbEvaluationDataNumber()"));
    assertEquals(BigInteger.valueOf(boundExport.tcbEvaluationDataNumber()), new BigInteger(1, n.toByteArray()));
  }

  @Test
  void aRevertingTransactionIsRefusedBeforeSigningWithItsCustomError() {
    OnchainException e = assertThrows(OnchainException.class, () -> client.send(LocalChain.ACCOUNT_1, registry,
        PccsUpserts.call("setMaxAge(uint64)", new Uint64(1)), BigInteger.ZERO));
    assertEquals(PccsUpserts.selector("NotOwner()"), e.revertData().orElseThrow());
  }

  @Test
  void wrongChainAndUnreachableRpcAreOneLineErrors() throws Exception {
    OnchainException wrong = assertThrows(OnchainException.class, () -> ChainClient.connect(chain.url(), 1));
    assertTrue(wrong.getMessage().contains("1337"), wrong.getMessage());
    int closed;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    OnchainException down = assertThrows(OnchainException.class, () -> ChainClient.connect("http://127.0.0.1:" + closed, 1337));
    assertTrue(down.getMessage().startsWith("cannot reach RPC"), down.getMessage());
    assertFalse(down.getMessage().contains("\n"));
  }

  // --- helpers --------------------------------------------------------------------------------

  private static int rejection(Bytes output) throws Exception {
    Bytes quote = Bytes.of(("quote " + output.hashCode()).getBytes(StandardCharsets.US_ASCII));
    setResult(quote, true, output);
    ChainClient.Receipt r = send(registry, "register(bytes)", new DynamicBytes(quote.toByteArray()));
    assertTrue(logs(r, KEY_REGISTERED).isEmpty());
    List<Log> rejected = logs(r, REJECTED);
    assertEquals(1, rejected.size());
    return ((BigInteger) decode(rejected.get(0).getData(), new TypeReference<Uint8>() {}, new TypeReference<DynamicBytes>() {})
        .get(0).getValue()).intValueExact();
  }

  private static int reason(ChainClient.Receipt r) {
    List<Log> rejected = logs(r, REJECTED);
    assertEquals(1, rejected.size());
    return ((BigInteger) decode(rejected.get(0).getData(), new TypeReference<Uint8>() {}, new TypeReference<DynamicBytes>() {})
        .get(0).getValue()).intValueExact();
  }

  private static void setResult(Bytes quote, boolean success, Bytes output) throws Exception {
    send(doubleAddress, "setResult(bytes32,bool,bytes)", new Bytes32(Hash.sha3(quote.toByteArray())), new Bool(success),
        new DynamicBytes(output.toByteArray()));
  }

  private static void rpc(String method, Object... params) throws Exception {
    var service = new org.web3j.protocol.http.HttpService(chain.url());
    var response = new org.web3j.protocol.core.Request<>(method, List.of(params), service,
        org.web3j.protocol.core.methods.response.VoidResponse.class).send();
    assertFalse(response.hasError(), method);
    service.close();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static Bytes patch(Bytes b, int at, Bytes with) {
    byte[] out = b.toByteArray();
    with.copyTo(out, at);
    return Bytes.of(out);
  }

  private static String deploy(String name, Bytes constructorArgs) throws Exception {
    ChainClient.Receipt r = client.send(LocalChain.ACCOUNT_0, null, ContractArtifact.load(name).deployment(constructorArgs), BigInteger.ZERO);
    assertTrue(r.succeeded());
    return r.contractAddress().orElseThrow();
  }

  @SuppressWarnings("rawtypes")
  private static ChainClient.Receipt send(String to, String signature, Type... args) throws Exception {
    ChainClient.Receipt r = client.send(LocalChain.ACCOUNT_0, to, PccsUpserts.call(signature, args), BigInteger.ZERO);
    assertTrue(r.succeeded(), signature);
    return r;
  }

  @SuppressWarnings("rawtypes")
  private static boolean bool(String to, String signature, Type... args) throws Exception {
    Bytes ret = client.call(null, to, PccsUpserts.call(signature, args));
    return (Boolean) decode(ret.hex0x(), new TypeReference<Bool>() {}).get(0).getValue();
  }

  private static List<Log> logs(ChainClient.Receipt r, String event) {
    String topic = Numeric.toHexString(Hash.sha3(event.getBytes(StandardCharsets.US_ASCII)));
    List<Log> out = new ArrayList<>();
    for (Log l : r.logs()) {
      if (!l.getTopics().isEmpty() && l.getTopics().get(0).equalsIgnoreCase(topic)) {
        out.add(l);
      }
    }
    return out;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static List<Type> decode(String data, TypeReference<?>... types) {
    return FunctionReturnDecoder.decode(data, (List) List.of(types));
  }

}
