package dev.dcapd.daemon.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.dcapd.daemon.CollateralProvider;
import dev.dcapd.daemon.DaemonServer;
import dev.dcapd.daemon.Metrics;
import dev.dcapd.daemon.store.AttestationStore;
import dev.dcapd.daemon.testing.TestStores;
import dev.dcapd.proto.ErrorReasons;
import dev.dcapd.proto.v1.AttestationServiceGrpc;
import dev.dcapd.proto.v1.AttestationServiceGrpc.AttestationServiceBlockingStub;
import dev.dcapd.proto.v1.CheckRequest;
import dev.dcapd.proto.v1.CheckResponse;
import dev.dcapd.proto.v1.GetCollateralRequest;
import dev.dcapd.proto.v1.GetRawRequest;
import dev.dcapd.proto.v1.GetRequest;
import dev.dcapd.proto.v1.GetResponse;
import dev.dcapd.proto.v1.RecentRequest;
import dev.dcapd.proto.v1.RecentResponse;
import dev.dcapd.proto.v1.StatRawRequest;
import dev.dcapd.proto.v1.VerifyRequest;
import dev.dcapd.proto.v1.VerifyResponse;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import dev.dcapd.verifier.Vectors;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.verify.QuoteVerifier;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every RPC and every error mapping, through an in-process server on a real store (RocksDB, or Cassandra: TestStores). */
class AttestationServiceTest {
  /** dcap-qvl tdx_quote's instant (its README): the collateral is valid, the verdict UpToDate. */
  private static final Instant TDX_AT = Instant.ofEpochSecond(1752919234L);
  private static final byte[] TDX = Vectors.bytes("dcap-qvl/tdx_quote");
  private static final String TDX_CHECKSUM = "c42f9164325024bca2757bc8819b11879a0a369132ea4e2b7c85df4805ea72db";

  @TempDir Path dir;
  private final List<AutoCloseable> open = new ArrayList<>();
  private AttestationStore store;
  private DaemonServer server;
  private java.util.concurrent.ExecutorService workers;
  private ManagedChannel channel;
  private AttestationServiceBlockingStub stub;

  private static QuoteCollateral tdxCollateral() throws DcapException {
    return QuoteCollateral.fromJson(Vectors.text("dcap-qvl/tdx_quote_collateral.json"));
  }

