package dev.dcapd.verifier.pck;

import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import java.io.IOException;
import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1Boolean;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Enumerated;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;

/**
 * The Intel SGX extension of a PCK certificate (OID 1.2.840.113741.1.13.1): the platform's
 * identity (PPID, FMSPC, PCE-ID) and its TCB (16 component SVNs, PCESVN, CPUSVN). Platform-CA
 * certificates also carry a platform instance id and configuration flags.
 *
 * <p>Entries are found by OID, not position; every entry is required; there are exactly 5 entries,
 * or 7 with the platform instance id and configuration. Whether that shape and the SGX type fit
 * the CA that issued the certificate is {@link PckCertFormat}'s question.
 */
public record PckExtension(
    Bytes ppid,
    List<Integer> tcbComponents,
    int pceSvn,
    Bytes cpuSvn,
    Bytes pceId,
    Bytes fmspc,
    SgxType sgxType,
    Optional<Bytes> platformInstanceId,
    Optional<PlatformConfiguration> configuration) {

  public static final String OID = "1.2.840.113741.1.13.1";
  private static final ASN1ObjectIdentifier SGX = new ASN1ObjectIdentifier(OID);
  private static final ASN1ObjectIdentifier PPID = SGX.branch("1");
  private static final ASN1ObjectIdentifier TCB = SGX.branch("2");
  private static final ASN1ObjectIdentifier PCESVN = TCB.branch("17");
  private static final ASN1ObjectIdentifier CPUSVN = TCB.branch("18");
  private static final ASN1ObjectIdentifier PCEID = SGX.branch("3");
  private static final ASN1ObjectIdentifier FMSPC = SGX.branch("4");
  private static final ASN1ObjectIdentifier SGX_TYPE = SGX.branch("5");
  private static final ASN1ObjectIdentifier PLATFORM_INSTANCE_ID = SGX.branch("6");
  private static final ASN1ObjectIdentifier CONFIGURATION = SGX.branch("7");
  private static final ASN1ObjectIdentifier DYNAMIC_PLATFORM = CONFIGURATION.branch("1");
  private static final ASN1ObjectIdentifier CACHED_KEYS = CONFIGURATION.branch("2");
  private static final ASN1ObjectIdentifier SMT_ENABLED = CONFIGURATION.branch("3");

  public PckExtension {
    tcbComponents = List.copyOf(tcbComponents);
    if (tcbComponents.size() != 16) {
      throw new IllegalArgumentException("16 TCB components, not " + tcbComponents.size());
    }
  }

  /** SGX TCB component {@code index} (0-15) as an unsigned value. */
  public int tcbComponent(int index) {
    return tcbComponents.get(index);
  }

  /** The OIDs of the entries, for callers that encode the extension (the testkit). */
  public static ASN1ObjectIdentifier oid(String suffix) {
    return SGX.branch(suffix);
  }

  /**
   * Reads the extension of {@code cert}.
   *
   * @throws DcapException {@code PCK_CERTIFICATE_MALFORMED} if it is missing or malformed
   */
  public static PckExtension parse(X509Certificate cert) throws DcapException {
    byte[] wrapped = cert.getExtensionValue(OID);
    if (wrapped == null) {
      throw malformed("the PCK certificate has no SGX extension (" + OID + ")");
    }
    try {
      byte[] der = ASN1OctetString.getInstance(wrapped).getOctets();
      return parse(ASN1Sequence.getInstance(ASN1Primitive.fromByteArray(der)));
    } catch (IOException | RuntimeException e) {
      throw malformed("the PCK certificate's SGX extension cannot be read: " + e.getMessage());
    }
  }

  private static PckExtension parse(ASN1Sequence seq) throws DcapException {
    Map<ASN1ObjectIdentifier, ASN1Encodable> top = entries(seq, "SGX extension");
    boolean platform = top.containsKey(PLATFORM_INSTANCE_ID) || top.containsKey(CONFIGURATION);
    int expected = platform ? 7 : 5;
    if (top.size() != expected || seq.size() != expected) {
      throw malformed("the SGX extension has " + seq.size() + " entries, expected " + expected);
    }
    Bytes ppid = octets(top, PPID, 16, "PPID");
    Map<ASN1ObjectIdentifier, ASN1Encodable> tcb = entries(sequence(top, TCB, "TCB"), "TCB");
    if (tcb.size() != 18) {
      throw malformed("the TCB entry has " + tcb.size() + " components, expected 18");
    }
    Integer[] comps = new Integer[16];
    for (int i = 0; i < 16; i++) {
      comps[i] = integer(tcb, TCB.branch(Integer.toString(i + 1)), 0xff, "SGX TCB COMP" + (i + 1) + " SVN");
    }
    int pceSvn = integer(tcb, PCESVN, 0xffff, "PCESVN");
    Bytes cpuSvn = octets(tcb, CPUSVN, 16, "CPUSVN");
    Bytes pceId = octets(top, PCEID, 2, "PCE-ID");
    Bytes fmspc = octets(top, FMSPC, 6, "FMSPC");
    ASN1Encodable typeValue = require(top, SGX_TYPE, "SGX type");
    if (!(typeValue instanceof ASN1Enumerated en)) {
      throw malformed("SGX type is not ENUMERATED");
    }
    SgxType sgxType = SgxType.fromCode(en.intValueExact());
    if (sgxType == null) {
      throw malformed("SGX type " + en.getValue() + " is unknown");
    }
    Optional<Bytes> instance = Optional.empty();
    Optional<PlatformConfiguration> config = Optional.empty();
    if (platform) {
      instance = Optional.of(octets(top, PLATFORM_INSTANCE_ID, 16, "platform instance id"));
      Map<ASN1ObjectIdentifier, ASN1Encodable> flags =
          entries(sequence(top, CONFIGURATION, "configuration"), "configuration");
      if (flags.size() != 3) {
        throw malformed("the configuration entry has " + flags.size() + " flags, expected 3");
      }
      config = Optional.of(new PlatformConfiguration(
          bool(flags, DYNAMIC_PLATFORM, "dynamicPlatform"),
          bool(flags, CACHED_KEYS, "cachedKeys"),
          bool(flags, SMT_ENABLED, "smtEnabled")));
    }
    return new PckExtension(ppid, List.of(comps), pceSvn, cpuSvn, pceId, fmspc, sgxType, instance, config);
  }

  private static Map<ASN1ObjectIdentifier, ASN1Encodable> entries(ASN1Sequence seq, String what)
      throws DcapException {
    Map<ASN1ObjectIdentifier, ASN1Encodable> map = new HashMap<>();
    for (ASN1Encodable e : seq) {
      if (!(e instanceof ASN1Sequence pair) || pair.size() != 2
          || !(pair.getObjectAt(0) instanceof ASN1ObjectIdentifier oid)) {
        throw malformed("an entry of the " + what + " is not SEQUENCE { OID, value }");
      }
      if (map.put(oid, pair.getObjectAt(1)) != null) {
        throw malformed("the " + what + " repeats " + oid);
      }
    }
    return map;
  }

  private static ASN1Encodable require(Map<ASN1ObjectIdentifier, ASN1Encodable> m, ASN1ObjectIdentifier oid, String name)
      throws DcapException {
    ASN1Encodable v = m.get(oid);
    if (v == null) {
      throw malformed("the SGX extension has no " + name + " (" + oid + ")");
    }
    return v;
  }

  private static Bytes octets(Map<ASN1ObjectIdentifier, ASN1Encodable> m, ASN1ObjectIdentifier oid, int length, String name)
      throws DcapException {
    if (!(require(m, oid, name) instanceof ASN1OctetString os) || os.getOctets().length != length) {
      throw malformed(name + " is not an OCTET STRING of " + length + " bytes");
    }
    return Bytes.of(os.getOctets());
  }

  private static int integer(Map<ASN1ObjectIdentifier, ASN1Encodable> m, ASN1ObjectIdentifier oid, int max, String name)
      throws DcapException {
    if (!(require(m, oid, name) instanceof ASN1Integer i)) {
      throw malformed(name + " is not an INTEGER");
    }
    BigInteger v = i.getValue();
    if (v.signum() < 0 || v.compareTo(BigInteger.valueOf(max)) > 0) {
      throw malformed(name + " " + v + " is out of range 0.." + max);
    }
    return v.intValue();
  }

  private static ASN1Sequence sequence(Map<ASN1ObjectIdentifier, ASN1Encodable> m, ASN1ObjectIdentifier oid, String name)
      throws DcapException {
    if (!(require(m, oid, name) instanceof ASN1Sequence s)) {
      throw malformed(name + " is not a SEQUENCE");
    }
    return s;
  }

  private static boolean bool(Map<ASN1ObjectIdentifier, ASN1Encodable> m, ASN1ObjectIdentifier oid, String name)
      throws DcapException {
    if (!(require(m, oid, name) instanceof ASN1Boolean b)) {
      throw malformed(name + " is not a BOOLEAN");
    }
    return b.isTrue();
  }

  private static DcapException malformed(String message) {
    return new DcapException(FailureCode.PCK_CERTIFICATE_MALFORMED, message);
  }
}
