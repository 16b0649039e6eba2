package dev.dcapd.daemon;

import dev.dcapd.testkit.Forge;
import dev.dcapd.testkit.ForgedCase;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** What a daemon under test is started with for a forged case: its root as a file, its collateral as a folder. */
final class ForgedFiles {
  private ForgedFiles() {}

  /** The case's test root as {@code dir/root.pem}, for {@code --insecure-trust-root}. */
  static Path rootPem(Path dir, ForgedCase c) throws IOException {
    Path p = dir.resolve("root.pem");
    Files.writeString(p, c.rootPem(), StandardCharsets.US_ASCII);
    return p;
  }

  /** {@code dir/collateral/platform.json} holding {@code c}, for {@code --collateral-dir}. */
  static Path collateralDir(Path dir, QuoteCollateral c) throws IOException {
    Path d = Files.createDirectories(dir.resolve("collateral"));
    Files.writeString(d.resolve("platform.json"), c.toJson(), StandardCharsets.UTF_8);
    return d;
  }

  /** The case's collateral with a PCK CRL issued on {@code revokedOn} that revokes its PCK leaf. */
  static QuoteCollateral revoking(ForgedCase c, Instant revokedOn) {
    QuoteCollateral a = c.collateral();
    byte[] crl = c.pki().pckCrl(c.spec().caType(), List.of(c.pckLeaf().getSerialNumber()), revokedOn, Forge.NEXT_UPDATE);
    return new QuoteCollateral(a.pckCrlIssuerChain(), a.rootCaCrl(), Bytes.of(crl), a.tcbInfoIssuerChain(), a.tcbInfo(),
        a.tcbInfoSignature(), a.qeIdentityIssuerChain(), a.qeIdentity(), a.qeIdentitySignature(), Optional.empty());
  }
}
