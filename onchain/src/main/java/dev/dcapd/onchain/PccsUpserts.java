package dev.dcapd.onchain;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.pck.CaType;
import dev.dcapd.verifier.pck.PckCertChain;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.datatypes.DynamicBytes;
import org.web3j.abi.datatypes.DynamicStruct;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.Utf8String;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.abi.datatypes.generated.Uint8;
import org.web3j.crypto.Hash;
import org.web3j.utils.Numeric;

/**
 * The uploads Automata's on-chain PCCS needs before {@code verifyAndAttestOnChain} can verify a
 * quote against given collateral, as calldata in dependency order (upstream {@code PCCSSetupBase}):
 * root certificate, PCK CA certificate, root CA CRL, TCB signing certificate, PCK CRL, QE identity,
 * FMSPC TCB info. Certificates and CRLs go up as DER; TCB info and QE identity as the exact signed
 * JSON text with the raw 64-byte signature.
 *
 * <p>PCK leaf certificates are not needed (the quote carries its chain). The TCB evaluation data
 * numbers are not part of {@code QuoteCollateralV3}: either call the verifier with the TCB info's
 * own evaluation number ({@link AutomataCalls#verify(Bytes, long)}), or upload Intel's numbers too
 * ({@link #tcbEvaluationData}) so that the chain's "standard" number resolves. The
 * QE identity and FMSPC TCB DAOs are the versioned ones for that number, and only their attester
 * may write them; certificates and CRLs are open to anyone.
 */
public final class PccsUpserts {
  /** pcsApiVersion the verifiers read QE identities with (all of V3, V4, V5 pass 4). */
  public static final int QE_IDENTITY_API_VERSION = 4;

  private static final ObjectMapper JSON = new ObjectMapper();

  private PccsUpserts() {}

  /** The on-chain PCCS contract an upsert goes to. */
  public enum Dao {
    /** {@code AutomataPcsDao}: certificates and CRLs, permissionless. */
    PCS_DAO(false),
    /** {@code AutomataEnclaveIdentityDaoVersioned} for the TCB evaluation number; attester only. */
    ENCLAVE_IDENTITY_DAO(true),
    /** {@code AutomataFmspcTcbDaoVersioned} for the TCB evaluation number; attester only. */
    FMSPC_TCB_DAO(true),
    /** {@code AutomataTcbEvalDao}: TCB evaluation data numbers; attester only. */
    TCB_EVAL_DAO(true);

    private final boolean attesterOnly;

    Dao(boolean attesterOnly) {
      this.attesterOnly = attesterOnly;
    }

    /** Whether only the DAO's ATTESTER_ROLE may call it. */
    public boolean attesterOnly() {
      return attesterOnly;
    }
  }

  /** The PCCS enum {@code CA}. */
  public enum Ca {
    ROOT,
    PROCESSOR,
    PLATFORM,
    SIGNING
  }

  /** One upload: where it goes, the function, what it carries, and the calldata. */
  public record Upsert(Dao dao, String function, String what, Bytes calldata) {
    public Upsert {
      Objects.requireNonNull(dao, "dao");
      Objects.requireNonNull(function, "function");
      Objects.requireNonNull(what, "what");
      Objects.requireNonNull(calldata, "calldata");
    }
  }