  private void start(CollateralProvider provider, int maxInFlight) throws Exception {
    store = TestStores.open(dir.resolve("data"));
    Metrics metrics = new Metrics();
    workers = DaemonServer.workerPool(2);
    AttestationServiceImpl service = new AttestationServiceImpl(
        store, QuoteVerifier.intel(), provider, Clock.fixed(TDX_AT, ZoneOffset.UTC), metrics, workers);
    String name = InProcessServerBuilder.generateName();
    server = new DaemonServer(InProcessServerBuilder.forName(name), service, metrics, maxInFlight,
        DaemonServer.DEFAULT_MAX_MESSAGE_BYTES).start();
    channel = InProcessChannelBuilder.forName(name).build();
    stub = AttestationServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  private void start() throws Exception {
    start((quote, at) -> tdxCollateral(), 64);
  }

  /**
   * On a provider that holds the vector's collateral in memory, as the daemon's cache does: a
   * stored verdict is then shown current and served as stored, not judged again on every read.
   */
  private void startServingStoredVerdicts() throws Exception {
    start(inMemory(new AtomicInteger()), 64);
  }

  @AfterEach
  void stop() throws Exception {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (server != null) {
      server.stop(1000);
    }
    if (workers != null) {
      workers.shutdownNow();
    }
    if (store != null) {
      store.close();
    }
  }

  private static VerifyRequest upload(byte[] quote) {
    return VerifyRequest.newBuilder().setQuote(ByteString.copyFrom(quote)).build();
  }

  private static void expectError(Status.Code code, String reason, Runnable call) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::run);
    assertEquals(code, e.getStatus().getCode(), e.getMessage());
    assertEquals(reason, ErrorReasons.reason(e), e.getMessage());
  }

  private int recentCount() {
    return stub.recent(RecentRequest.newBuilder().setLimit(100).build()).getItemsCount();
  }

  @Test
  void verifyStoresAndEveryReadServesIt() throws Exception {
    startServingStoredVerdicts();
    VerifyResponse v = stub.verify(upload(TDX));
    assertTrue(v.getSuccess());
    assertEquals("UpToDate", v.getVerdict().getTcbStatus());
    assertEquals(TDX_CHECKSUM, v.getChecksum());
    assertTrue(v.getCanDownload());
    assertFalse(v.getAlreadyStored());
    assertEquals(TDX_AT.getEpochSecond(), v.getUploadedAt().getSeconds());
    assertEquals(tdxCollateral().tcbInfo(), v.getQuoteCollateral().getTcbInfo());
    assertEquals("TDX", v.getQuote().getHeader().getTeeType());
    assertEquals("b0c06f000000", HexFormat.of().formatHex(v.getVerdict().getFmspc().toByteArray()));

    VerifyResponse again = stub.verify(upload(TDX));
    assertTrue(again.getAlreadyStored());
    assertEquals(v.getUploadedAt(), again.getUploadedAt());
    assertEquals(v.getVerdict(), again.getVerdict());

    GetResponse g = stub.get(GetRequest.newBuilder().setChecksum(TDX_CHECKSUM.toUpperCase()).build());
    assertTrue(g.getVerified());
    assertTrue(g.getQuote().getVerified());
    assertTrue(g.getQuote().getCertData().startsWith("-----BEGIN CERTIFICATE-----"));
    assertEquals(v.getVerdict(), g.getVerdict());
    assertEquals(5006, g.getSize());

    assertArrayEquals(TDX, stub.getRaw(GetRawRequest.newBuilder().setChecksum(TDX_CHECKSUM).build()).getData().toByteArray());
    assertEquals(5006, stub.statRaw(StatRawRequest.newBuilder().setChecksum(TDX_CHECKSUM).build()).getSize());
    assertTrue(stub.statRaw(StatRawRequest.newBuilder().setChecksum(TDX_CHECKSUM).build()).getExists());
    assertFalse(stub.statRaw(StatRawRequest.newBuilder().setChecksum("00".repeat(32)).build()).getExists());

    QuoteCollateral back = ProtoQuotes.collateral(
        stub.getCollateral(GetCollateralRequest.newBuilder().setChecksum(TDX_CHECKSUM).build()).getQuoteCollateral());
    assertEquals(tdxCollateral(), back);

    RecentResponse recent = stub.recent(RecentRequest.newBuilder().setIncludeQuote(true).build());
    assertEquals(1, recent.getItemsCount());
    assertEquals(TDX_CHECKSUM, recent.getItems(0).getChecksum());
    assertTrue(recent.getItems(0).getVerified());
    assertTrue(recent.getItems(0).getQuote().getBody().getMrtd().size() == 48);
  }

  @Test
  void exportOnchainForAStoredQuote() throws Exception {
    start();
    stub.verify(upload(TDX));
    dev.dcapd.proto.v1.ExportOnchainResponse e = stub.exportOnchain(
        dev.dcapd.proto.v1.ExportOnchainRequest.newBuilder().setChecksum(TDX_CHECKSUM).build());
    assertEquals(TDX_CHECKSUM, e.getChecksum());
    assertTrue(e.getExpectedToVerify(), e.getNotesList().toString());
    assertEquals(0, e.getExpectedStatus(), "UpToDate is Automata's OK");
    byte[] out = e.getExpectedOutput().toByteArray();
    assertEquals(4, ((out[0] & 0xff) << 8) | (out[1] & 0xff), "quote version, big-endian");
    assertEquals(java.util.Arrays.toString(java.util.Arrays.copyOfRange(TDX, 48, 48 + 584)),
        java.util.Arrays.toString(java.util.Arrays.copyOfRange(out, out.length - 584, out.length)),
        "the raw TD report closes the output when there are no advisories");
    String calldata = HexFormat.of().formatHex(e.getCalldata().toByteArray());
    assertTrue(calldata.contains(HexFormat.of().formatHex(TDX)), "the calldata carries the raw quote");
    assertEquals(17, e.getTcbEvaluationDataNumber());
    assertFalse(e.getUpsertsList().isEmpty());
    expectError(Status.Code.NOT_FOUND, ApiErrors.NOT_FOUND, () -> stub.exportOnchain(
        dev.dcapd.proto.v1.ExportOnchainRequest.newBuilder().setChecksum("00".repeat(32)).build()));
  }

  @Test
  void hexUploadIsTheSameQuote() throws Exception {
    start();
    byte[] hex = ("0x" + HexFormat.of().formatHex(TDX)).getBytes(StandardCharsets.US_ASCII);
    assertEquals(TDX_CHECKSUM, stub.verify(upload(hex)).getChecksum());
    assertTrue(stub.verify(upload(TDX)).getAlreadyStored());
  }

  @Test
  void rejectedQuoteIsAnAnswerAndStoredUnverified() throws Exception {
    start();
    byte[] forged = TDX.clone();
    forged[48 + 520] ^= 1; // report data, covered by the quote signature
    VerifyResponse v = stub.verify(upload(forged));
    assertFalse(v.getSuccess());
    assertEquals(FailureCode.INVALID_QUOTE_SIGNATURE.name(), v.getVerdict().getFailure().getCode());
    GetResponse g = stub.get(GetRequest.newBuilder().setChecksum(v.getChecksum()).build());
    assertFalse(g.getVerified());
    assertEquals(FailureCode.INVALID_QUOTE_SIGNATURE.name(), g.getVerdict().getFailure().getCode());
    assertFalse(stub.recent(RecentRequest.getDefaultInstance()).getItems(0).getVerified());
  }

  @Test
  void unparseableInputIsInvalidArgumentAndLeavesNoTrace() throws Exception {
    start();
    byte[] badVersion = TDX.clone();
    badVersion[0] = 9;
    expectError(Status.Code.INVALID_ARGUMENT, "UNSUPPORTED_QUOTE_VERSION", () -> stub.verify(upload(badVersion)));
    expectError(Status.Code.INVALID_ARGUMENT, "QUOTE_TRUNCATED", () -> stub.verify(upload(new byte[0])));
    expectError(Status.Code.INVALID_ARGUMENT, "QUOTE_TRUNCATED", () -> stub.verify(upload(java.util.Arrays.copyOf(TDX, 3000))));
    byte[] garbage = new byte[100_000];
    new java.util.Random(1).nextBytes(garbage);
    garbage[0] = 4;
    garbage[1] = 0;
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub.verify(upload(garbage)));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertEquals(0, recentCount());
  }

  @Test
  void checksumsAreValidated() throws Exception {
    start();
    expectError(Status.Code.INVALID_ARGUMENT, ApiErrors.INVALID_ARGUMENT,
        () -> stub.get(GetRequest.newBuilder().setChecksum("abc").build()));
    expectError(Status.Code.INVALID_ARGUMENT, ApiErrors.INVALID_ARGUMENT,
        () -> stub.getRaw(GetRawRequest.newBuilder().setChecksum("zz".repeat(32)).build()));
    expectError(Status.Code.NOT_FOUND, ApiErrors.NOT_FOUND,
        () -> stub.get(GetRequest.newBuilder().setChecksum("00".repeat(32)).build()));
    expectError(Status.Code.NOT_FOUND, ApiErrors.NOT_FOUND,
        () -> stub.getRaw(GetRawRequest.newBuilder().setChecksum("00".repeat(32)).build()));
    expectError(Status.Code.NOT_FOUND, ApiErrors.NOT_FOUND,
        () -> stub.getCollateral(GetCollateralRequest.newBuilder().setChecksum("00".repeat(32)).build()));
    expectError(Status.Code.INVALID_ARGUMENT, ApiErrors.INVALID_ARGUMENT,
        () -> stub.recent(RecentRequest.newBuilder().setPageToken("nope").build()));
    expectError(Status.Code.INVALID_ARGUMENT, ApiErrors.INVALID_ARGUMENT,
        () -> stub.recent(RecentRequest.newBuilder().setSkip(10_001).build()));
  }

  @Test
  void noCollateralIsUnavailableAndNothingIsStored() throws Exception {
    start((q, at) -> {
      throw new DcapException(FailureCode.COLLATERAL_UNAVAILABLE, "every source is down");
    }, 64);
    expectError(Status.Code.UNAVAILABLE, "COLLATERAL_UNAVAILABLE", () -> stub.verify(upload(TDX)));
    assertEquals(0, recentCount());
  }

  @Test
  void quoteWithoutPckChainIsStoredAsRejected() throws Exception {
    start((q, at) -> {
      q.certificationData().pckCertChain();
      return tdxCollateral();
    }, 64);
    VerifyResponse v = stub.verify(upload(Vectors.bytes("intel/qvl-sample-sgx/quote.dat")));
    assertFalse(v.getSuccess());
    assertEquals(FailureCode.UNSUPPORTED_CERTIFICATION_DATA.name(), v.getVerdict().getFailure().getCode());
    assertEquals(1, recentCount());
    expectError(Status.Code.NOT_FOUND, ApiErrors.NOT_FOUND,
        () -> stub.getCollateral(GetCollateralRequest.newBuilder().setChecksum(v.getChecksum()).build()));
  }

  @Test
  void checkIsStatelessWithCallerCollateralAndInstant() throws Exception {
    start((q, at) -> {
      throw new DcapException(FailureCode.COLLATERAL_UNAVAILABLE, "not used");
    }, 64);
    CheckRequest.Builder req = CheckRequest.newBuilder()
        .setQuote(ByteString.copyFrom(TDX))
        .setCollateral(ProtoQuotes.collateral(tdxCollateral()))
        .setAt(ProtoVerdicts.timestamp(TDX_AT));
    CheckResponse ok = stub.check(req.build());
    assertTrue(ok.getSuccess());
    assertEquals("UpToDate", ok.getVerdict().getTcbStatus());
    CheckResponse late = stub.check(req.setAt(ProtoVerdicts.timestamp(Instant.parse("2026-01-01T00:00:00Z"))).build());
    assertFalse(late.getSuccess());
    assertEquals(FailureCode.COLLATERAL_EXPIRED.name(), late.getVerdict().getFailure().getCode());
    assertEquals(0, recentCount());
  }

  @Test
  void concurrentUploadsOfOneQuoteMakeOneRecord() throws Exception {
    start();
    uploadConcurrentlyExpectingOneRecord();
  }

  /** A provider holding the collateral in memory: uploads are answered without a hand-off. */
  private static CollateralProvider inMemory(AtomicInteger sourceAsked) {
    return new CollateralProvider() {
      @Override
      public QuoteCollateral forQuote(dev.dcapd.verifier.quote.Quote quote, Instant at) throws DcapException {
        sourceAsked.incrementAndGet();
        return tdxCollateral();
      }

      @Override
      public Optional<QuoteCollateral> cached(dev.dcapd.verifier.quote.Quote quote, Instant at) {
        try {
          return Optional.of(tdxCollateral());
        } catch (DcapException e) {
          throw new AssertionError(e);
        }
      }
    };
  }

  @Test
  void collateralHeldInMemoryIsUsedWithoutAskingTheSource() throws Exception {
    AtomicInteger sourceAsked = new AtomicInteger();
    start(inMemory(sourceAsked), 64);
    VerifyResponse first = stub.verify(upload(TDX));
    assertTrue(first.getSuccess());
    assertFalse(first.getAlreadyStored());
    if (!store.syncWrites()) {
      // A store whose writes wait (Cassandra) has every upload handed to a worker, which may
      // wait and so asks the provider (the daemon's cache answers it from memory).
      assertEquals(0, sourceAsked.get());
    }
    assertEquals(first.getVerdict(), stub.get(GetRequest.newBuilder().setChecksum(TDX_CHECKSUM).build()).getVerdict());
    assertEquals(tdxCollateral().tcbInfo(), first.getQuoteCollateral().getTcbInfo());
    VerifyResponse again = stub.verify(upload(TDX));
    assertTrue(again.getAlreadyStored());
    assertEquals(first.getVerdict(), again.getVerdict());
  }

  @Test
  void concurrentUploadsWithCollateralInMemoryMakeOneRecord() throws Exception {
    // Uploads that find the checksum's lock taken are handed to the worker pool, the rest answer
    // at once: either way one record.
    start(inMemory(new AtomicInteger()), 64);
    uploadConcurrentlyExpectingOneRecord();
  }

  private void uploadConcurrentlyExpectingOneRecord() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<VerifyResponse>> results = new ArrayList<>();
      for (int i = 0; i < 32; i++) {
        results.add(pool.submit(() -> {
          go.await();
          return stub.verify(upload(TDX));
        }));
      }
      go.countDown();
      int fresh = 0;
      for (Future<VerifyResponse> f : results) {
        VerifyResponse r = f.get(30, TimeUnit.SECONDS);
        assertEquals(TDX_CHECKSUM, r.getChecksum());
        fresh += r.getAlreadyStored() ? 0 : 1;
      }
      assertEquals(1, fresh);
      assertEquals(1, recentCount());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void overlappingUploadsFromManyClientsMakeOneRecordPerQuote() throws Exception {
    start();
    byte[] sample = Vectors.bytes("intel/qvl-sample-sgx/quote.dat");
    List<byte[]> quotes = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      byte[] q = java.util.Arrays.copyOf(sample, sample.length + 1);
      q[sample.length] = (byte) i;
      quotes.add(q);
    }
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int c = 0; c < 8; c++) {
        int offset = c * 5;
        done.add(pool.submit(() -> {
          for (int i = 0; i < quotes.size(); i++) {
            stub.verify(upload(quotes.get((i + offset) % quotes.size())));
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(40, recentCount());
  }

  @Test
  void beyondCapacityCallsAreRefusedNotQueued() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    start((q, at) -> {
      entered.countDown();
      try {
        release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return tdxCollateral();
    }, 1);
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<VerifyResponse> first = pool.submit(() -> stub.verify(upload(TDX)));
      assertTrue(entered.await(30, TimeUnit.SECONDS));
      expectError(Status.Code.RESOURCE_EXHAUSTED, ApiErrors.RESOURCE_EXHAUSTED,
          () -> stub.get(GetRequest.newBuilder().setChecksum(TDX_CHECKSUM).build()));
      release.countDown();
      assertTrue(first.get(30, TimeUnit.SECONDS).getSuccess());
      // The permit comes back when the server has closed the first call, which can be a moment
      // after the client has its answer: capacity returns, it is not lost.
      GetResponse after = null;
      for (int i = 0; i < 500 && after == null; i++) {
        try {
          after = stub.get(GetRequest.newBuilder().setChecksum(TDX_CHECKSUM).build());
        } catch (StatusRuntimeException e) {
          assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
          Thread.sleep(10);
        }
      }
      assertTrue(after != null && after.getVerified(), "capacity returned after the first call ended");
    } finally {
      release.countDown();
      pool.shutdownNow();
    }
  }

  @Test
  void recordsSurviveARestart() throws Exception {
    startServingStoredVerdicts();
    VerifyResponse v = stub.verify(upload(TDX));
    stop();
    channel = null;
    server = null;
    store = null;
    startServingStoredVerdicts();
    GetResponse g = stub.get(GetRequest.newBuilder().setChecksum(TDX_CHECKSUM).build());
    assertEquals(v.getVerdict(), g.getVerdict());
    assertEquals(v.getUploadedAt(), g.getUploadedAt());
    assertArrayEquals(TDX, stub.getRaw(GetRawRequest.newBuilder().setChecksum(TDX_CHECKSUM).build()).getData().toByteArray());
  }
}
