package dev.dcapd.daemon.crypto;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Installs AWS-LC in the verifier before any test of this module runs, as {@code dcapd serve}
 * does by default: the daemon's tests, and the verifier's verification suite which this module
 * runs a second time (see the pom), then exercise the engine that serves in production.
 * {@link EcdsaEnginesTest} fails on linux-x86_64 if it does not load.
 */
public final class InstallAwsLc implements LauncherSessionListener {
  @Override
  public void launcherSessionOpened(LauncherSession session) {
    EcdsaChoice.AUTO.install();
  }
}
