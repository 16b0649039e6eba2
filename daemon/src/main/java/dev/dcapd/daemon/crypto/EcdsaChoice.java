package dev.dcapd.daemon.crypto;

import dev.dcapd.verifier.verify.Ecdsa;
import java.security.Provider;
import java.util.Locale;
import java.util.Optional;

/** The daemon's {@code --ecdsa-engine} setting: which engine the verifier hands ECDSA arithmetic to. */
public enum EcdsaChoice {
  /** AWS-LC where it loads and passes its start-up check, BouncyCastle otherwise. */
  AUTO,
  /** AWS-LC or no start. */
  AWS_LC,
  /** BouncyCastle, the verifier's own. */
  BOUNCYCASTLE;

  /** The option's spelling: {@code auto}, {@code aws-lc}, {@code bouncycastle}. */
  public String optionValue() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** The choice spelled {@code value}, or an {@link IllegalArgumentException} naming the spellings. */
  public static EcdsaChoice parse(String value) {
    for (EcdsaChoice c : values()) {
      if (c.optionValue().equals(value.trim())) {
        return c;
      }
    }
    throw new IllegalArgumentException("the ECDSA engine must be auto, aws-lc or bouncycastle, not '" + value + "'");
  }

  /**
   * Installs the chosen engine in the verifier and says which one runs, with the reason when
   * {@code auto} fell back to BouncyCastle. Loading AWS-LC takes a few hundred milliseconds.
   *
   * @throws IllegalStateException for {@code aws-lc} when it cannot be loaded
   */
  public String install() {
    if (this == BOUNCYCASTLE) {
      Ecdsa.useEngine(null);
      signing = null;
      return Ecdsa.engine();
    }
    AwsLcEcdsa.Loaded loaded = AwsLcEcdsa.load();
    if (loaded.engine() == null) {
      if (this == AWS_LC) {
        throw new IllegalStateException("--ecdsa-engine aws-lc, but " + loaded.unavailableReason());
      }
      Ecdsa.useEngine(null);
      signing = null;
      return Ecdsa.engine() + " (" + loaded.unavailableReason() + ")";
    }
    Ecdsa.useEngine(loaded.engine());
    signing = loaded.engine().provider();
    return Ecdsa.engine();
  }

  /** The provider of the engine installed last, when it can also sign (AWS-LC), for result tokens. */
  private static volatile Provider signing;

  /** The JCA provider that signs with the installed engine, or empty for the JDK's (BouncyCastle verifies). */
  public static Optional<Provider> signingProvider() {
    return Optional.ofNullable(signing);
  }
}
