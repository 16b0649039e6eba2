package dev.dcapd.token;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** Signs EAR tokens (ES256) with a key ring's current key. */
public final class EarIssuer {
  private final KeyRing ring;
  private final Duration lifetime;
  private final Map<String, Object> verifierId;
  private final ECDSASigner signer;

  /**
   * @param lifetime how long a token is valid after it is issued
   * @param developer and {@code build}: the {@code ear.verifier-id}
   */
  public EarIssuer(KeyRing ring, Duration lifetime, String developer, String build) {
    this(ring, lifetime, developer, build, null);
  }

  /**
   * @param provider the JCA provider that signs (a native one is some ten times faster than the
   *     JDK's), or {@code null} for the JDK's default
   */
  public EarIssuer(KeyRing ring, Duration lifetime, String developer, String build, java.security.Provider provider) {
    this.ring = Objects.requireNonNull(ring, "ring");
    if (lifetime.isNegative() || lifetime.isZero()) {
      throw new IllegalArgumentException("a token lifetime must be positive");
    }
    this.lifetime = lifetime;
    this.verifierId = Map.of("developer", developer, "build", build);
    try {
      this.signer = new ECDSASigner(ring.current());
      if (provider != null) {
        signer.getJCAContext().setProvider(provider);
      }
    } catch (JOSEException e) {
      throw new IllegalArgumentException("not a P-256 signing key: " + e.getMessage(), e);
    }
  }

  public KeyRing ring() {
    return ring;
  }

  public Duration lifetime() {
    return lifetime;
  }

  /** What a token says about one quote. */
  public record Appraisal(Map<String, Integer> vector, String policyId, Map<String, Object> claims,
      Optional<String> nonceHex) {
    public Appraisal {
      vector = Map.copyOf(vector);
      for (String name : vector.keySet()) {
        if (!Ear.VECTOR_CLAIMS.contains(name)) {
          throw new IllegalArgumentException("not an AR4SI claim: " + name);
        }
      }
      Objects.requireNonNull(policyId, "policyId");
      Objects.requireNonNull(nonceHex, "nonceHex");
    }

    /** The worst tier in the vector: the submodule's {@code ear.status}. */
    public String status() {
      String worst = Ear.NONE;
      for (int v : vector.values()) {
        String t = Ear.tier(v);
        if (Ear.rank(t) > Ear.rank(worst)) {
          worst = t;
        }
      }
      return worst;
    }
  }

  /** A compact JWS: the EAR for {@code a}, issued at {@code now}, valid for the issuer's lifetime. */
  public String issue(Appraisal a, Instant now) {
    return issue(a, now, Optional.empty());
  }

  /**
   * A compact JWS: the EAR for {@code a}, issued at {@code now}, valid for the issuer's lifetime
   * but never past {@code notAfter} (the instant the appraisal stops holding): its {@code exp} is
   * the earlier of the two, in whole seconds rounded down.
   */
  public String issue(Appraisal a, Instant now, Optional<Instant> notAfter) {
    Map<String, Object> vector = new LinkedHashMap<>();
    for (String name : Ear.VECTOR_CLAIMS) {
      vector.put(name, a.vector().getOrDefault(name, 0));
    }
    Map<String, Object> submod = new LinkedHashMap<>();
    submod.put(Ear.STATUS, a.status());
    submod.put(Ear.VECTOR, vector);
    submod.put(Ear.POLICY_ID, a.policyId());
    submod.put(Ear.DCAPD, a.claims());
    Instant issued = Instant.ofEpochSecond(now.getEpochSecond());
    JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
        .claim(Ear.EAT_PROFILE, Ear.PROFILE)
        .issueTime(Date.from(issued))
        .expirationTime(Date.from(expiry(issued, notAfter)))
        .claim(Ear.VERIFIER_ID, verifierId)
        .claim(Ear.SUBMODS, Map.of(Ear.SUBMOD, submod));
    a.nonceHex().ifPresent(n -> claims.claim(Ear.EAT_NONCE, n));
    ECKey key = ring.current();
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256)
        .keyID(key.getKeyID())
        .type(JOSEObjectType.JWT)
        .build(), claims.build());
    try {
      jwt.sign(signer);
    } catch (JOSEException e) {
      throw new IllegalStateException("ES256 signing failed: " + e.getMessage(), e);
    }
    return jwt.serialize();
  }

  private Instant expiry(Instant issued, Optional<Instant> notAfter) {
    Instant byLifetime = issued.plus(lifetime);
    if (notAfter.isEmpty()) {
      return byLifetime;
    }
    Instant bound = Instant.ofEpochSecond(notAfter.get().getEpochSecond());
    return bound.isBefore(byLifetime) ? bound : byLifetime;
  }

  /** The JWKS a relying party verifies tokens with, at {@code now}. */
  public String jwks(Instant now) {
    return ring.publicKeys(now, lifetime).toString();
  }
}
