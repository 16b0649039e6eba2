package dev.dcapd.contracts;

import dev.dcapd.onchain.AutomataCalls;
import dev.dcapd.onchain.AutomataFailures;
import dev.dcapd.onchain.AutomataOutcome;
import dev.dcapd.onchain.OnchainException;
import dev.dcapd.verifier.Bytes;
import java.io.IOException;
import java.math.BigInteger;
import java.net.ConnectException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.RawTransaction;
import org.web3j.crypto.TransactionEncoder;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.Response;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.EthBlock;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.protocol.http.HttpService;
import org.web3j.utils.Numeric;

/**
 * A JSON-RPC connection to one chain, checked to be the chain the caller expects, that simulates
 * calls ({@code eth_call}) and sends signed EIP-1559 transactions, waiting for their receipts.
 * Every failure is an {@link OnchainException} with a one-line message.
 */
public final class ChainClient implements AutoCloseable {
  /** Headroom over the node's gas estimate. */
  private static final int GAS_MARGIN_PERCENT = 20;
  private static final BigInteger DEFAULT_PRIORITY_FEE = BigInteger.valueOf(1_000_000_000L);
  private static final long RECEIPT_POLL_MILLIS = 100;
  private static final int RECEIPT_POLLS = 1200;

  private final Web3j web3j;
  private final String url;
  private final long chainId;

  private ChainClient(Web3j web3j, String url, long chainId) {
    this.web3j = web3j;
    this.url = url;
    this.chainId = chainId;
  }

  /**
   * Connects to {@code rpcUrl} and checks that its chain id is {@code expectedChainId}, so that a
   * transaction signed for one chain is never sent to another.
   */
  public static ChainClient connect(String rpcUrl, long expectedChainId) throws OnchainException {
    Objects.requireNonNull(rpcUrl, "rpcUrl");
    Web3j w = Web3j.build(new HttpService(rpcUrl));
    long id;
    try {
      id = send(w, rpcUrl, "eth_chainId", w.ethChainId()).getChainId().longValueExact();
    } catch (OnchainException e) {
      w.shutdown();
      throw e;
    }
    if (id != expectedChainId) {
      w.shutdown();
      throw new OnchainException("RPC " + rpcUrl + " serves chain id " + id + ", not the expected " + expectedChainId);
    }
    return new ChainClient(w, rpcUrl, id);
  }

  public long chainId() {
    return chainId;
  }

  /** {@code eth_call} of {@code calldata} to {@code to} at the latest block; the return data. */
  public Bytes call(String from, String to, Bytes calldata) throws OnchainException {
    var response = sendRaw("eth_call",
        web3j.ethCall(Transaction.createEthCallTransaction(from, to, calldata.hex0x()), DefaultBlockParameterName.LATEST));
    if (response.hasError()) {
      throw reverted("eth_call", response.getError());
    }
    String value = response.getValue();
    return value == null ? Bytes.empty() : Bytes.of(Numeric.hexStringToByteArray(value));
  }

  /**
   * Simulates {@code verifyAndAttestOnChain} on the entry point at {@code to} and reads the
   * answer; a revert is an outcome too, not an exception.
   */
  public AutomataOutcome simulateVerify(String to, Bytes calldata) throws OnchainException {
    try {
      return AutomataOutcome.fromReturnData(call(null, to, calldata));
    } catch (OnchainException e) {
      if (e.revertData().isPresent()) {
        return AutomataOutcome.fromRevert(e.revertData().get());
      }
      throw e;
    }
  }

  /** A mined transaction: its hash, receipt fields and logs. */
  public record Receipt(String transactionHash, boolean succeeded, BigInteger gasUsed, BigInteger blockNumber,
      Optional<String> contractAddress, List<Log> logs) {
    public Receipt {
      logs = List.copyOf(logs);
    }

    /** The {@code AttestationSubmitted} events in the logs, in order. */
    public List<AutomataCalls.AttestationSubmitted> attestations() {
      List<AutomataCalls.AttestationSubmitted> out = new ArrayList<>();
      for (Log l : logs) {
        AutomataCalls.readAttestationSubmitted(l.getTopics(), l.getData()).ifPresent(out::add);
      }
      return out;
    }
  }

