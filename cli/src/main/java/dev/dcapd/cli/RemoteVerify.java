package dev.dcapd.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcapd.client.Attested;
import dev.dcapd.client.DcapClient;
import dev.dcapd.client.DcapClientException;
import dev.dcapd.cli.VerifyBatch.Outcome;
import dev.dcapd.cli.VerifyBatch.Row;
import dev.dcapd.proto.json.AnswerJson;
import dev.dcapd.proto.v1.VerifyResponse;
import dev.dcapd.verifier.policy.Policy;
import dev.dcapd.verifier.policy.PolicyException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code dcap --server S verify FILE...}: uploads quotes to a daemon, several at a time, showing
 * progress on stderr ({@link VerifyProgress}) and ending with a table (or, for one file, the quote's summary). Exit 0 if
 * every quote verified, 1 if some were rejected, 2 if a file was missing or malformed or the server
 * could not be reached (the last stops the run with one line).
 */
public final class RemoteVerify {
  /** Calls in flight at once: enough to keep a local daemon's workers busy. */
  private static final int CONCURRENCY = 16;

  private RemoteVerify() {}

  /**
   * Verifies {@code files} against the root command's {@code --server}; failures that end the run
   * are thrown for {@link Dcap}'s handler. The entry point for {@code verify} when {@code --server}
   * is given.
   */
  public static int run(CommandSpec spec, List<Path> files, boolean json) throws CliException {
    return run(spec, files, json, Optional.empty(), false);
  }

  /**
   * As {@link #run(CommandSpec, List, boolean)}, and a verdict the daemon accepted is judged again
   * here by {@code policy} (the daemon applies its own policy first); with {@code token}, one file
   * only, the answer's signed result is printed (or added to the JSON) instead of the summary.
   */
  public static int run(CommandSpec spec, List<Path> files, boolean json, Optional<Policy> policy, boolean token)
      throws CliException {
    return execute(ServerOptions.of(spec), files, json, policy, token, spec.commandLine().getOut(),
        spec.commandLine().getErr(), Dcap.stderrIsTerminal(spec));
  }

  /**
   * Verifies {@code files} against {@code remote}; a failure that ends the run is one line on {@code err},
   * which is taken not to be a terminal (no live progress line, only the summary).
   */
  public static int run(ServerOptions remote, List<Path> files, boolean json, PrintWriter out, PrintWriter err) {
    try {
      return execute(remote, files, json, Optional.empty(), false, out, err, false);
    } catch (CliException e) {
      err.println("dcap: " + e.getMessage());
      return e.exitCode();
    } finally {
      out.flush();
      err.flush();
    }
  }

  private static int execute(ServerOptions remote, List<Path> files, boolean json, Optional<Policy> policy,
      boolean token, PrintWriter out, PrintWriter err, boolean terminal) throws CliException {
    if (files.isEmpty()) {
      throw new CliException(Dcap.EXIT_BAD_INPUT, "verify needs at least one FILE");
    }
    if (token && files.size() != 1) {
      throw new CliException(Dcap.EXIT_BAD_INPUT, "--token takes one QUOTE");
    }
    try (DcapClient client = remote.connect("verify")) {
      if (files.size() == 1) {
        return single(client, remote, files.get(0), json, policy, token, out, err);
      }
      return many(client, remote, files, json, policy, out, err, terminal);
    }
  }

  private static int single(DcapClient client, ServerOptions remote, Path file, boolean json, Optional<Policy> policy,
      boolean token, PrintWriter out, PrintWriter err) throws CliException {
    byte[] bytes = CliIo.read(file);
    try {
      Attested<VerifyResponse> a = token ? client.verifyWithToken(bytes, Optional.empty()) : client.verify(bytes);
      VerifyResponse r = a.response();
      if (json) {
        ObjectNode answer = AnswerJson.verification(r);
        if (token) {
          answer.put("token", r.getToken());
        }
        CliIo.printJson(out, answer);
      } else if (token) {
        out.println(r.getToken());
      } else {
        Remote.printSummary(out, r.getChecksum(), r.getVerdict(), r.getQuote(), r.getUploadedAt());
      }
      Optional<PolicyException> broken = localPolicy(a, policy);
      if (broken.isPresent()) {
        err.println("dcap: policy " + policy.get().name() + ": " + broken.get().violation() + ": " + broken.get().getMessage());
        return Dcap.EXIT_REJECTED;
      }
      return r.getSuccess() ? 0 : Dcap.EXIT_REJECTED;
    } catch (DcapClientException e) {
      if (Remote.unreachable(e)) {
        throw Remote.failure(remote.server(), e);
      }
      throw new CliException(Dcap.EXIT_BAD_INPUT, file + ": " + Remote.message(e));
    }
  }

  private static int many(DcapClient client, ServerOptions remote, List<Path> files, boolean json,
      Optional<Policy> policy, PrintWriter out, PrintWriter err, boolean terminal) throws CliException {
    Semaphore slots = new Semaphore(CONCURRENCY);
    AtomicReference<DcapClientException> unreachable = new AtomicReference<>();
    List<CompletableFuture<Row>> rows = new ArrayList<>();
    VerifyProgress progress = VerifyProgress.of(err, terminal, files.size());
    for (Path file : files) {
      if (unreachable.get() != null) {
        break;
      }
      acquire(slots);
      // The future kept is the one that completes after the count, so that every file is counted
      // by the time the last get() below returns.
      rows.add(submit(client, file, policy, unreachable).whenComplete((r, t) -> {
        progress.done(r == null ? Outcome.ERROR : r.outcome());
        slots.release();
      }));
    }
    List<Row> results = new ArrayList<>();
    for (CompletableFuture<Row> f : rows) {
      try {
        results.add(f.get());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        progress.clear();
        throw new CliException(Dcap.EXIT_BAD_INPUT, "interrupted");
      } catch (ExecutionException e) {
        throw new IllegalStateException("a row future completes normally", e.getCause());
      }
    }
    if (unreachable.get() != null) {
      progress.clear();
      throw Remote.failure(remote.server(), unreachable.get());
    }
    progress.finish();
    return VerifyBatch.report(results, json, out, err);
  }

  /** The rule {@code policy} finds broken by a verdict the daemon accepted, if any. */
  private static Optional<PolicyException> localPolicy(Attested<VerifyResponse> a, Optional<Policy> policy) {
    if (policy.isEmpty() || !a.success()) {
      return Optional.empty();
    }
    try {
      a.check(policy.get(), Instant.now());
      return Optional.empty();
    } catch (PolicyException e) {
      return Optional.of(e);
    }
  }

  private static CompletableFuture<Row> submit(DcapClient client, Path file, Optional<Policy> policy,
      AtomicReference<DcapClientException> unreachable) {
    byte[] bytes;
    try {
      bytes = CliIo.read(file);
    } catch (CliException e) {
      return CompletableFuture.completedFuture(Row.error(file, e.getMessage()));
    }
    return client.verifyAsync(bytes, false).handle((a, t) -> {
      if (t == null) {
        VerifyResponse r = a.response();
        Optional<PolicyException> broken = localPolicy(a, policy);
        Consumer<PrintWriter> printJson = out -> CliIo.printJson(out, AnswerJson.verification(r));
        if (broken.isPresent()) {
          return new Row(file, r.getChecksum(), Outcome.REJECTED, broken.get().violation().name(), printJson);
        }
        return r.getSuccess()
            ? new Row(file, r.getChecksum(), Outcome.VERIFIED, Remote.verifiedDetail(r.getVerdict().getTcbStatus(),
                r.getVerdict().getAdvisoryIdsList()).orElse(r.getVerdict().getTcbStatus()), printJson)
            : new Row(file, r.getChecksum(), Outcome.REJECTED, r.getVerdict().getFailure().getCode(), printJson);
      }
      Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
      if (cause instanceof DcapClientException e) {
        if (Remote.unreachable(e)) {
          unreachable.compareAndSet(null, e);
        }
        return Row.error(file, Remote.message(e));
      }
      return Row.error(file, "internal error: " + cause);
    });
  }

  private static void acquire(Semaphore slots) throws CliException {
    try {
      slots.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(Dcap.EXIT_BAD_INPUT, "interrupted");
    }
  }
}
