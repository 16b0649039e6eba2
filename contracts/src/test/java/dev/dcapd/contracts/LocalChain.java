package dev.dcapd.contracts;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dcapd.onchain.OnchainException;
import java.io.File;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.web3j.crypto.Credentials;

/**
 * A ganache chain on 127.0.0.1 for one test class: started from the npm toolchain in
 * {@code solidity-build/} on a free port with the deterministic wallet, stopped by {@link #close}.
 * Tests are skipped (not failed) when node or the installed npm packages are missing.
 */
public final class LocalChain implements AutoCloseable {
  /** ganache's chain id. */
  public static final long CHAIN_ID = 1337;
  /** Private keys of the first two accounts of ganache's deterministic wallet (public test values). */
  public static final Credentials ACCOUNT_0 = Credentials.create("4f3edf983ac636a65a842ce7c78d9aa706d3b113bce9c46f30d7d21715b23b1d");
  public static final Credentials ACCOUNT_1 = Credentials.create("6cbed15c793ce57650b9877cf6fa156fbef513c4e6134f022a85b1ffdd59b2a1");
  /** ganache's entry point, from the contracts module or from a sibling module (the CLI's tests). */
  private static final Path CLI = Path.of("solidity-build", "node_modules", "ganache", "dist", "node", "cli.js");
  private static final Path SIBLING_CLI = Path.of("..", "contracts").resolve(CLI);
  private static final int START_POLLS = 300;

  private final Process process;
  private final String url;

  private LocalChain(Process process, String url) {
    this.process = process;
    this.url = url;
  }

  /** Starts a chain, or skips the calling test when node or ganache is missing. */
  public static LocalChain start() throws Exception {
    assumeTrue(onPath("node"), "node is not on PATH: the local-EVM tests need Node.js (see contracts/README.md)");
    assumeTrue(LocalChain.class.getResource("/solidity/" + ContractArtifact.REGISTRY + ".json") != null,
        "the Solidity contracts were not compiled (built with -Dsolidity.skip)");
    Path cli = Files.isRegularFile(CLI) ? CLI : SIBLING_CLI;
    assumeTrue(Files.isRegularFile(cli),
        "ganache is not installed: run `npm ci --prefix contracts/solidity-build` for the local-EVM tests");
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Path log = Files.createTempFile("ganache", ".log");
    Process p = new ProcessBuilder("node", cli.toString(), "--server.host", "127.0.0.1", "--server.port", Integer.toString(port),
        "--wallet.deterministic", "--chain.chainId", Long.toString(CHAIN_ID), "--logging.quiet")
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
    String url = "http://127.0.0.1:" + port;
    LocalChain chain = new LocalChain(p, url);
    for (int i = 0; i < START_POLLS; i++) {
      if (!p.isAlive()) {
        throw new IllegalStateException("ganache exited: " + Files.readString(log));
      }
      try (ChainClient c = ChainClient.connect(url, CHAIN_ID)) {
        return chain;
      } catch (OnchainException notYet) {
        Thread.sleep(100);
      }
    }
    chain.close();
    throw new IllegalStateException("ganache did not answer on " + url);
  }

  public String url() {
    return url;
  }

  public ChainClient client() throws OnchainException {
    return ChainClient.connect(url, CHAIN_ID);
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static boolean onPath(String program) {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String dir : List.of(path.split(File.pathSeparator))) {
      if (Files.isExecutable(Path.of(dir, program))) {
        return true;
      }
    }
    return false;
  }

}
