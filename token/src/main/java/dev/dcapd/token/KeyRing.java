package dev.dcapd.token;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The daemon's token signing keys: one current P-256 key that signs, and the keys it replaced,
 * each published (in the JWKS) until every token it signed has expired. Kept as a JSON file
 * readable by its owner only. Key ids are RFC 7638 thumbprints.
 */
public final class KeyRing {
  /** One key: when it began to sign, and when it stopped (empty while it is the current key). */
  public record Entry(ECKey key, Instant created, Optional<Instant> retired) {
    public Entry {
      Objects.requireNonNull(key, "key");
      if (!key.isPrivate()) {
        throw new IllegalArgumentException("a signing key needs its private part");
      }
    }
  }

  private final List<Entry> entries;

  private KeyRing(List<Entry> entries) {
    if (entries.isEmpty() || entries.get(entries.size() - 1).retired().isPresent()) {
      throw new IllegalArgumentException("a key ring needs a current key, last");
    }
    this.entries = List.copyOf(entries);
  }

  /** A ring with one new key. */
  public static KeyRing generate(Instant now) {
    return new KeyRing(List.of(new Entry(newKey(), now, Optional.empty())));
  }

  /** A ring whose current key is {@code key} (a P-256 private key, given by the operator). */
  public static KeyRing of(ECKey key, Instant now) {
    return new KeyRing(List.of(new Entry(withId(key), now, Optional.empty())));
  }

  /** The key that signs. */
  public ECKey current() {
    return entries.get(entries.size() - 1).key();
  }

  public List<Entry> entries() {
    return entries;
  }

  /** This ring with a new current key; the old one retires now and stays published for {@code lifetime}. */
  public KeyRing rotate(Instant now) {
    return replaceCurrent(newKey(), now);
  }

  /**
   * This ring with {@code key} as the current key: unchanged if it already is; else the current
   * key retires now (an operator who hands the daemon another key file rotates).
   */
  public KeyRing withCurrent(ECKey key, Instant now) {
    ECKey k = withId(key);
    return k.getKeyID().equals(current().getKeyID()) ? this : replaceCurrent(k, now);
  }

  private KeyRing replaceCurrent(ECKey key, Instant now) {
    List<Entry> next = new ArrayList<>(entries.size() + 1);
    for (int i = 0; i < entries.size() - 1; i++) {
      next.add(entries.get(i));
    }
    Entry last = entries.get(entries.size() - 1);
    next.add(new Entry(last.key(), last.created(), Optional.of(now)));
    next.add(new Entry(key, now, Optional.empty()));
    return new KeyRing(next);
  }

  /** This ring without keys retired long enough ago that no token they signed is still valid. */
  public KeyRing prune(Instant now, Duration tokenLifetime) {
    List<Entry> kept = new ArrayList<>();
    for (Entry e : entries) {
      if (e.retired().isEmpty() || e.retired().get().plus(tokenLifetime).isAfter(now)) {
        kept.add(e);
      }
    }
    return new KeyRing(kept);
  }

  /**
   * The public keys a relying party needs at {@code now}: the current key and every retired key
   * whose tokens may still be valid ({@code tokenLifetime} after it retired).
   */
  public JWKSet publicKeys(Instant now, Duration tokenLifetime) {
    List<JWK> keys = new ArrayList<>();
    for (Entry e : prune(now, tokenLifetime).entries()) {
      keys.add(e.key().toPublicJWK());
    }
    return new JWKSet(keys);
  }

  /** Reads a ring written by {@link #save}. */
  public static KeyRing load(Path file) throws IOException {
    try {
      Map<String, Object> root = JSONObjectUtils.parse(Files.readString(file, StandardCharsets.UTF_8));
      List<Entry> entries = new ArrayList<>();
      for (Object o : JSONObjectUtils.getJSONArray(root, "keys")) {
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) o;
        ECKey key = ECKey.parse(JSONObjectUtils.getJSONObject(m, "jwk"));
        String retired = JSONObjectUtils.getString(m, "retired");
        entries.add(new Entry(key, Instant.parse(JSONObjectUtils.getString(m, "created")),
            retired == null ? Optional.empty() : Optional.of(Instant.parse(retired))));
      }
      return new KeyRing(entries);
    } catch (ParseException | RuntimeException e) {
      throw new IOException("token key ring " + file + " does not parse: " + e.getMessage(), e);
    }
  }

  /** Writes the ring (private keys included) to {@code file}, readable and writable by its owner only. */
  public void save(Path file) throws IOException {
    List<Object> keys = new ArrayList<>();
    for (Entry e : entries) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("jwk", e.key().toJSONObject());
      m.put("created", e.created().toString());
      m.put("retired", e.retired().map(Instant::toString).orElse(null));
      keys.add(m);
    }
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("keys", keys);
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(tmp, JSONObjectUtils.toJSONString(root), StandardCharsets.UTF_8);
    try {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static ECKey newKey() {
    try {
      return withId(new ECKeyGenerator(Curve.P_256).generate());
    } catch (JOSEException e) {
      throw new IllegalStateException("P-256 key generation is part of every JDK", e);
    }
  }

  /** The key with use {@code sig}, algorithm ES256 and its thumbprint as key id. */
  private static ECKey withId(ECKey key) {
    if (!Curve.P_256.equals(key.getCurve())) {
      throw new IllegalArgumentException("token keys are P-256 (ES256), not " + key.getCurve());
    }
    try {
      return new ECKey.Builder(key)
          .keyUse(KeyUse.SIGNATURE)
          .algorithm(JWSAlgorithm.ES256)
          .keyIDFromThumbprint()
          .build();
    } catch (JOSEException e) {
      throw new IllegalStateException("a P-256 key always has a thumbprint", e);
    }
  }
}
