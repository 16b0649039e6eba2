package dev.dcapd.collateral;

import static dev.dcapd.collateral.TestVectors.SGX_AT;
import static dev.dcapd.collateral.TestVectors.SGX_KEY;
import static dev.dcapd.collateral.TestVectors.TDX_AT;
import static dev.dcapd.collateral.TestVectors.TDX_KEY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import dev.dcapd.verifier.Vectors;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.pck.CaType;
import dev.dcapd.verifier.quote.TeeType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A folder of QuoteCollateralV3 files as a source, alone and as the fallback after a server. */
class OfflineDirectorySourceTest {
  @TempDir Path dir;

  private void write(String name, String text) throws Exception {
    Files.writeString(dir.resolve(name), text, StandardCharsets.UTF_8);
  }

  private void vectors() throws Exception {
    write("tdx.json", Vectors.text("dcap-qvl/tdx_quote_collateral.json"));
    write("sgx.json", Vectors.text("dcap-qvl/sgx_quote_collateral.json"));
    write("outdated.json", Vectors.text("dcap-qvl/tdx_quote_outdated_collateral.json"));
    write("junk.json", "{\"not\":\"collateral\"}");
    write("notes.txt", "not a collateral file");
  }

  @Test
  void filesAreIndexedByTeeFmspcAndCa() throws Exception {
    vectors();
    OfflineDirectorySource source = new OfflineDirectorySource(dir);
    assertEquals(List.of(
            "outdated.json " + new CollateralKey(TeeType.TDX, Bytes.fromHex("90C06F000000"), CaType.PLATFORM),
            "sgx.json " + SGX_KEY,
            "tdx.json " + TDX_KEY),
        source.scan().stream().map(e -> e.file().getFileName() + " " + e.key()).toList());
    assertEquals(TestVectors.tdxCollateral(), source.fetch(TDX_KEY));
    assertEquals(TestVectors.sgxCollateral(), source.fetch(SGX_KEY));
    DcapException e = assertThrows(DcapException.class,
        () -> source.fetch(new CollateralKey(TeeType.SGX, Bytes.fromHex("B0C06F000000"), CaType.PLATFORM)));
    assertEquals(FailureCode.COLLATERAL_NOT_FOUND, e.code(), "a folder without the platform's file answers for it");
  }

  @Test
  void aQuotesOwnChainInAFileIsNotServedForTheKey() throws Exception {
    QuoteCollateral withChain = CollateralService.withPckChain(TestVectors.tdxCollateral(), TestVectors.tdxQuote());
    write("tdx-with-chain.json", withChain.toJson());
    assertEquals(Optional.empty(), new OfflineDirectorySource(dir).fetch(TDX_KEY).pckCertificateChain());
  }

  @Test
  void theFolderIsTheFallbackWhenTheServerFailsAndItsFilesAreCheckedToo() throws Exception {
    vectors();
    try (FakePcs down = new FakePcs()) {
      down.fault(FakePcs.TCB, FakePcs.status(500));
      HttpGetter http = TestVectors.getter(new TestVectors.RecordingSleeper(), 2, Duration.ofSeconds(5));
      CollateralFetcher fetcher = new CollateralFetcher(
          List.of(TestVectors.pccs(down, http), new OfflineDirectorySource(dir)),
          VerifierCollateralCheck.intelRoot(), Clock.fixed(SGX_AT, ZoneOffset.UTC));
      CollateralFetcher.Result r = fetcher.fetch(SGX_KEY, SGX_AT);
      assertEquals("dir:" + dir, r.collateral().source());
      assertEquals(TestVectors.sgxCollateral(), r.collateral().collateral());

      // The folder's TDX file is out of date in 2026: refused like a server's would be.
      CollateralUnavailableException e = assertThrows(CollateralUnavailableException.class,
          () -> fetcher.fetch(TDX_KEY, TDX_AT.plus(Duration.ofDays(400))));
      assertEquals(Optional.of(FailureCode.COLLATERAL_EXPIRED), e.attempts().get(1).failure());
    }
  }

  @Test
  void aMissingFolderIsUnavailable() {
    DcapException e = assertThrows(DcapException.class,
        () -> new OfflineDirectorySource(dir.resolve("absent")).fetch(TDX_KEY));
    assertEquals(FailureCode.COLLATERAL_UNAVAILABLE, e.code());
  }
}
