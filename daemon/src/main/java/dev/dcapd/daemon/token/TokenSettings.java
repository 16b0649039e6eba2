package dev.dcapd.daemon.token;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How the daemon signs attestation results.
 *
 * @param keyFile the operator's P-256 private key (PEM or JWK); absent: a key generated in the data directory
 * @param lifetime how long a token is valid after it is issued
 * @param rotate make a new key at start (the old one stays published until its tokens expire)
 */
public record TokenSettings(Optional<Path> keyFile, Duration lifetime, boolean rotate) {
  /** The default {@code --token-lifetime}: short, as a result is only as fresh as its collateral check. */
  public static final Duration DEFAULT_LIFETIME = Duration.ofMinutes(5);
  public static final TokenSettings DEFAULTS = new TokenSettings(Optional.empty(), DEFAULT_LIFETIME, false);

  public TokenSettings {
    Objects.requireNonNull(keyFile, "keyFile");
    if (lifetime.isNegative() || lifetime.isZero() || lifetime.compareTo(Duration.ofDays(1)) > 0) {
      throw new IllegalArgumentException("the token lifetime must be positive and at most a day");
    }
  }
}
