package dev.dcapd.contracts;

import dev.dcapd.onchain.OnchainException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Pattern;
import org.web3j.crypto.Credentials;

/**
 * Reads the secp256k1 key that signs transactions, from a file or an environment variable; never
 * from a command-line value, which would end up in shell history and process listings. The key is
 * 32 bytes of hex, with or without {@code 0x}, surrounding whitespace ignored. Messages never
 * contain the key.
 */
public final class SigningKeys {
  private static final Pattern KEY = Pattern.compile("(0x)?[0-9a-fA-F]{64}");

  private SigningKeys() {}

  /** The key in {@code file}. */
  public static Credentials fromFile(Path file) throws OnchainException {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new OnchainException("key file " + file + " cannot be read (" + e.getClass().getSimpleName() + ")");
    }
    return parse(text, "key file " + file);
  }

  /** The key in environment variable {@code name} of {@code environment}. */
  public static Credentials fromEnvironment(String name, Map<String, String> environment) throws OnchainException {
    String text = environment.get(name);
    if (text == null || text.isBlank()) {
      throw new OnchainException("environment variable " + name + " is not set");
    }
    return parse(text, "environment variable " + name);
  }

  private static Credentials parse(String text, String where) throws OnchainException {
    String t = text.strip();
    if (!KEY.matcher(t).matches()) {
      throw new OnchainException(where + " does not hold a 32-byte hex private key");
    }
    return Credentials.create(t.startsWith("0x") ? t.substring(2) : t);
  }
}
