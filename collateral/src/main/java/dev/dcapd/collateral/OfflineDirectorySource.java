package dev.dcapd.collateral;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.pck.CaType;
import dev.dcapd.verifier.pck.PckCertChain;
import dev.dcapd.verifier.quote.TeeType;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Collateral from a folder of {@code QuoteCollateralV3} JSON files (for air-gapped hosts or a
 * pinned set), each filed under the TEE type and FMSPC its TCB info names and the CA that issued
 * its PCK CRL. The folder is read on every fetch, so files can be added while the daemon runs;
 * where several files fit a key, the one whose TCB info was issued last is served.
 */
public final class OfflineDirectorySource implements CollateralSource {
  private static final System.Logger LOG = System.getLogger(OfflineDirectorySource.class.getName());
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SUFFIX = ".json";

  private final Path directory;

  public OfflineDirectorySource(Path directory) {
    this.directory = Objects.requireNonNull(directory, "directory");
  }

  @Override
  public String name() {
    return "dir:" + directory;
  }

  /** One readable file and what it is filed under. */
  public record Entry(Path file, CollateralKey key, Instant tcbInfoIssueDate, QuoteCollateral collateral) {}

  @Override
  public QuoteCollateral fetch(CollateralKey key) throws DcapException {
    return scan().stream()
        .filter(e -> e.key().equals(key))
        .max(Comparator.comparing(Entry::tcbInfoIssueDate))
        .map(e -> CollateralFetcher.withoutPckChain(e.collateral()))
        .orElseThrow(() -> new DcapException(FailureCode.COLLATERAL_NOT_FOUND,
            directory + " holds no collateral for " + key));
  }

  /** Every readable collateral file in the folder; unreadable ones are logged and left out. */
  public List<Entry> scan() throws DcapException {
    List<Entry> out = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*" + SUFFIX)) {
      for (Path f : files) {
        if (!Files.isRegularFile(f)) {
          continue;
        }
        try {
          out.add(read(f));
        } catch (DcapException | IOException e) {
          LOG.log(Level.WARNING, "collateral file {0} skipped: {1}", f, e.getMessage());
        }
      }
    } catch (IOException e) {
      throw new DcapException(FailureCode.COLLATERAL_UNAVAILABLE, "cannot list " + directory + ": " + e.getMessage());
    }
    out.sort(Comparator.comparing(e -> e.file().getFileName().toString()));
    return out;
  }

  /** Reads one file and works out its key. */
  public static Entry read(Path file) throws DcapException, IOException {
    QuoteCollateral c = QuoteCollateral.fromJson(Files.readString(file, StandardCharsets.UTF_8));
    JsonNode tcbInfo;
    try {
      tcbInfo = JSON.readTree(c.tcbInfo());
    } catch (JsonProcessingException e) {
      throw new DcapException(FailureCode.COLLATERAL_MALFORMED, "its tcb_info is not JSON");
    }
    if (tcbInfo == null || !tcbInfo.isObject()) {
      throw new DcapException(FailureCode.COLLATERAL_MALFORMED, "its tcb_info is not a JSON object");
    }
    JsonNode id = tcbInfo.get("id");
    TeeType tee;
    if (id == null || "SGX".equals(id.asText())) {
      tee = TeeType.SGX; // TCB info v2 has no id and is SGX only
    } else if ("TDX".equals(id.asText())) {
      tee = TeeType.TDX;
    } else {
      throw new DcapException(FailureCode.COLLATERAL_MALFORMED, "its TCB info id '" + id.asText() + "' is neither SGX nor TDX");
    }
    Bytes fmspc;
    Instant issued;
    try {
      fmspc = Bytes.fromHex(tcbInfo.path("fmspc").asText(""));
      issued = Instant.parse(tcbInfo.path("issueDate").asText(""));
    } catch (IllegalArgumentException | DateTimeParseException e) {
      throw new DcapException(FailureCode.COLLATERAL_MALFORMED, "its TCB info fmspc or issueDate cannot be read");
    }
    if (fmspc.length() != CollateralKey.FMSPC_LENGTH) {
      throw new DcapException(FailureCode.COLLATERAL_MALFORMED, "its TCB info fmspc is not 6 bytes");
    }
    List<X509Certificate> pckCa = PckCertChain.readCertificates(c.pckCrlIssuerChain());
    String cn = PckCertChain.commonName(pckCa.get(0).getSubjectX500Principal());
    CaType ca = CaType.fromCommonName(cn);
    if (ca == null) {
      throw new DcapException(FailureCode.COLLATERAL_MALFORMED, "its PCK CRL issuer '" + cn + "' is neither PCK CA");
    }
    return new Entry(file, new CollateralKey(tee, fmspc, ca), issued, c);
  }
}
