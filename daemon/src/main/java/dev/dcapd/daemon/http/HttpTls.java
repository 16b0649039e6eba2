package dev.dcapd.daemon.http;

import dev.dcapd.daemon.Listeners;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * The HTTP listener's TLS ({@code --http-tls-cert}, {@code --http-tls-key}): a PEM certificate chain
 * and its EC or RSA private key (PKCS#8, or SEC1 / PKCS#1 as {@code openssl} writes them), read with
 * BouncyCastle into an in-memory key store for Jetty, TLS 1.2 and 1.3 only.
 */
final class HttpTls {
  /** Protects the key only inside this process's memory; the files are what must be kept secret. */
  private static final String IN_MEMORY_PASSWORD = "dcapd";
  private static final String ALIAS = "dcapd";

  private HttpTls() {}

  /** Jetty's server-side TLS for these files; a one-line IOException naming the file when they do not fit. */
  static SslContextFactory.Server server(Listeners.Tls files) throws IOException {
    SslContextFactory.Server tls = new SslContextFactory.Server();
    tls.setKeyStore(keyStore(files.certificateChain(), files.privateKey()));
    tls.setKeyManagerPassword(IN_MEMORY_PASSWORD);
    tls.setCertAlias(ALIAS);
    tls.setIncludeProtocols("TLSv1.3", "TLSv1.2");
    return tls;
  }

  /** A key store holding the private key under the chain, the leaf first as the file lists it. */
  static KeyStore keyStore(Path chainFile, Path keyFile) throws IOException {
    List<X509Certificate> chain = certificates(chainFile);
    PrivateKey key = privateKey(keyFile);
    if (!matches(key, chain.get(0))) {
      throw new IOException("--http-tls-key " + keyFile + " is not the key of the first certificate in " + chainFile);
    }
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry(ALIAS, key, IN_MEMORY_PASSWORD.toCharArray(), chain.toArray(X509Certificate[]::new));
      return store;
    } catch (GeneralSecurityException e) {
      throw new IOException("--http-tls-key " + keyFile + ": " + e.getMessage(), e);
    }
  }

  private static List<X509Certificate> certificates(Path file) throws IOException {
    List<X509Certificate> chain = new ArrayList<>();
    Reader text = open(file, "--http-tls-cert");
    try (PEMParser pem = new PEMParser(text)) {
      JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
      for (Object o = pem.readObject(); o != null; o = pem.readObject()) {
        if (o instanceof X509CertificateHolder holder) {
          chain.add(converter.getCertificate(holder));
        }
      }
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      throw new IOException("--http-tls-cert " + file + ": not a PEM certificate chain (" + e.getMessage() + ")", e);
    }
    if (chain.isEmpty()) {
      throw new IOException("--http-tls-cert " + file + ": no PEM certificate in it");
    }
    return chain;
  }

  private static PrivateKey privateKey(Path file) throws IOException {
    PrivateKey key = null;
    Reader text = open(file, "--http-tls-key");
    try (PEMParser pem = new PEMParser(text)) {
      JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
      // SEC1 files from `openssl ecparam -genkey` start with an EC PARAMETERS block: skipped.
      for (Object o = pem.readObject(); o != null && key == null; o = pem.readObject()) {
        if (o instanceof PEMKeyPair pair) {
          // Only the private part: SEC1 makes the public key optional.
          key = converter.getPrivateKey(pair.getPrivateKeyInfo());
        } else if (o instanceof PrivateKeyInfo info) {
          key = converter.getPrivateKey(info);
        }
      }
    } catch (IOException | RuntimeException e) {
      throw new IOException("--http-tls-key " + file + ": not a PEM private key (" + e.getMessage() + ")", e);
    }
    if (key == null) {
      throw new IOException("--http-tls-key " + file + ": no unencrypted PEM private key (PKCS#8, SEC1 EC or PKCS#1 RSA) in it");
    }
    if (!key.getAlgorithm().equals("EC") && !key.getAlgorithm().equals("RSA")) {
      throw new IOException("--http-tls-key " + file + ": an EC or RSA key, not " + key.getAlgorithm());
    }
    return key;
  }

  /** Whether the certificate's public key verifies what the private key signs. */
  private static boolean matches(PrivateKey key, X509Certificate leaf) throws IOException {
    String algorithm = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
    byte[] probe = "dcapd --http-tls-key".getBytes(StandardCharsets.US_ASCII);
    try {
      Signature sign = Signature.getInstance(algorithm);
      sign.initSign(key);
      sign.update(probe);
      byte[] signature = sign.sign();
      Signature check = Signature.getInstance(algorithm);
      check.initVerify(leaf.getPublicKey());
      check.update(probe);
      return check.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static Reader open(Path file, String option) throws IOException {
    try {
      return Files.newBufferedReader(file, StandardCharsets.US_ASCII);
    } catch (NoSuchFileException e) {
      throw new IOException(option + " " + file + ": no such file", e);
    }
  }
}
