package dev.dcapd.benchmarks;

import dev.dcapd.verifier.Vectors;
import dev.dcapd.verifier.quote.Quote;
import dev.dcapd.verifier.quote.QuoteParseException;
import dev.dcapd.verifier.quote.QuoteParser;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Parsing a real quote into the model (header, body, signature data; the PCK chain is read lazily
 * and not part of this figure), single thread, per quote version.
 *
 * <p>Run: {@code ./mvnw -q -pl benchmarks -am package -DskipTests && java -jar
 * benchmarks/target/benchmarks.jar ParseBenchmark -rf json -rff benchmarks/results/parse.json}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ParseBenchmark {
  @Param({"sgx-v3", "tdx-v4", "tdx-v5"})
  public String quote;

  private byte[] raw;

  @Setup
  public void load() {
    raw = Vectors.bytes(switch (quote) {
      case "sgx-v3" -> "dcap-qvl/sgx_quote";
      case "tdx-v4" -> "dcap-qvl/tdx_quote";
      case "tdx-v5" -> "dcap-qvl/tdx_quote_outdated";
      default -> throw new IllegalArgumentException(quote);
    });
  }

  @Benchmark
  public Quote parse() throws QuoteParseException {
    return QuoteParser.parse(raw);
  }
}
