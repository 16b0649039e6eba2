package dev.dcapd.verifier.pck;

/** The configuration flags of a Platform-CA PCK certificate (OID 1.2.840.113741.1.13.1.7). */
public record PlatformConfiguration(boolean dynamicPlatform, boolean cachedKeys, boolean smtEnabled) {}
