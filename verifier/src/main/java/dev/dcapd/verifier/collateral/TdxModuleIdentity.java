package dev.dcapd.verifier.collateral;

import static dev.dcapd.verifier.collateral.CollateralJson.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One entry of {@code tdxModuleIdentities} in TDX TCB info: the signer, SEAM attributes and TCB
 * levels of TDX modules of one major version, named {@code TDX_%02X}.
 *
 * <p>The levels are kept in descending ISVSVN order, as Intel's verifier orders them.
 */
public record TdxModuleIdentity(String id, TdxModule module, List<EnclaveTcbLevel> tcbLevels) {
  private static final Pattern ID = Pattern.compile("TDX_[0-9A-F]{2}");
  private static final Set<TcbStatus> MODULE_STATUSES =
      EnumSet.of(TcbStatus.UP_TO_DATE, TcbStatus.OUT_OF_DATE, TcbStatus.REVOKED);

  public TdxModuleIdentity {
    tcbLevels = List.copyOf(tcbLevels);
  }

  /** The identity id for a module major version ({@code tee_tcb_svn[1]}): {@code TDX_%02X}. */
  public static String idFor(int majorVersion) {
    if (majorVersion >= 0 && majorVersion <= 0xff) {
      return ID_FOR_BYTE[majorVersion];
    }
    return String.format(Locale.ROOT, "TDX_%02X", majorVersion);
  }

  /** {@link #idFor} of every byte value, made once: it is asked for each TDX verification. */
  private static final String[] ID_FOR_BYTE = new String[0x100];

  static {
    for (int i = 0; i < ID_FOR_BYTE.length; i++) {
      ID_FOR_BYTE[i] = String.format(Locale.ROOT, "TDX_%02X", i);
    }
  }

  static TdxModuleIdentity parse(JsonNode n, String what) throws DcapException {
    if (!n.isObject()) {
      throw malformed(what + " is not an object");
    }
    // Intel matches the id case-insensitively after upper-casing.
    String id = text(n, "id", what).toUpperCase(Locale.ROOT);
    if (!ID.matcher(id).matches()) {
      throw malformed(what + " id '" + id + "' is not TDX_ and two hex digits");
    }
    TdxModule module = TdxModule.parse(n, what + " " + id);
    List<JsonNode> levels = array(n, "tcbLevels", what + " " + id);
    if (levels.isEmpty()) {
      throw malformed(what + " " + id + " has no tcbLevels");
    }
    List<EnclaveTcbLevel> parsed = new ArrayList<>(levels.size());
    for (int i = 0; i < levels.size(); i++) {
      parsed.add(EnclaveTcbLevel.parse(levels.get(i), MODULE_STATUSES, what + " " + id + " tcbLevels[" + i + "]"));
    }
    parsed.sort(Comparator.comparingInt(EnclaveTcbLevel::isvSvn).reversed());
    // As Intel's QVL, which keeps them in a set by ISVSVN and refuses a duplicate.
    for (int i = 1; i < parsed.size(); i++) {
      if (parsed.get(i - 1).isvSvn() == parsed.get(i).isvSvn()) {
        throw malformed(what + " " + id + " has two tcbLevels with ISVSVN " + parsed.get(i).isvSvn());
      }
    }
    return new TdxModuleIdentity(id, module, parsed);
  }
}
