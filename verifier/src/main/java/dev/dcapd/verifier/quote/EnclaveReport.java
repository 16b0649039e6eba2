package dev.dcapd.verifier.quote;

import static dev.dcapd.verifier.quote.QuoteHeader.requireLength;
import static dev.dcapd.verifier.quote.QuoteHeader.requireU16;

import dev.dcapd.verifier.Bytes;

/**
 * A 384-byte SGX enclave report: the body of an SGX quote and the QE report inside every quote.
 * Reserved ranges are kept as read so that a report re-encodes to the same bytes.
 */
public record EnclaveReport(
    Bytes cpuSvn,
    long miscSelect,
    Bytes reserved1,
    Bytes attributes,
    Bytes mrEnclave,
    Bytes reserved2,
    Bytes mrSigner,
    Bytes reserved3,
    int isvProdId,
    int isvSvn,
    Bytes reserved4,
    Bytes reportData)
    implements QuoteBody {

  public EnclaveReport {
    requireLength(cpuSvn, 16, "cpuSvn");
    if (miscSelect < 0 || miscSelect > 0xffffffffL) {
      throw new IllegalArgumentException("miscSelect out of range for u32: " + miscSelect);
    }
    requireLength(reserved1, 28, "reserved1");
    requireLength(attributes, 16, "attributes");
    requireLength(mrEnclave, 32, "mrEnclave");
    requireLength(reserved2, 32, "reserved2");
    requireLength(mrSigner, 32, "mrSigner");
    requireLength(reserved3, 96, "reserved3");
    requireU16(isvProdId, "isvProdId");
    requireU16(isvSvn, "isvSvn");
    requireLength(reserved4, 60, "reserved4");
    requireLength(reportData, 64, "reportData");
  }

  @Override
  public BodyType bodyType() {
    return BodyType.SGX_ENCLAVE_REPORT;
  }
}
