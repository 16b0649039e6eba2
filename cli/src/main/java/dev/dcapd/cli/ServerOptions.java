package dev.dcapd.cli;

import dev.dcapd.client.DcapClient;
import dev.dcapd.client.Target;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/** The root command's options that point the CLI at a daemon: {@code --server}, TLS, timeout. */
public final class ServerOptions {
  private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
  /**
   * Netty warns on every Unix-socket connection that the TCP keep-alive option gRPC sets does not
   * apply there; a CLI user cannot act on it. Held here so the level is not lost with the logger.
   */
  private static final Logger BOOTSTRAP_LOG =
      Logger.getLogger("io.grpc.netty.shaded.io.netty.bootstrap.AbstractBootstrap");

  @Option(names = "--server", paramLabel = "HOST:PORT|unix:PATH", converter = TargetConverter.class,
      description = "The dcapd daemon to talk to (commands get, raw, recent, keys, collateral CHECKSUM, verify FILE...).")
  Target server;

  @Option(names = "--tls-ca", paramLabel = "PEM", description = "Use TLS, trusting only the CA certificate(s) in this file.")
  Path tlsCa;

  @Option(names = "--tls", description = "Use TLS, trusting the system's CAs.")
  boolean tls;

  @Option(names = "--timeout", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "Deadline of each call to the server, retries included (e.g. 500ms, 10s, 2m; default 30s).")
  Duration timeout = DEFAULT_TIMEOUT;

  /** Options for a daemon at {@code target} (for callers outside picocli, such as tests). */
  public static ServerOptions of(String target, Path tlsCa, Duration timeout) {
    ServerOptions o = new ServerOptions();
    o.server = Target.parse(target);
    o.tlsCa = tlsCa;
    o.timeout = timeout;
    return o;
  }

  /** The root command's server options, wherever {@code spec}'s command sits in the tree. */
  public static ServerOptions of(CommandSpec spec) {
    Object root = spec.root().userObject();
    if (root instanceof Dcap d) {
      return d.remote;
    }
    return new ServerOptions();
  }

  /** Whether {@code --server} was given. */
  public boolean isSet() {
    return server != null;
  }

  public Target server() {
    return server;
  }

  /** {@code --timeout}: the deadline of each call to the server (and of fetching a token's keys). */
  Duration timeout() {
    return timeout;
  }

  /** A client for the daemon, or a one-line usage error when there is no {@code --server}. */
  DcapClient connect(String command) throws CliException {
    if (server == null) {
      throw new CliException(Dcap.EXIT_BAD_INPUT, command + " needs a daemon: dcap --server HOST:PORT|unix:PATH " + command + " ...");
    }
    if (server.unix()) {
      BOOTSTRAP_LOG.setLevel(Level.SEVERE);
    }
    DcapClient.Builder b = DcapClient.builder(server).deadline(timeout);
    if (tlsCa != null) {
      b.tlsTrust(tlsCa);
    } else if (tls) {
      b.tlsSystemTrust();
    }
    try {
      return b.build();
    } catch (IOException e) {
      throw new CliException(Dcap.EXIT_BAD_INPUT, e.getMessage());
    }
  }

  static final class TargetConverter implements CommandLine.ITypeConverter<Target> {
    @Override
    public Target convert(String value) {
      try {
        return Target.parse(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }

  /** {@code 250ms}, {@code 10s}, {@code 2m}, or ISO-8601 ({@code PT10S}). */
  static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      String v = value.trim().toLowerCase(Locale.ROOT);
      Duration d;
      try {
        if (v.endsWith("ms")) {
          d = Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
        } else if (v.endsWith("s") && !v.startsWith("p")) {
          d = Duration.ofMillis(Math.round(Double.parseDouble(v.substring(0, v.length() - 1)) * 1000));
        } else if (v.endsWith("m") && !v.startsWith("p")) {
          d = Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)) * 60);
        } else {
          d = Duration.parse(value.trim().toUpperCase(Locale.ROOT));
        }
      } catch (RuntimeException e) {
        throw new CommandLine.TypeConversionException("expected a duration such as 500ms, 10s or 2m, got '" + value + "'");
      }
      if (d.isNegative() || d.isZero()) {
        throw new CommandLine.TypeConversionException("a timeout is positive, not '" + value + "'");
      }
      return d;
    }
  }
}
