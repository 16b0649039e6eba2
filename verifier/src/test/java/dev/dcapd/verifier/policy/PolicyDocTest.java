package dev.dcapd.verifier.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcapd.verifier.Vectors;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.quote.Quote;
import dev.dcapd.verifier.quote.QuoteParser;
import dev.dcapd.verifier.verify.CollateralVerifier;
import dev.dcapd.verifier.verify.QuoteVerifier;
import dev.dcapd.verifier.verify.TrustAnchor;
import dev.dcapd.verifier.verify.Verdict;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** docs/policy.md agrees with the code: its JSON reads, its examples accept their quotes, it names every key and code. */
class PolicyDocTest {
  private static final Pattern JSON_BLOCK = Pattern.compile("```json\\n(.*?)```", Pattern.DOTALL);
  private static String doc;
  private static List<String> blocks;

  @BeforeAll
  static void readTheDoc() throws Exception {
    // Tests run in the module's folder; the page is at the repository's root.
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.isRegularFile(dir.resolve("docs/policy.md"))) {
      dir = dir.getParent();
    }
    assertTrue(dir != null, "docs/policy.md not found above " + Path.of("").toAbsolutePath());
    doc = Files.readString(dir.resolve("docs/policy.md"));
    blocks = new ArrayList<>();
    Matcher m = JSON_BLOCK.matcher(doc);
    while (m.find()) {
      blocks.add(m.group(1));
    }
    assertEquals(4, blocks.size(), "the canonical example, the two policies and the grace");
  }

  @Test
  void everyJsonBlockIsAPolicy() throws Exception {
    for (String b : blocks) {
      PolicyJson.parse(b);
    }
  }

  @Test
  void theCanonicalExampleIsTheCanonicalForm() throws Exception {
    Policy p = PolicyJson.parse(
        "{\"name\": \"prod\", \"tcb_status\": [\"SWHardeningNeeded\", \"UpToDate\"], \"max_collateral_age\": \"P30D\"}");
    assertEquals(p.canonicalJson(), blocks.get(0).strip());
  }

  @Test
  void theExamplesAcceptTheQuotesTheyDescribe() throws Exception {
    QuoteVerifier verifier =
        QuoteVerifier.create(TrustAnchor.intel(), new CollateralVerifier(), QuoteVerifier.DEFAULT_PLATFORM_CAPACITY);
    Map<String, Instant> at = Map.of("tdx_quote", Instant.ofEpochSecond(1752919234L),
        "sgx_quote", Instant.ofEpochSecond(1752919277L));
    Map<String, String> policyFor = Map.of("tdx_quote", blocks.get(1), "sgx_quote", blocks.get(2));
    for (String name : List.of("tdx_quote", "sgx_quote")) {
      Quote q = QuoteParser.parse(Vectors.bytes("dcap-qvl/" + name));
      QuoteCollateral c = QuoteCollateral.fromJson(Vectors.text("dcap-qvl/" + name + "_collateral.json"));
      Verdict v = verifier.verify(q, c, at.get(name));
      Appraisal a = PolicyCheck.appraise(PolicyJson.parse(policyFor.get(name)), v, q, Optional.of(c), at.get(name));
      assertEquals(List.of(), a.violations(), name);
      assertTrue(a.success(), name);
    }
  }

  @Test
  void theGraceExampleAcceptsAnOutdatedPlatformForNinetyDays() throws Exception {
    Policy p = PolicyJson.parse(blocks.get(3));
    assertEquals(Optional.of(java.time.Duration.ofDays(90)), p.outOfDateGrace());
    assertEquals(java.util.EnumSet.complementOf(java.util.EnumSet.of(dev.dcapd.verifier.collateral.TcbStatus.REVOKED)),
        p.acceptedTcbStatuses());
  }

  @Test
  void everyKeyAndEveryCodeIsDocumented() throws Exception {
    List<String> missing = new ArrayList<>();
    JsonNode canonical = new ObjectMapper().readTree(blocks.get(0));
    collectUndocumentedKeys(canonical, missing);
    if (!doc.contains("`allow_debug`")) {
      missing.add("allow_debug");
    }
    for (PolicyViolation v : PolicyViolation.values()) {
      if (!doc.contains("`" + v.name() + "`")) {
        missing.add(v.name());
      }
    }
    assertEquals(List.of(), missing);
  }

  private static void collectUndocumentedKeys(JsonNode node, List<String> missing) {
    node.fieldNames().forEachRemaining(k -> {
      if (!doc.contains("`" + k + "`") && !(k.startsWith("rtmr") && doc.contains("`rtmr0` … `rtmr3`"))) {
        missing.add(k);
      }
    });
    node.elements().forEachRemaining(child -> {
      if (child.isObject()) {
        collectUndocumentedKeys(child, missing);
      }
    });
  }
}
