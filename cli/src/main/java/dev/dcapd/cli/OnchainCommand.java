package dev.dcapd.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcapd.onchain.AutomataCalls;
import dev.dcapd.onchain.AutomataOutcome;
import dev.dcapd.contracts.ChainClient;
import dev.dcapd.onchain.OnchainException;
import dev.dcapd.onchain.OnchainExport;
import dev.dcapd.onchain.PccsUpserts;
import dev.dcapd.contracts.SigningKeys;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.quote.Quote;
import dev.dcapd.verifier.verify.QuoteVerifier;
import dev.dcapd.verifier.verify.TrustAnchor;
import dev.dcapd.verifier.verify.Verdict;
import java.io.PrintWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.web3j.crypto.Credentials;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code dcap onchain output|calldata|upserts|submit}: what Automata's on-chain DCAP verifier takes
 * for a quote, what it will answer, the on-chain PCCS uploads it needs, and submission through a
 * JSON-RPC endpoint.
 */
@Command(name = "onchain", description = "Export quotes for Automata's on-chain DCAP verifier.",
    subcommands = {OnchainCommand.Output.class, OnchainCommand.Calldata.class, OnchainCommand.Upserts.class,
        OnchainCommand.Submit.class})
final class OnchainCommand implements Runnable {
  /** Nodes only: an ObjectMapper would be built when picocli builds this command, for every dcap command. */
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(),
        "an onchain command is required (output, calldata, upserts, submit)");
  }

  /** The quote, and optionally the collateral and instant it is judged with. */
  static final class QuoteArgs {
    @Parameters(index = "0", paramLabel = "QUOTE", description = "Quote file: binary, or hex text with or without 0x.")
    Path quote;

    @Option(names = "--collateral", paramLabel = "FILE", description = "QuoteCollateralV3 JSON to judge the quote with.")
    Path collateral;

    @Option(names = "--at", paramLabel = "TIME", description = "Verification instant: Unix seconds or ISO-8601 (default: now).")
    String at;

    @Option(names = "--insecure-root", paramLabel = "PEM",
        description = "Trust this root instead of Intel's (test PKIs only; nothing is then proven about Intel hardware).")
    Path insecureRoot;

    Quote readQuote() throws CliException {
      return CliIo.readQuote(quote);
    }

    QuoteCollateral readCollateral() throws CliException {
      if (collateral == null) {
        throw new CliException(Dcap.EXIT_BAD_INPUT, "--collateral FILE is required");
      }
      try {
        return QuoteCollateral.fromJson(new String(CliIo.read(collateral), StandardCharsets.UTF_8));
      } catch (DcapException e) {
        throw new CliException(Dcap.EXIT_BAD_INPUT, collateral + ": " + e.code() + ": " + e.getMessage());
      }
    }

    /** Verifies the quote and computes its export. */
    OnchainExport export() throws CliException {
      Quote q = readQuote();
      QuoteCollateral c = readCollateral();
      Instant instant = at == null ? Instant.now() : CliIo.parseTime(at);
      QuoteVerifier verifier = QuoteVerifier.intel();
      if (insecureRoot != null) {
        try {
          verifier = QuoteVerifier.withTrustAnchor(TrustAnchor.insecureCustomRoot(CliIo.read(insecureRoot)));
        } catch (IllegalArgumentException e) {
          throw new CliException(Dcap.EXIT_BAD_INPUT, insecureRoot + ": " + e.getMessage());
        }
      }
      Verdict verdict = verifier.verify(q, c, instant);
      try {
        return OnchainExport.forQuote(q, c, verdict);
      } catch (DcapException e) {
        throw new CliException(Dcap.EXIT_BAD_INPUT, collateral + ": " + e.code() + ": " + e.getMessage());
      }
    }
  }

  /** Prints the packed VerifiedOutput Automata returns for the quote. */
  @Command(name = "output", description = "Print the output Automata's verifyAndAttestOnChain returns for QUOTE (0x hex); "
      + "exit 1 if it will not verify it.")
  static final class Output implements Callable<Integer> {
    @Mixin QuoteArgs args;

    @Option(names = "--json", description = "Print JSON: output, status, evaluation number, expected failure, notes.")
    boolean json;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      OnchainExport e = args.export();
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        CliIo.printJson(out, toJson(e));
        return e.expectedToVerify() ? 0 : Dcap.EXIT_REJECTED;
      }
      if (!e.expectedToVerify()) {
        throw new CliException(Dcap.EXIT_REJECTED, "Automata will not verify this quote: " + e.expectedFailure().orElseThrow()
            + e.expectedReason().map(r -> " (" + r + ")").orElse(""));
      }
      out.println(e.expectedOutput().orElseThrow().hex0x());
      return 0;
    }
  }

  /** Prints the calldata of verifyAndAttestOnChain for the quote. */
  @Command(name = "calldata", description = "Print the calldata of verifyAndAttestOnChain for QUOTE (0x hex). "
      + "With --collateral, the uint32 overload pinned to the collateral's TCB evaluation number; "
      + "with --tcb-eval N, that number; otherwise the one-argument (standard evaluation) form.")
  static final class Calldata implements Callable<Integer> {
    @Mixin QuoteArgs args;

    @Option(names = "--tcb-eval", paramLabel = "N", description = "TCB evaluation data number (0 = the chain's standard).")
    Long tcbEval;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      spec.commandLine().getOut().println(calldata(args, tcbEval).hex0x());
      return 0;
    }
  }

  static Bytes calldata(QuoteArgs args, Long tcbEval) throws CliException {
    if (tcbEval != null) {
      if (tcbEval < 0 || tcbEval > 0xffff_ffffL) {
        throw new CliException(Dcap.EXIT_BAD_INPUT, "--tcb-eval must be a uint32");
      }
      return AutomataCalls.verify(args.readQuote().raw(), tcbEval);
    }
    if (args.collateral != null) {
      return args.export().calldataWithEvaluationNumber();
    }
    return AutomataCalls.verify(args.readQuote().raw());
  }

  /** Prints the on-chain PCCS uploads the quote's collateral needs, in order. */
  @Command(name = "upserts", description = "Print, as JSON in sending order, the on-chain PCCS uploads (target DAO, "
      + "function, calldata) that the collateral of QUOTE needs.")
  static final class Upserts implements Callable<Integer> {
    @Mixin QuoteArgs args;

    @Option(names = "--tcb-eval-data", paramLabel = "FILE",
        description = "Intel's TCB evaluation data numbers response; adds its upload (needed for the standard evaluation number).")
    Path tcbEvalData;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      args.readQuote();
      QuoteCollateral c = args.readCollateral();
      ArrayNode list = JSON.arrayNode();
      try {
        List<PccsUpserts.Upsert> upserts = new ArrayList<>(PccsUpserts.forCollateral(c));
        if (tcbEvalData != null) {
          try {
            upserts.add(PccsUpserts.tcbEvaluationData(new String(CliIo.read(tcbEvalData), StandardCharsets.UTF_8)));
          } catch (DcapException e) {
            throw new CliException(Dcap.EXIT_BAD_INPUT, tcbEvalData + ": " + e.code() + ": " + e.getMessage());
          }
        }
        for (PccsUpserts.Upsert u : upserts) {
          ObjectNode n = list.addObject();
          n.put("dao", u.dao().name().toLowerCase(java.util.Locale.ROOT));
          n.put("attester_only", u.dao().attesterOnly());
          n.put("function", u.function());
          n.put("what", u.what());
          n.put("calldata", u.calldata().hex0x());
        }
      } catch (DcapException e) {
        throw new CliException(Dcap.EXIT_BAD_INPUT, args.collateral + ": " + e.code() + ": " + e.getMessage());
      }
      CliIo.printJson(spec.commandLine().getOut(), list);
      return 0;
    }
  }

  /** Where the signing key comes from: never a command-line value. */
  static final class KeySource {
    @Option(names = "--key-file", paramLabel = "PATH", description = "File holding the hex secp256k1 private key.")
    Path keyFile;

    @Option(names = "--key-env", paramLabel = "NAME", description = "Environment variable holding the hex private key.")
    String keyEnv;

    Credentials load() throws OnchainException {
      return keyFile != null ? SigningKeys.fromFile(keyFile) : SigningKeys.fromEnvironment(keyEnv, System.getenv());
    }
  }

  /** Simulates the call with eth_call and, unless --simulate, sends it as a signed transaction. */
  @Command(name = "submit", description = "Simulate verifyAndAttestOnChain for QUOTE with eth_call, then send it as a "
      + "signed EIP-1559 transaction and print the receipt's AttestationSubmitted; exit 1 if the chain does not verify it.")
  static final class Submit implements Callable<Integer> {
    @Mixin QuoteArgs args;

    @Option(names = "--rpc", paramLabel = "URL", required = true, description = "JSON-RPC endpoint.")
    String rpc;

    @Option(names = "--chain-id", paramLabel = "N", required = true, description = "The chain id the endpoint must serve.")
    long chainId;

    @Option(names = "--to", paramLabel = "ADDRESS", required = true, description = "AutomataDcapAttestationFee (the entry point).")
    String to;

    @Option(names = "--tcb-eval", paramLabel = "N", description = "TCB evaluation data number (see `onchain calldata`).")
    Long tcbEval;

    @Option(names = "--value", paramLabel = "WEI", defaultValue = "0", description = "Value sent for the verifier's fee (default 0).")
    BigInteger value;

    @Option(names = "--simulate", description = "Only simulate (eth_call); send nothing, no key needed.")
    boolean simulateOnly;

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    KeySource key;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      if (!to.matches("0x[0-9a-fA-F]{40}")) {
        throw new CliException(Dcap.EXIT_BAD_INPUT, "--to must be a 20-byte 0x address");
      }
      if (!simulateOnly && key == null) {
        throw new CliException(Dcap.EXIT_BAD_INPUT, "a signing key is required: --key-file PATH or --key-env NAME (or --simulate)");
      }
      Bytes calldata = calldata(args, tcbEval);
      ObjectNode result = JSON.objectNode();
      boolean verified;
      try (ChainClient chain = ChainClient.connect(rpc, chainId)) {
        AutomataOutcome simulated = chain.simulateVerify(to, calldata);
        result.set("simulation", toJson(simulated));
        verified = simulated.verified();
        if (!simulateOnly && verified) {
          ChainClient.Receipt r = chain.send(key.load(), to, calldata, value);
          ObjectNode tx = result.putObject("transaction");
          tx.put("hash", r.transactionHash());
          tx.put("block", r.blockNumber().toString());
          tx.put("gas_used", r.gasUsed().toString());
          tx.put("succeeded", r.succeeded());
          ArrayNode events = tx.putArray("attestations");
          for (var a : r.attestations()) {
            ObjectNode ev = toJson(a.outcome());
            ev.put("verifier_type", a.verifierType());
            events.add(ev);
          }
          verified = r.succeeded() && !r.attestations().isEmpty() && r.attestations().get(0).outcome().verified();
        }
      } catch (OnchainException e) {
        throw new CliException(Dcap.EXIT_BAD_INPUT, e.getMessage());
      }
      CliIo.printJson(spec.commandLine().getOut(), result);
      return verified ? 0 : Dcap.EXIT_REJECTED;
    }
  }

  static ObjectNode toJson(OnchainExport e) {
    ObjectNode n = JSON.objectNode();
    n.put("expected_to_verify", e.expectedToVerify());
    e.expectedOutput().ifPresentOrElse(o -> n.put("output", o.hex0x()), () -> n.putNull("output"));
    e.expectedStatus().ifPresentOrElse(s -> n.put("tcb_status", s.code()), () -> n.putNull("tcb_status"));
    e.expectedFailure().ifPresentOrElse(f -> n.put("failure", f.name()), () -> n.putNull("failure"));
    e.expectedReason().ifPresentOrElse(r -> n.put("reason", r), () -> n.putNull("reason"));
    n.put("tcb_evaluation_data_number", e.tcbEvaluationDataNumber());
    n.put("calldata", e.calldata().hex0x());
    n.put("calldata_with_evaluation_number", e.calldataWithEvaluationNumber().hex0x());
    ArrayNode notes = n.putArray("notes");
    e.notes().forEach(notes::add);
    return n;
  }

  static ObjectNode toJson(AutomataOutcome o) {
    ObjectNode n = JSON.objectNode();
    n.put("success", o.verified());
    o.output().ifPresentOrElse(v -> {
      n.put("output", v.encode().hex0x());
      n.put("tcb_status", v.tcbStatus().code());
      n.put("fmspc", v.fmspc().hex());
      ArrayNode ids = n.putArray("advisory_ids");
      v.advisoryIds().forEach(ids::add);
    }, () -> n.putNull("output"));
    o.failure().ifPresentOrElse(f -> n.put("failure", f.name()), () -> n.putNull("failure"));
    n.put("detail", o.detail());
    return n;
  }
}
