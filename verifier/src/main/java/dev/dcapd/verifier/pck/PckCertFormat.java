package dev.dcapd.verifier.pck;

import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;

/**
 * Which PCK leaves each Intel PCK CA issues. Intel's QvE refuses a leaf that does not fit its CA.
 *
 * <p>The Processor CA issues Standard leaves with 5 extension entries. The Platform CA issues
 * Scalable or ScalableWithIntegrity leaves with all 7 entries, including the platform instance id
 * and the configuration. {@link PckExtension#parse} accepts either shape, because a certificate
 * alone does not say which CA issued it; the chain does.
 */
public final class PckCertFormat {
  private PckCertFormat() {}

  /**
   * Returns {@code extension} if a PCK leaf issued by {@code ca} may carry it.
   *
   * @throws DcapException {@code PCK_CERT_UNSUPPORTED_FORMAT} if it does not fit the CA
   */
  public static PckExtension requireFits(CaType ca, PckExtension extension) throws DcapException {
    // A switch expression, so a new CaType does not compile until it says what it issues.
    String misfit = switch (ca) {
      case PROCESSOR -> processorMisfit(extension);
      case PLATFORM -> platformMisfit(extension);
    };
    if (misfit != null) {
      throw new DcapException(FailureCode.PCK_CERT_UNSUPPORTED_FORMAT, misfit);
    }
    return extension;
  }

  private static String processorMisfit(PckExtension e) {
    if (e.sgxType() != SgxType.STANDARD) {
      return "a Processor-CA PCK leaf is of SGX type " + name(e.sgxType()) + ", not Standard";
    }
    if (e.platformInstanceId().isPresent() || e.configuration().isPresent()) {
      return "a Processor-CA PCK leaf carries a platform instance id or configuration (Platform-CA entries)";
    }
    return null;
  }

  private static String platformMisfit(PckExtension e) {
    if (e.sgxType() == SgxType.STANDARD) {
      return "a Platform-CA PCK leaf is of SGX type Standard, not Scalable";
    }
    if (e.platformInstanceId().isEmpty() || e.configuration().isEmpty()) {
      return "a Platform-CA PCK leaf lacks its platform instance id or configuration";
    }
    return null;
  }

  private static String name(SgxType t) {
    String intelName = switch (t) {
      case STANDARD -> "Standard";
      case SCALABLE -> "Scalable";
      case SCALABLE_WITH_INTEGRITY -> "ScalableWithIntegrity";
    };
    return intelName + " (" + t.code() + ")";
  }
}