  /**
   * Sends {@code calldata} to {@code to} (null: deploys it) from {@code key}'s account as a signed
   * EIP-1559 transaction and waits for the receipt. The call is simulated first: a revert stops
   * it before anything is signed. Gas is the node's estimate plus a margin.
   */
  public Receipt send(Credentials key, String to, Bytes calldata, BigInteger value) throws OnchainException {
    String from = key.getAddress();
    Transaction probe = Transaction.createFunctionCallTransaction(from, null, null, null, to, value, calldata.hex0x());
    if (to != null) {
      var sim = sendRaw("eth_call", web3j.ethCall(probe, DefaultBlockParameterName.LATEST));
      if (sim.hasError()) {
        throw reverted("the simulation (eth_call)", sim.getError());
      }
    }
    var estimate = sendRaw("eth_estimateGas", web3j.ethEstimateGas(probe));
    if (estimate.hasError()) {
      throw reverted("eth_estimateGas", estimate.getError());
    }
    BigInteger gas = estimate.getAmountUsed().multiply(BigInteger.valueOf(100 + GAS_MARGIN_PERCENT)).divide(BigInteger.valueOf(100));
    BigInteger nonce = send(web3j, url, "eth_getTransactionCount",
        web3j.ethGetTransactionCount(from, DefaultBlockParameterName.PENDING)).getTransactionCount();
    EthBlock.Block latest = send(web3j, url, "eth_getBlockByNumber",
        web3j.ethGetBlockByNumber(DefaultBlockParameterName.LATEST, false)).getBlock();
    BigInteger baseFee = latest.getBaseFeePerGas() == null ? BigInteger.ZERO : latest.getBaseFeePerGas();
    BigInteger priority = DEFAULT_PRIORITY_FEE;
    BigInteger maxFee = baseFee.multiply(BigInteger.TWO).add(priority);
    RawTransaction tx = RawTransaction.createTransaction(chainId, nonce, gas, to == null ? "" : to, value,
        calldata.hex0x(), priority, maxFee);
    String signed = Numeric.toHexString(TransactionEncoder.signMessage(tx, chainId, key));
    var sent = sendRaw("eth_sendRawTransaction", web3j.ethSendRawTransaction(signed));
    if (sent.hasError()) {
      throw reverted("eth_sendRawTransaction", sent.getError());
    }
    return waitForReceipt(sent.getTransactionHash());
  }

  private Receipt waitForReceipt(String hash) throws OnchainException {
    for (int i = 0; i < RECEIPT_POLLS; i++) {
      Optional<TransactionReceipt> r =
          send(web3j, url, "eth_getTransactionReceipt", web3j.ethGetTransactionReceipt(hash)).getTransactionReceipt();
      if (r.isPresent()) {
        TransactionReceipt t = r.get();
        return new Receipt(hash, t.isStatusOK(), t.getGasUsed(), t.getBlockNumber(),
            Optional.ofNullable(t.getContractAddress()), t.getLogs());
      }
      try {
        Thread.sleep(RECEIPT_POLL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new OnchainException("interrupted while waiting for transaction " + hash);
      }
    }
    throw new OnchainException("transaction " + hash + " was not mined within "
        + RECEIPT_POLLS * RECEIPT_POLL_MILLIS / 1000 + " s");
  }

  private <T extends Response<?>> T sendRaw(String method, org.web3j.protocol.core.Request<?, T> request) throws OnchainException {
    try {
      return request.send();
    } catch (ConnectException e) {
      throw new OnchainException("cannot reach RPC " + url + " (" + e.getMessage() + ")", e);
    } catch (IOException e) {
      throw new OnchainException("RPC " + url + " failed on " + method + " (" + e.getMessage() + ")", e);
    }
  }

  private static <T extends Response<?>> T send(Web3j w, String url, String method, org.web3j.protocol.core.Request<?, T> request)
      throws OnchainException {
    T response;
    try {
      response = request.send();
    } catch (ConnectException e) {
      throw new OnchainException("cannot reach RPC " + url + " (" + e.getMessage() + ")", e);
    } catch (IOException e) {
      throw new OnchainException("RPC " + url + " failed on " + method + " (" + e.getMessage() + ")", e);
    }
    if (response.hasError()) {
      throw new OnchainException("RPC " + url + " answered " + method + " with error " + response.getError().getCode()
          + ": " + response.getError().getMessage());
    }
    return response;
  }

  /** An RPC error, read as a revert when it carries revert data (nodes put it in error.data). */
  private OnchainException reverted(String what, Response.Error error) {
    Optional<Bytes> data = revertData(error);
    if (data.isPresent()) {
      AutomataFailures.Revert r = AutomataFailures.forRevert(data.get());
      return OnchainException.reverted(what + " " + r.description() + " [" + r.code() + "]", data.get());
    }
    String message = error.getMessage() == null ? "" : error.getMessage();
    if (message.contains("revert")) {
      return OnchainException.reverted(what + " reverted: " + message, Bytes.empty());
    }
    return new OnchainException("RPC " + url + " answered " + what + " with error " + error.getCode() + ": " + message);
  }

  private static Optional<Bytes> revertData(Response.Error error) {
    String data = error.getData();
    if (data == null) {
      return Optional.empty();
    }
    String d = data.strip();
    if (d.startsWith("\"") && d.endsWith("\"")) {
      d = d.substring(1, d.length() - 1);
    }
    if (d.matches("0x([0-9a-fA-F]{2})*")) {
      return Optional.of(Bytes.of(Numeric.hexStringToByteArray(d)));
    }
    // ganache puts an object in data: {"result": "0x...", ...}
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"result\"\\s*:\\s*\"(0x[0-9a-fA-F]*)\"").matcher(d);
    if (m.find()) {
      return Optional.of(Bytes.of(Numeric.hexStringToByteArray(m.group(1))));
    }
    return Optional.empty();
  }

  @Override
  public void close() {
    web3j.shutdown();
  }
}
