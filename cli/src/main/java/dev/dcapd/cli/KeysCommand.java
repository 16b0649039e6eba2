package dev.dcapd.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcapd.client.DcapClient;
import dev.dcapd.client.DcapClientException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code dcap --server S keys}: the public keys the daemon signs its tokens with, as the JWKS that
 * {@code dcap token verify --jwks FILE} (or any JOSE library) reads.
 */
@Command(name = "keys", description = "Print the keys the daemon signs result tokens with, as a JWKS (needs --server).")
final class KeysCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws CliException {
    ServerOptions remote = ServerOptions.of(spec);
    try (DcapClient client = remote.connect("keys")) {
      CliIo.printJson(spec.commandLine().getOut(), JSON.readTree(client.getKeys()));
      return 0;
    } catch (DcapClientException e) {
      throw Remote.failure(remote.server(), e);
    } catch (JsonProcessingException e) {
      throw new CliException(Dcap.EXIT_BAD_INPUT, "the server's keys are not JSON: " + e.getOriginalMessage());
    }
  }
}
