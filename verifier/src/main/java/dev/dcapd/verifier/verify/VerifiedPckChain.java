package dev.dcapd.verifier.verify;

import dev.dcapd.verifier.pck.CaType;
import dev.dcapd.verifier.pck.PckExtension;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * A PCK chain (leaf, PCK CA, root) whose names, issuers and signatures have been checked and
 * whose root is the trust anchor, with the leaf's SGX extension parsed. Revocation and dates
 * depend on the CRLs and the instant, and are checked at every use.
 */
record VerifiedPckChain(
    X509Certificate leaf,
    X509Certificate intermediate,
    X509Certificate root,
    Ecdsa.Key leafKey,
    Ecdsa.Key intermediateKey,
    PckExtension extension,
    CaType caType,
    List<Validity> validities) {

  VerifiedPckChain {
    validities = List.copyOf(validities);
  }
}
