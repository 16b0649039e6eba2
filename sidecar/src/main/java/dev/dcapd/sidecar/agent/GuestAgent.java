package dev.dcapd.sidecar.agent;

import dev.dcapd.verifier.Bytes;
import java.io.Closeable;

/**
 * What the sidecar needs of a guest agent, whichever API it speaks: a quote whose report_data is
 * exactly the 64 bytes given, a key derived for a path, and the app's identity.
 */
public interface GuestAgent extends Closeable {
  /** "dstack" or "tappd". */
  String kind();

  AgentEndpoint endpoint();

  /** A quote whose report_data is exactly {@code reportData} (64 bytes). */
  AgentQuote quote(Bytes reportData) throws AgentException;

  /** A 32-byte secp256k1 secret derived by the agent (KMS) for {@code path}; stable across restarts. */
  Bytes deriveKey(String path) throws AgentException;

  AgentInfo info() throws AgentException;

  @Override
  void close();
}
