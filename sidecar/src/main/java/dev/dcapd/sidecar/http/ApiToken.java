package dev.dcapd.sidecar.http;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The bearer token a caller of the local API proves itself with where the listener's file mode
 * cannot (TCP): 32 random bytes, as 64 lower-case hex characters, made anew at every start and
 * written to a file only its owner may read.
 */
public final class ApiToken {
  /** The token file's name in the state directory. */
  public static final String FILE_NAME = "api-token";
  /** Owner read and write, nothing else: the token is as good as the attested key for signing. */
  public static final Set<PosixFilePermission> FILE_PERMISSIONS = PosixFilePermissions.fromString("rw-------");
  /** The state directory, when it has to be made: the owner's only. */
  static final Set<PosixFilePermission> DIR_PERMISSIONS = PosixFilePermissions.fromString("rwx------");
  private static final int BYTES = 32;
  private static final String SCHEME = "bearer";

  private final byte[] token;
  private final Path file;

  private ApiToken(byte[] token, Path file) {
    this.token = token;
    this.file = file;
  }

  /**
   * Makes a new token and writes it, followed by a newline, to {@code DIR/api-token}. The file is
   * created {@code rw-------} by the call that creates it (never readable by others, not even
   * between creating and restricting it), written under a fresh random name and then renamed over
   * any older token, so a reader sees the old token or the new one, never a part of one. The
   * directory is created {@code rwx------} when missing.
   */
  public static ApiToken create(Path dir, SecureRandom random) throws IOException {
    byte[] raw = new byte[BYTES];
    random.nextBytes(raw);
    byte[] token = HexFormat.of().formatHex(raw).getBytes(StandardCharsets.US_ASCII);
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(DIR_PERMISSIONS));
    }
    FileAttribute<Set<PosixFilePermission>> ownerOnly = PosixFilePermissions.asFileAttribute(FILE_PERMISSIONS);
    Path file = dir.resolve(FILE_NAME);
    Path temporary = null;
    try {
      for (int attempt = 0; temporary == null; attempt++) {
        Path candidate = dir.resolve("." + FILE_NAME + "." + HexFormat.of().formatHex(randomBytes(random, 8)) + ".tmp");
        try {
          // CREATE_NEW is O_CREAT|O_EXCL: it follows no link and takes no file someone else made.
          Files.createFile(candidate, ownerOnly);
          temporary = candidate;
        } catch (FileAlreadyExistsException e) {
          if (attempt >= 3) {
            throw e;
          }
        }
      }
      // The umask can only take bits away; the mode must still be exactly rw-------.
      if (!Files.getPosixFilePermissions(temporary, LinkOption.NOFOLLOW_LINKS).equals(FILE_PERMISSIONS)) {
        throw new IOException("cannot make " + temporary + " readable by its owner only");
      }
      try (OutputStream out = Files.newOutputStream(temporary, StandardOpenOption.WRITE, StandardOpenOption.SYNC)) {
        out.write(token);
        out.write('\n');
      }
      Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      temporary = null;
    } catch (UnsupportedOperationException e) {
      throw new IOException("the API token needs a POSIX file system for its owner-only mode; " + dir + " is not one");
    } finally {
      if (temporary != null) {
        Files.deleteIfExists(temporary);
      }
    }
    return new ApiToken(token, file);
  }

  private static byte[] randomBytes(SecureRandom random, int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  /** Where the token was written. */
  public Path file() {
    return file;
  }

  /**
   * Whether an {@code Authorization} header value is {@code Bearer <this token>}. The scheme is
   * case-insensitive (RFC 9110 11.1); the token is compared in constant time.
   */
  public boolean matches(Optional<String> authorization) {
    if (authorization.isEmpty()) {
      return false;
    }
    String value = authorization.get().strip();
    int space = value.indexOf(' ');
    if (space < 0 || !value.substring(0, space).toLowerCase(Locale.ROOT).equals(SCHEME)) {
      return false;
    }
    byte[] offered = value.substring(space + 1).strip().getBytes(StandardCharsets.US_ASCII);
    return MessageDigest.isEqual(offered, token);
  }

  @Override
  public String toString() {
    return "ApiToken[" + file + "]";
  }
}
