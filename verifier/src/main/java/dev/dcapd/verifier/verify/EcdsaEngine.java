package dev.dcapd.verifier.verify;

import java.math.BigInteger;
import java.security.GeneralSecurityException;

/**
 * An implementation of ECDSA P-256 verification that {@link Ecdsa} may hand its arithmetic to,
 * such as a native library; the verifier itself carries only BouncyCastle's. The application
 * chooses one with {@link Ecdsa#useEngine(EcdsaEngine)}.
 *
 * <p>An engine only ever answers for inputs {@link Ecdsa} has already validated: a key decoded as
 * a point on P-256 and {@code 0 < r, s < n}. It must fail closed: any exception it throws counts as
 * "not verified".
 */
public interface EcdsaEngine {
  /** The engine's name and version, for logs and benchmark results. */
  String name();

  /**
   * The engine's own form of an already validated uncompressed P-256 point ({@code 04‖X‖Y}); made
   * once per key and kept with it.
   */
  Object publicKey(byte[] uncompressedPoint) throws GeneralSecurityException;

  /** Whether {@code (r, s)} signs the SHA-256 {@code digest} under {@code key}, made by {@link #publicKey}. */
  boolean verify(Object key, byte[] digest, BigInteger r, BigInteger s) throws GeneralSecurityException;
}
