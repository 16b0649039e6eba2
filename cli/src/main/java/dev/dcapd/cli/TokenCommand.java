package dev.dcapd.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcapd.client.DcapClient;
import dev.dcapd.client.DcapClientException;
import dev.dcapd.token.Ear;
import dev.dcapd.token.EarVerifier;
import dev.dcapd.token.TokenException;
import dev.dcapd.token.VerifiedEar;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code dcap token verify}: a relying party's check of the daemon's signed results (EAR tokens). */
@Command(name = "token", description = "Verify signed attestation results (EAR tokens) from dcapd.",
    subcommands = TokenCommand.Verify.class)
final class TokenCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a token command is required (verify)");
  }

  /**
   * Verifies a token offline against the daemon's keys ({@link EarVerifier}: ES256, a trusted key,
   * the signature, iat/exp at the instant, the EAR profile, the nonce, a verdict anchored in Intel's
   * root unless {@code --allow-insecure-root}) and prints its claims as JSON with {@code key_id}.
   * Exit 0 when it verifies and its {@code ear.status} is affirming or warning, 1 when it verifies
   * and says the quote is not to be trusted (contraindicated, or none), 2 when it does not verify
   * (one line: the {@link TokenException.Reason} and why) or the keys cannot be had, or would come
   * over plain http from another host ({@code INSECURE_JWKS_URL}, refused before connecting).
   */
  @Command(name = "verify", description = "Verify a dcapd token against the daemon's keys and print its claims as JSON. "
      + "Exit 0 affirming or warning, 1 contraindicated, 2 not verified (the reason on stderr): refused unless its "
      + "verdict rests on Intel's root (--allow-insecure-root), and keys only over https or from this machine.")
  static final class Verify implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern HEX = Pattern.compile("(?:[0-9a-fA-F]{2})+");

    @Parameters(paramLabel = "TOKEN|-", description = "The token (a compact JWT), or - to read it from standard input.")
    String token;

    @Option(names = "--jwks", paramLabel = "FILE|URL",
        description = "The daemon's public keys: a JWKS file (dcap --server S keys > FILE) or its https URL "
            + "(.../.well-known/jwks.json; http only on this machine: localhost, 127.0.0.0/8, ::1), fetched once "
            + "within --timeout. Default with dcap --server: the server's keys.")
    String jwks;

    @Option(names = "--jwks-ca", paramLabel = "PEM",
        description = "Fetch an https --jwks URL trusting only the CA certificate(s) in this file (default: the JVM's CAs).")
    Path jwksCa;

    @Option(names = "--insecure-http-jwks",
        description = "INSECURE: take the keys over plain http from another host (a --jwks http:// URL, or a --server "
            + "without --tls/--tls-ca), where anyone on the path can replace them.")
    boolean insecureHttpJwks;

    @Option(names = "--allow-insecure-root",
        description = "Accept a token whose verdict rests on a root other than Intel's (a daemon run with "
            + "--insecure-trust-root; testing only), or that does not say which. Refused (INSECURE_ROOT) otherwise.")
    boolean allowInsecureRoot;

    @Option(names = "--nonce", paramLabel = "HEX", description = "Require the token to carry this nonce (eat_nonce).")
    String nonce;

    @Option(names = "--at", paramLabel = "TIME", description = "Judge iat/exp at TIME: Unix seconds or ISO-8601 (default: now).")
    String at;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws CliException {
      Optional<String> expectedNonce = expectedNonce();
      Instant instant = at == null ? Instant.now() : CliIo.parseTime(at);
      String text = "-".equals(token) ? readStdin() : token;
      VerifiedEar ear;
      try {
        EarVerifier keys = keys();
        ear = (allowInsecureRoot ? keys.allowInsecureRoot() : keys).verify(text, expectedNonce, instant);
      } catch (TokenException e) {
        throw new CliException(Dcap.EXIT_BAD_INPUT, e.reason() + ": " + e.getMessage());
      }
      ObjectNode out = JSON.valueToTree(ear.claims().toJSONObject());
      out.put("key_id", ear.keyId());
      CliIo.printJson(spec.commandLine().getOut(), out);
      String status = ear.status();
      if (Ear.AFFIRMING.equals(status) || Ear.WARNING.equals(status)) {
        return 0;
      }
      Object failure = ear.dcapd() == null ? null : ear.dcapd().get("failure");
      PrintWriter err = spec.commandLine().getErr();
      err.println("dcap: the token verifies and its ear.status is " + status + (failure == null ? "" : " (" + failure + ")"));
      return Dcap.EXIT_REJECTED;
    }

    private Optional<String> expectedNonce() throws CliException {
      if (nonce == null) {
        return Optional.empty();
      }
      String hex = nonce.startsWith("0x") || nonce.startsWith("0X") ? nonce.substring(2) : nonce;
      if (!HEX.matcher(hex).matches()) {
        throw new CliException(Dcap.EXIT_BAD_INPUT, "--nonce: " + nonce + " is not hex");
      }
      return Optional.of(hex.toLowerCase(Locale.ROOT));
    }

    /** The trusted keys: --jwks (a file, or a URL fetched once), else the --server's GetKeys. */
    private EarVerifier keys() throws CliException {
      ServerOptions remote = ServerOptions.of(spec);
      String lower = jwks == null ? "" : jwks.toLowerCase(Locale.ROOT);
      if (jwksCa != null && !lower.startsWith("https://")) {
        throw new CliException(Dcap.EXIT_BAD_INPUT, "--jwks-ca applies to an https:// --jwks URL");
      }
      if (jwks == null) {
        if (!remote.isSet()) {
          throw new CliException(Dcap.EXIT_BAD_INPUT, "token verify needs the daemon's keys: --jwks FILE|URL, or dcap --server HOST:PORT");
        }
        requireAuthenticatedServer(remote);
        try (DcapClient client = remote.connect("token verify")) {
          return fromJwks("the keys of " + remote.server(), client.getKeys());
        } catch (DcapClientException e) {
          throw Remote.failure(remote.server(), e);
        }
      }
      if (lower.startsWith("http://") || lower.startsWith("https://")) {
        Optional<SSLContext> tls = jwksCa == null ? Optional.empty() : Optional.of(trustOnly(jwksCa));
        try {
          return EarVerifier.fetch(URI.create(jwks), remote.timeout(), tls, insecureHttpJwks);
        } catch (TokenException e) {
          throw new CliException(Dcap.EXIT_BAD_INPUT, e.reason() + ": --jwks " + e.getMessage()
              + " (or --insecure-http-jwks)");
        } catch (IOException | IllegalArgumentException e) {
          throw new CliException(Dcap.EXIT_BAD_INPUT, "--jwks " + jwks + ": " + e.getMessage());
        }
      }
      return fromJwks(jwks, new String(CliIo.read(Path.of(jwks)), StandardCharsets.UTF_8));
    }

    /**
     * Refuses keys from a daemon on another host over plaintext gRPC: anyone on the path could
     * answer GetKeys with their own. A Unix socket, loopback, or --tls / --tls-ca pass.
     */
    private void requireAuthenticatedServer(ServerOptions remote) throws CliException {
      if (remote.server().unix() || remote.tls || remote.tlsCa != null) {
        return;
      }
      try {
        EarVerifier.requireAuthenticatedSource(URI.create("http://" + remote.server() + "/"), insecureHttpJwks);
      } catch (TokenException | IllegalArgumentException e) {
        throw new CliException(Dcap.EXIT_BAD_INPUT, TokenException.Reason.INSECURE_JWKS_URL + ": the keys of --server "
            + remote.server() + " would come over plaintext gRPC from another host, where anyone on the path could "
            + "replace them: use --tls or --tls-ca PEM (or --insecure-http-jwks)");
      }
    }

    /** TLS that trusts exactly the CA certificates in a PEM file. */
    private static SSLContext trustOnly(Path pem) throws CliException {
      try (InputStream in = new ByteArrayInputStream(CliIo.read(pem))) {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        int n = 0;
        for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
          store.setCertificateEntry("ca" + n++, c);
        }
        if (n == 0) {
          throw new CliException(Dcap.EXIT_BAD_INPUT, "--jwks-ca " + pem + ": no certificate in it");
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(store);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, trust.getTrustManagers(), null);
        return tls;
      } catch (IOException | GeneralSecurityException e) {
        throw new CliException(Dcap.EXIT_BAD_INPUT, "--jwks-ca " + pem + ": not PEM certificates (" + e.getMessage() + ")");
      }
    }

    private static EarVerifier fromJwks(String where, String json) throws CliException {
      try {
        return EarVerifier.fromJwks(json);
      } catch (TokenException e) {
        throw new CliException(Dcap.EXIT_BAD_INPUT, where + ": " + e.getMessage());
      }
    }

    private static String readStdin() throws CliException {
      try {
        return new String(System.in.readAllBytes(), StandardCharsets.US_ASCII).strip();
      } catch (IOException e) {
        throw new CliException(Dcap.EXIT_BAD_INPUT, "standard input cannot be read (" + e.getMessage() + ")");
      }
    }
  }
}
