package dev.dcapd.cli;

import dev.dcapd.verifier.policy.Policy;
import dev.dcapd.verifier.policy.PolicyFormatException;
import dev.dcapd.verifier.policy.PolicyJson;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --policy FILE} and {@code --insecure-allow-debug}: the policy a verdict is judged by. */
final class PolicyOptions {
  @Option(names = "--policy", paramLabel = "FILE",
      description = "Policy file (JSON, docs/policy.md) to judge the verdict by; default: refuse out-of-date platforms and debug TDs and enclaves.")
  Path file;

  @Option(names = "--insecure-allow-debug",
      description = "INSECURE: accept debug TDs and enclaves, whose memory their host can read and write (testing only).")
  boolean insecureAllowDebug;

  boolean given() {
    return file != null || insecureAllowDebug;
  }

  /**
   * The policy: the file's, else {@link Policy#daemonDefault()}; debug allowed only by the option.
   *
   * @param insecureRoot whether the verdict is anchored in a root the user chose with an insecure option
   */
  Policy policy(boolean insecureRoot) throws CliException {
    Policy p;
    if (file != null) {
      try {
        p = PolicyJson.parse(file);
      } catch (PolicyFormatException e) {
        throw new CliException(Dcap.EXIT_BAD_INPUT, "--policy " + file + ": " + e.getMessage());
      }
    } else {
      p = Policy.daemonDefault();
    }
    return p.withInsecureOptions(insecureAllowDebug, insecureRoot);
  }
}
