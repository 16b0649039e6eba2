package dev.dcapd.daemon.crypto;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dcapd.verifier.verify.Ecdsa;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The engine {@link InstallAwsLc} installs is the one the verifier uses in this module's test
 * runs, the verifier's suite included: otherwise that second run would silently repeat the first.
 */
class InstalledEngineTest {
  @Test
  void theVerifierRunsOnAwsLcInTheseTests() {
    boolean linuxX86 = System.getProperty("os.name").toLowerCase().contains("linux")
        && List.of("amd64", "x86_64").contains(System.getProperty("os.arch"));
    assumeTrue(linuxX86);
    assertTrue(Ecdsa.engine().startsWith("aws-lc"), Ecdsa.engine());
  }
}
