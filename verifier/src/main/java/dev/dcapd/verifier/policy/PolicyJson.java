package dev.dcapd.verifier.policy;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.collateral.TcbStatus;
import dev.dcapd.verifier.quote.QuoteLayout;
import dev.dcapd.verifier.quote.TeeType;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A {@link Policy} as JSON ({@code docs/policy.md}): the file the daemon ({@code --policy}), the
 * CLI ({@code dcap verify --policy}) and Java callers read the same way. Unknown keys, duplicate
 * keys, bad hex and wrong sizes are refused with one line naming the key.
 *
 * <p>In a file, an absent {@code tcb_status} accepts every status but {@code OutOfDate},
 * {@code OutOfDateConfigurationNeeded} and {@code Revoked}, as {@link Policy#daemonDefault()} does (the
 * builder's own default is {@code UpToDate} alone); {@code out_of_date_grace} limits how long after
 * its level's {@code tcbDate} a listed out-of-date status is accepted; debug is allowed only by
 * {@code "insecure_allow_debug": true}.
 * A key whose value is {@code null} is absent, which is how the canonical form writes a rule that is
 * not checked, so that the canonical form reads back as the same policy.
 */
public final class PolicyJson {
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  private static final Set<String> TOP = Set.of("name", "allow_debug", "insecure_allow_debug",
      "insecure_allow_non_intel_root", "tee", "tcb_status", "advisory_ids", "tdx", "sgx", "report_data", "max_age",
      "max_collateral_age", "out_of_date_grace");
  private static final Set<String> TDX = Set.of("mrtd", "rtmr0", "rtmr1", "rtmr2", "rtmr3", "td_attributes", "xfam",
      "mr_config_id", "mr_owner", "mr_owner_config", "min_tee_tcb_svn");
  private static final Set<String> SGX = Set.of("mrenclave", "mrsigner", "attributes", "miscselect", "isv_prod_id",
      "min_isv_svn");
  private static final Set<String> MASKED = Set.of("mask", "value");
  private static final Set<String> ADVISORIES = Set.of("allow");
  /** Larger files are refused before they are read. */
  static final int MAX_FILE_BYTES = 1 << 20;

  private PolicyJson() {}

  /**
   * Reads a policy file.
   *
   * @throws PolicyFormatException naming the file and the first thing wrong
   */
  public static Policy parse(Path file) throws PolicyFormatException {
    byte[] bytes;
    // The limit is enforced on what is read, not on Files.size: a file can grow after it is sized,
    // and a device or pipe (/dev/zero, <(...)) has size 0 and no end.
    try (InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes(MAX_FILE_BYTES + 1);
    } catch (IOException e) {
      throw new PolicyFormatException("cannot read " + file + ": " + e.getMessage());
    }
    if (bytes.length > MAX_FILE_BYTES) {
      throw new PolicyFormatException(file + " is larger than " + MAX_FILE_BYTES + " bytes");
    }
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new PolicyFormatException(file + " is not UTF-8 text");
    }
    return parse(text);
  }

  /**
   * Reads a policy from JSON text.
   *
   * @throws PolicyFormatException naming the first key that is unknown, missing its form, or refused
   */
  public static Policy parse(String json) throws PolicyFormatException {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new PolicyFormatException("not a JSON policy: " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw new PolicyFormatException("a policy is a JSON object");
    }
    try {
      return read(root);
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new PolicyFormatException(e.getMessage());
    }
  }

  private static Policy read(JsonNode root) throws PolicyFormatException {
    known(root, TOP, "");
    // A listed status is accepted up to the most severe there is but Revoked; without a list, the
    // default refuses out-of-date platforms too.
    Policy.Builder b = Policy.builder().minimumTcbStatus(present(root, "tcb_status")
        ? TcbStatus.OUT_OF_DATE_CONFIGURATION_NEEDED : Policy.DEFAULT_MOST_SEVERE_TCB_STATUS);
    if (present(root, "name")) {
      b.name(text(root, "name", "name"));
    }
    if (present(root, "allow_debug") && bool(root, "allow_debug", "allow_debug")) {
      throw new PolicyFormatException("allow_debug: a debug TD or enclave proves nothing; only "
          + "\"insecure_allow_debug\": true accepts one (tests only)");
    }
    if (present(root, "insecure_allow_debug") && bool(root, "insecure_allow_debug", "insecure_allow_debug")) {
      b.insecureAllowDebug();
    }
    if (present(root, "insecure_allow_non_intel_root")
        && bool(root, "insecure_allow_non_intel_root", "insecure_allow_non_intel_root")) {
      b.insecureAllowNonIntelRoot();
    }
    if (present(root, "tee")) {
      String tee = text(root, "tee", "tee");
      try {
        b.teeType(TeeType.valueOf(tee));
      } catch (IllegalArgumentException e) {
        throw new PolicyFormatException("tee: \"TDX\" or \"SGX\", not \"" + tee + "\"");
      }
    }
    if (present(root, "tcb_status")) {
      List<TcbStatus> statuses = new ArrayList<>();
      for (String s : texts(root, "tcb_status", "tcb_status", false)) {
        statuses.add(status(s));
      }
      b.allowedTcbStatuses(statuses.toArray(new TcbStatus[0]));
    }
    if (present(root, "advisory_ids")) {
      JsonNode a = object(root, "advisory_ids", "advisory_ids");
      known(a, ADVISORIES, "advisory_ids.");
      if (present(a, "allow")) {
        // An empty list is meaningful here: no advisory at all is accepted.
        b.allowedAdvisoryIds(texts(a, "allow", "advisory_ids.allow", true).toArray(new String[0]));
      }
    }
    if (present(root, "report_data")) {
      Bytes rd = hex(text(root, "report_data", "report_data"), "report_data");
      if (rd.length() == 0 || rd.length() > Policy.REPORT_DATA_SIZE) {
        throw new PolicyFormatException("report_data is 1 to 64 bytes, not " + rd.length());
      }
      b.reportData(rd);
    }
    if (present(root, "max_age")) {
      b.maxAge(duration(text(root, "max_age", "max_age"), "max_age"));
    }
    if (present(root, "max_collateral_age")) {
      b.maxCollateralAge(duration(text(root, "max_collateral_age", "max_collateral_age"), "max_collateral_age"));
    }
    if (present(root, "out_of_date_grace")) {
      b.outOfDateGrace(duration(text(root, "out_of_date_grace", "out_of_date_grace"), "out_of_date_grace"));
    }
    if (present(root, "tdx")) {
      readTdx(object(root, "tdx", "tdx"), b);
    }
    if (present(root, "sgx")) {
      readSgx(object(root, "sgx", "sgx"), b);
    }
    return b.build();
  }

  private static void readTdx(JsonNode t, Policy.Builder b) throws PolicyFormatException {
    known(t, TDX, "tdx.");
    if (present(t, "mrtd")) {
      b.allowMrTd(hexes(t, "mrtd", Policy.MRTD_SIZE, "tdx.mrtd"));
    }
    for (int i = 0; i < QuoteLayout.TD_RTMR_COUNT; i++) {
      String key = "rtmr" + i;
      if (present(t, key)) {
        b.allowRtmr(i, hexes(t, key, QuoteLayout.TD_RTMR_SIZE, "tdx." + key));
      }
    }
    if (present(t, "mr_config_id")) {
      b.allowMrConfigId(hexes(t, "mr_config_id", Policy.MRTD_SIZE, "tdx.mr_config_id"));
    }
    if (present(t, "mr_owner")) {
      b.allowMrOwner(hexes(t, "mr_owner", Policy.MRTD_SIZE, "tdx.mr_owner"));
    }
    if (present(t, "mr_owner_config")) {
      b.allowMrOwnerConfig(hexes(t, "mr_owner_config", Policy.MRTD_SIZE, "tdx.mr_owner_config"));
    }
    if (present(t, "td_attributes")) {
      Masked m = masked(t, "td_attributes", Policy.TD_ATTRIBUTES_SIZE, "tdx.td_attributes");
      b.tdAttributes(m.mask(), m.value());
    }
    if (present(t, "xfam")) {
      Masked m = masked(t, "xfam", Policy.XFAM_SIZE, "tdx.xfam");
      b.xfam(m.mask(), m.value());
    }
    if (present(t, "min_tee_tcb_svn")) {
      b.minimumTeeTcbSvn(hexOf(text(t, "min_tee_tcb_svn", "tdx.min_tee_tcb_svn"), Policy.TEE_TCB_SVN_SIZE,
          "tdx.min_tee_tcb_svn"));
    }
  }

  private static void readSgx(JsonNode s, Policy.Builder b) throws PolicyFormatException {
    known(s, SGX, "sgx.");
    if (present(s, "mrenclave")) {
      b.allowMrEnclave(hexes(s, "mrenclave", Policy.MRENCLAVE_SIZE, "sgx.mrenclave"));
    }
    if (present(s, "mrsigner")) {
      b.allowMrSigner(hexes(s, "mrsigner", Policy.MRSIGNER_SIZE, "sgx.mrsigner"));
    }
    if (present(s, "attributes")) {
      Masked m = masked(s, "attributes", Policy.SGX_ATTRIBUTES_SIZE, "sgx.attributes");
      b.sgxAttributes(m.mask(), m.value());
    }
    if (present(s, "miscselect")) {
      JsonNode m = object(s, "miscselect", "sgx.miscselect");
      known(m, MASKED, "sgx.miscselect.");
      b.miscSelect(u32(m, "mask", "sgx.miscselect.mask"), u32(m, "value", "sgx.miscselect.value"));
    }
    if (present(s, "isv_prod_id")) {
      b.isvProdId(integer(s, "isv_prod_id", "sgx.isv_prod_id"));
    }
    if (present(s, "min_isv_svn")) {
      b.minimumIsvSvn(integer(s, "min_isv_svn", "sgx.min_isv_svn"));
    }
  }

  /** The canonical form {@link Policy#canonicalJson()} returns. */
  static String canonical(Policy p) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode o = f.objectNode();
    ObjectNode advisories = f.objectNode();
    if (p.allowedAdvisoryIds().isPresent()) {
      ArrayNode allow = advisories.putArray("allow");
      new TreeSet<>(p.allowedAdvisoryIds().get()).forEach(allow::add);
    } else {
      advisories.putNull("allow");
    }
    o.set("advisory_ids", advisories);
    o.put("insecure_allow_debug", p.insecureAllowDebug());
    o.put("insecure_allow_non_intel_root", p.insecureAllowNonIntelRoot());
    putDuration(o, "max_age", p.maxAge().orElse(null));
    putDuration(o, "max_collateral_age", p.maxCollateralAge().orElse(null));
    o.put("name", p.name());
    putDuration(o, "out_of_date_grace", p.outOfDateGrace().orElse(null));
    if (p.reportData().isPresent()) {
      o.put("report_data", p.reportData().get().hex0x());
    } else {
      o.putNull("report_data");
    }
    ObjectNode sgx = f.objectNode();
    putMasked(sgx, "attributes", p.sgxAttributes().orElse(null));
    if (p.isvProdId().isPresent()) {
      sgx.put("isv_prod_id", p.isvProdId().get());
    } else {
      sgx.putNull("isv_prod_id");
    }
    if (p.minimumIsvSvn().isPresent()) {
      sgx.put("min_isv_svn", p.minimumIsvSvn().get());
    } else {
      sgx.putNull("min_isv_svn");
    }
    putMiscSelect(sgx, p.miscSelect().orElse(null));
    putSet(sgx, "mrenclave", p.mrEnclave());
    putSet(sgx, "mrsigner", p.mrSigner());
    o.set("sgx", sgx);
    ArrayNode statuses = o.putArray("tcb_status");
    p.acceptedTcbStatuses().forEach(s -> statuses.add(s.intelName()));
    if (p.teeType().isPresent()) {
      o.put("tee", p.teeType().get().name());
    } else {
      o.putNull("tee");
    }
    ObjectNode tdx = f.objectNode();
    if (p.minimumTeeTcbSvn().isPresent()) {
      tdx.put("min_tee_tcb_svn", p.minimumTeeTcbSvn().get().hex0x());
    } else {
      tdx.putNull("min_tee_tcb_svn");
    }
    putSet(tdx, "mr_config_id", p.mrConfigId());
    putSet(tdx, "mr_owner", p.mrOwner());
    putSet(tdx, "mr_owner_config", p.mrOwnerConfig());
    putSet(tdx, "mrtd", p.mrTd());
    for (int i = 0; i < QuoteLayout.TD_RTMR_COUNT; i++) {
      putSet(tdx, "rtmr" + i, p.rtmr(i));
    }
    putMasked(tdx, "td_attributes", p.tdAttributes().orElse(null));
    putMasked(tdx, "xfam", p.xfam().orElse(null));
    o.set("tdx", tdx);
    try {
      return JSON.writeValueAsString(sorted(o));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree always serialises", e);
    }
  }

  /** Lower-case hex SHA-256 of the UTF-8 text. */
  static String sha256(String text) {
    try {
      return Bytes.of(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8))).hex();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JDK", e);
    }
  }

  /** Hex with or without 0x, either case, exactly {@code size} bytes. */
  static Bytes hexOf(String text, int size, String key) {
    Bytes b;
    try {
      b = hex(text, key);
    } catch (PolicyFormatException e) {
      throw new IllegalArgumentException(e.getMessage());
    }
    if (b.length() != size) {
      throw new IllegalArgumentException(key + " is " + size + " bytes, not " + b.length());
    }
    return b;
  }

  private static Bytes hex(String text, String key) throws PolicyFormatException {
    String s = text.strip();
    if (s.startsWith("0x") || s.startsWith("0X")) {
      s = s.substring(2);
    }
    try {
      return Bytes.fromHex(s.toLowerCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new PolicyFormatException(key + " is not hex: \"" + text + "\"");
    }
  }

  private static ObjectNode sorted(ObjectNode o) {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    List<String> names = new ArrayList<>();
    o.fieldNames().forEachRemaining(names::add);
    names.sort(null);
    for (String n : names) {
      JsonNode v = o.get(n);
      out.set(n, v instanceof ObjectNode child ? sorted(child) : v);
    }
    return out;
  }

  /** An unchecked measurement is null: an empty list would read as "one of none" and is refused. */
  private static void putSet(ObjectNode o, String key, Set<Bytes> values) {
    if (values.isEmpty()) {
      o.putNull(key);
      return;
    }
    ArrayNode a = o.putArray(key);
    values.stream().map(Bytes::hex0x).sorted().forEach(a::add);
  }

  private static void putMasked(ObjectNode o, String key, Masked m) {
    if (m == null) {
      o.putNull(key);
      return;
    }
    ObjectNode n = o.putObject(key);
    n.put("mask", m.mask().hex0x());
    n.put("value", m.value().hex0x());
  }

  /** MISCSELECT as the u32 the file gives (the rule holds the quote's little-endian bytes). */
  private static void putMiscSelect(ObjectNode o, Masked m) {
    if (m == null) {
      o.putNull("miscselect");
      return;
    }
    ObjectNode n = o.putObject("miscselect");
    n.put("mask", String.format(Locale.ROOT, "0x%08x", u32le(m.mask())));
    n.put("value", String.format(Locale.ROOT, "0x%08x", u32le(m.value())));
  }

  private static long u32le(Bytes b) {
    return b.unsigned(0) | (long) b.unsigned(1) << 8 | (long) b.unsigned(2) << 16 | (long) b.unsigned(3) << 24;
  }

  private static void putDuration(ObjectNode o, String key, Duration d) {
    if (d == null) {
      o.putNull(key);
    } else {
      o.put(key, d.toString());
    }
  }

  private static void known(JsonNode o, Set<String> allowed, String prefix) throws PolicyFormatException {
    Iterator<Map.Entry<String, JsonNode>> it = o.fields();
    while (it.hasNext()) {
      String k = it.next().getKey();
      if (!allowed.contains(k)) {
        throw new PolicyFormatException("unknown key " + prefix + k + " (docs/policy.md lists the keys)");
      }
    }
  }

  /** Whether {@code key} is given: JSON null means absent, as in the canonical form. */
  private static boolean present(JsonNode o, String key) {
    JsonNode v = o.get(key);
    return v != null && !v.isNull();
  }

  private static JsonNode object(JsonNode o, String key, String path) throws PolicyFormatException {
    JsonNode v = o.get(key);
    if (!v.isObject()) {
      throw new PolicyFormatException(path + " is an object");
    }
    return v;
  }

  private static String text(JsonNode o, String key, String path) throws PolicyFormatException {
    JsonNode v = o.get(key);
    if (!v.isTextual()) {
      throw new PolicyFormatException(path + " is a string");
    }
    return v.textValue();
  }

  private static boolean bool(JsonNode o, String key, String path) throws PolicyFormatException {
    JsonNode v = o.get(key);
    if (!v.isBoolean()) {
      throw new PolicyFormatException(path + " is true or false");
    }
    return v.booleanValue();
  }

  private static int integer(JsonNode o, String key, String path) throws PolicyFormatException {
    JsonNode v = o.get(key);
    if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 0 || v.intValue() > 0xffff) {
      throw new PolicyFormatException(path + " is an integer from 0 to 65535");
    }
    return v.intValue();
  }

  private static long u32(JsonNode o, String key, String path) throws PolicyFormatException {
    JsonNode v = o.get(key);
    if (v == null || v.isNull()) {
      throw new PolicyFormatException(path + " is missing");
    }
    long n;
    if (v.isIntegralNumber() && v.canConvertToLong()) {
      n = v.longValue();
    } else if (v.isTextual()) {
      String s = v.textValue().strip();
      try {
        n = Long.parseLong(s.startsWith("0x") || s.startsWith("0X") ? s.substring(2) : s, 16);
      } catch (NumberFormatException e) {
        throw new PolicyFormatException(path + " is a u32, as a number or 0x hex");
      }
    } else {
      throw new PolicyFormatException(path + " is a u32, as a number or 0x hex");
    }
    if (n < 0 || n > 0xffffffffL) {
      throw new PolicyFormatException(path + " is a u32, not " + n);
    }
    return n;
  }

  private static List<String> texts(JsonNode o, String key, String path, boolean mayBeEmpty)
      throws PolicyFormatException {
    JsonNode v = o.get(key);
    if (!v.isArray() || v.isEmpty() && !mayBeEmpty) {
      throw new PolicyFormatException(path + " is a non-empty list of strings (each meaning \"one of\")");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode e : v) {
      if (!e.isTextual()) {
        throw new PolicyFormatException(path + " is a list of strings");
      }
      out.add(e.textValue());
    }
    return out;
  }

  private static Bytes[] hexes(JsonNode o, String key, int size, String path) throws PolicyFormatException {
    List<String> texts = texts(o, key, path, false);
    Bytes[] out = new Bytes[texts.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = hex(texts.get(i), path);
      if (out[i].length() != size) {
        throw new PolicyFormatException(path + " values are " + size + " bytes, not " + out[i].length());
      }
    }
    return out;
  }

  private static Masked masked(JsonNode o, String key, int size, String path) throws PolicyFormatException {
    JsonNode m = object(o, key, path);
    known(m, MASKED, path + ".");
    if (!present(m, "mask") || !present(m, "value")) {
      throw new PolicyFormatException(path + " needs mask and value");
    }
    try {
      return new Masked(hexOf(text(m, "mask", path + ".mask"), size, path + ".mask"),
          hexOf(text(m, "value", path + ".value"), size, path + ".value"));
    } catch (IllegalArgumentException e) {
      throw new PolicyFormatException(path + ": " + e.getMessage());
    }
  }

  private static TcbStatus status(String name) throws PolicyFormatException {
    for (TcbStatus s : TcbStatus.values()) {
      if (s.intelName().equals(name)) {
        if (s == TcbStatus.REVOKED) {
          throw new PolicyFormatException("tcb_status: a revoked TCB is never acceptable");
        }
        return s;
      }
    }
    throw new PolicyFormatException("tcb_status: unknown status \"" + name + "\" (Intel's names, e.g. UpToDate)");
  }

  private static Duration duration(String text, String path) throws PolicyFormatException {
    try {
      return Duration.parse(text);
    } catch (DateTimeParseException e) {
      throw new PolicyFormatException(path + " is an ISO-8601 duration such as PT1H or P30D, not \"" + text + "\"");
    }
  }
}