  /**
   * The upserts for {@code collateral}, in the order they must be sent.
   *
   * @throws DcapException {@code COLLATERAL_MALFORMED} if a chain or the identity JSON cannot be read
   */
  public static List<Upsert> forCollateral(QuoteCollateral collateral) throws DcapException {
    List<X509Certificate> pckCrlChain = PckCertChain.readCertificates(collateral.pckCrlIssuerChain());
    List<X509Certificate> tcbChain = PckCertChain.readCertificates(collateral.tcbInfoIssuerChain());
    if (pckCrlChain.size() < 2 || tcbChain.size() < 2) {
      throw new DcapException(FailureCode.COLLATERAL_MALFORMED, "an issuer chain has fewer than two certificates");
    }
    X509Certificate pckCa = pckCrlChain.get(0);
    X509Certificate root = pckCrlChain.get(pckCrlChain.size() - 1);
    X509Certificate signing = tcbChain.get(0);
    CaType caType = CaType.fromCommonName(PckCertChain.commonName(pckCa.getSubjectX500Principal()));
    if (caType == null) {
      throw new DcapException(FailureCode.COLLATERAL_MALFORMED, "the PCK CRL issuer is neither the Platform nor the Processor CA");
    }
    Ca ca = caType == CaType.PLATFORM ? Ca.PLATFORM : Ca.PROCESSOR;

    List<Upsert> out = new ArrayList<>();
    out.add(certificate(Ca.ROOT, root, "Intel SGX Root CA certificate"));
    out.add(certificate(ca, pckCa, caType.commonName() + " certificate"));
    out.add(new Upsert(Dao.PCS_DAO, "upsertRootCACrl(bytes)", "root CA CRL",
        call("upsertRootCACrl(bytes)", new DynamicBytes(collateral.rootCaCrl().toByteArray()))));
    out.add(certificate(Ca.SIGNING, signing, "TCB signing certificate"));
    out.add(new Upsert(Dao.PCS_DAO, "upsertPckCrl(uint8,bytes)", caType.commonName() + " CRL",
        call("upsertPckCrl(uint8,bytes)", new Uint8(ca.ordinal()), new DynamicBytes(collateral.pckCrl().toByteArray()))));
    int enclaveId = enclaveId(collateral.qeIdentity());
    out.add(new Upsert(Dao.ENCLAVE_IDENTITY_DAO, "upsertEnclaveIdentity(uint256,uint256,(string,bytes))",
        (enclaveId == 0 ? "QE" : "TD_QE") + " identity",
        call("upsertEnclaveIdentity(uint256,uint256,(string,bytes))", new Uint256(enclaveId),
            new Uint256(QE_IDENTITY_API_VERSION), signedJson(collateral.qeIdentity(), collateral.qeIdentitySignature()))));
    out.add(new Upsert(Dao.FMSPC_TCB_DAO, "upsertFmspcTcb((string,bytes))", "FMSPC TCB info",
        call("upsertFmspcTcb((string,bytes))", signedJson(collateral.tcbInfo(), collateral.tcbInfoSignature()))));
    return List.copyOf(out);
  }

  /**
   * The upsert of Intel's TCB evaluation data numbers ({@code GET /tcbevaluationdatanumbers},
   * the whole response text), needed only when the verifier is called with the "standard"
   * evaluation number, which the chain derives from them. Send it after {@link #forCollateral}.
   *
   * @throws DcapException {@code COLLATERAL_MALFORMED} if the response has not that shape
   */
  public static Upsert tcbEvaluationData(String response) throws DcapException {
    SignedJson signed = SignedJson.parse(response, "tcbEvaluationDataNumbers");
    return new Upsert(Dao.TCB_EVAL_DAO, "upsertTcbEvaluationData((string,bytes))", "TCB evaluation data numbers",
        call("upsertTcbEvaluationData((string,bytes))", signedJson(signed.body(), signed.signature())));
  }

  private static Upsert certificate(Ca ca, X509Certificate cert, String what) throws DcapException {
    byte[] der;
    try {
      der = cert.getEncoded();
    } catch (CertificateEncodingException e) {
      throw new DcapException(FailureCode.COLLATERAL_MALFORMED, what + " cannot be encoded");
    }
    return new Upsert(Dao.PCS_DAO, "upsertPcsCertificates(uint8,bytes)", what,
        call("upsertPcsCertificates(uint8,bytes)", new Uint8(ca.ordinal()), new DynamicBytes(der)));
  }

  /** The PCCS {@code EnclaveId}: 0 QE, 1 QVE, 2 TD_QE. */
  private static int enclaveId(String identityJson) throws DcapException {
    String id;
    try {
      id = JSON.readTree(identityJson).path("id").asText("");
    } catch (JsonProcessingException e) {
      throw new DcapException(FailureCode.COLLATERAL_MALFORMED, "the QE identity is not JSON");
    }
    switch (id) {
      case "QE":
        return 0;
      case "TD_QE":
        return 2;
      default:
        throw new DcapException(FailureCode.COLLATERAL_MALFORMED, "QE identity id '" + id + "' is neither QE nor TD_QE");
    }
  }

  /** The PCCS's {@code (string json, bytes signature)} tuple: exact signed text, raw r‖s. */
  static DynamicStruct signedJson(String json, Bytes signature) {
    return new DynamicStruct(new Utf8String(json), new DynamicBytes(signature.toByteArray()));
  }

  /** keccak256(signature)[0..4] followed by the ABI encoding of the arguments. */
  @SuppressWarnings("rawtypes")
  public static Bytes call(String signature, Type... args) {
    String selector = Numeric.toHexStringNoPrefix(Hash.sha3(signature.getBytes(StandardCharsets.US_ASCII))).substring(0, 8);
    return Bytes.fromHex(selector + FunctionEncoder.encodeConstructor(List.of(args)));
  }

  /** The selector of {@code signature} (for tests and logs). */
  public static Bytes selector(String signature) {
    return Bytes.of(Hash.sha3(signature.getBytes(StandardCharsets.US_ASCII)), 0, 4);
  }
}
