package dev.dcapd.collateral;

import dev.dcapd.verifier.DcapException;
import dev.dcapd.verifier.FailureCode;
import dev.dcapd.verifier.collateral.QeIdentity;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import dev.dcapd.verifier.collateral.TcbInfo;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.security.cert.CRLException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.x509.Extension;

/**
 * How new each part of a platform's collateral is: the TCB info's and QE identity's issue date and
 * TCB evaluation data number, and each CRL's number and thisUpdate. The cache compares editions so
 * that it never replaces what it holds with an older part (a source that lags behind another, or
 * serves what an attacker kept from last month, cannot roll back a revocation or a TCB recovery).
 */
public record CollateralEdition(
    Instant tcbInfoIssued,
    long tcbEvaluationDataNumber,
    Instant qeIdentityIssued,
    long qeEvaluationDataNumber,
    Optional<BigInteger> pckCrlNumber,
    Instant pckCrlThisUpdate,
    Optional<BigInteger> rootCrlNumber,
    Instant rootCrlThisUpdate) {

  /**
   * Reads the edition of {@code c}.
   *
   * @throws DcapException {@code COLLATERAL_MALFORMED} if a part cannot be read
   */
  public static CollateralEdition of(QuoteCollateral c) throws DcapException {
    TcbInfo tcb = TcbInfo.parse(c.tcbInfo());
    QeIdentity qe = QeIdentity.parse(c.qeIdentity());
    X509CRL pck = crl(c.pckCrl().toByteArray(), "PCK CRL");
    X509CRL root = crl(c.rootCaCrl().toByteArray(), "root CA CRL");
    return new CollateralEdition(tcb.issueDate(), tcb.tcbEvaluationDataNumber(), qe.issueDate(),
        qe.tcbEvaluationDataNumber(), crlNumber(pck), pck.getThisUpdate().toInstant(), crlNumber(root),
        root.getThisUpdate().toInstant());
  }

  /** The parts of this edition older than the same parts of {@code held}, one phrase each; empty if none. */
  public List<String> olderPartsThan(CollateralEdition held) {
    List<String> older = new ArrayList<>();
    if (tcbEvaluationDataNumber < held.tcbEvaluationDataNumber) {
      older.add("TCB info evaluation number " + tcbEvaluationDataNumber + " < " + held.tcbEvaluationDataNumber);
    }
    if (tcbInfoIssued.isBefore(held.tcbInfoIssued)) {
      older.add("TCB info issued " + tcbInfoIssued + " before " + held.tcbInfoIssued);
    }
    if (qeEvaluationDataNumber < held.qeEvaluationDataNumber) {
      older.add("QE identity evaluation number " + qeEvaluationDataNumber + " < " + held.qeEvaluationDataNumber);
    }
    if (qeIdentityIssued.isBefore(held.qeIdentityIssued)) {
      older.add("QE identity issued " + qeIdentityIssued + " before " + held.qeIdentityIssued);
    }
    olderCrl("PCK CRL", pckCrlNumber, pckCrlThisUpdate, held.pckCrlNumber, held.pckCrlThisUpdate, older);
    olderCrl("root CA CRL", rootCrlNumber, rootCrlThisUpdate, held.rootCrlNumber, held.rootCrlThisUpdate, older);
    return older;
  }

  private static void olderCrl(String what, Optional<BigInteger> number, Instant thisUpdate,
      Optional<BigInteger> heldNumber, Instant heldThisUpdate, List<String> older) {
    if (number.isPresent() && heldNumber.isPresent() && number.get().compareTo(heldNumber.get()) < 0) {
      older.add(what + " number " + number.get() + " < " + heldNumber.get());
    }
    if (thisUpdate.isBefore(heldThisUpdate)) {
      older.add(what + " thisUpdate " + thisUpdate + " before " + heldThisUpdate);
    }
  }

  private static X509CRL crl(byte[] der, String what) throws DcapException {
    try {
      return (X509CRL) CertificateFactory.getInstance("X.509").generateCRL(new ByteArrayInputStream(der));
    } catch (CRLException | CertificateException | RuntimeException e) {
      throw new DcapException(FailureCode.COLLATERAL_MALFORMED, what + " is not a DER X.509 CRL");
    }
  }

  /** The CRL number extension (RFC 5280 5.2.3), when the CRL has one. */
  private static Optional<BigInteger> crlNumber(X509CRL crl) throws DcapException {
    byte[] ext = crl.getExtensionValue(Extension.cRLNumber.getId());
    if (ext == null) {
      return Optional.empty();
    }
    try {
      ASN1Primitive inner = ASN1Primitive.fromByteArray(ASN1OctetString.getInstance(ext).getOctets());
      return Optional.of(ASN1Integer.getInstance(inner).getValue());
    } catch (IOException | IllegalArgumentException e) {
      throw new DcapException(FailureCode.COLLATERAL_MALFORMED, "a CRL number cannot be read");
    }
  }
}
