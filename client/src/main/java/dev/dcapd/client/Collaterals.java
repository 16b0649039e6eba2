package dev.dcapd.client;

import com.google.protobuf.ByteString;
import dev.dcapd.verifier.Bytes;
import dev.dcapd.verifier.collateral.QuoteCollateral;
import java.util.Optional;

/** The API's collateral message and the verifier's {@link QuoteCollateral}, both ways. */
public final class Collaterals {
  private Collaterals() {}

  public static QuoteCollateral fromProto(dev.dcapd.proto.v1.QuoteCollateral c) {
    return new QuoteCollateral(
        c.getPckCrlIssuerChain(),
        Bytes.of(c.getRootCaCrl().toByteArray()),
        Bytes.of(c.getPckCrl().toByteArray()),
        c.getTcbInfoIssuerChain(),
        c.getTcbInfo(),
        Bytes.of(c.getTcbInfoSignature().toByteArray()),
        c.getQeIdentityIssuerChain(),
        c.getQeIdentity(),
        Bytes.of(c.getQeIdentitySignature().toByteArray()),
        c.getPckCertificateChain().isEmpty() ? Optional.empty() : Optional.of(c.getPckCertificateChain()));
  }

  public static dev.dcapd.proto.v1.QuoteCollateral toProto(QuoteCollateral c) {
    return dev.dcapd.proto.v1.QuoteCollateral.newBuilder()
        .setPckCrlIssuerChain(c.pckCrlIssuerChain())
        .setRootCaCrl(ByteString.copyFrom(c.rootCaCrl().toByteArray()))
        .setPckCrl(ByteString.copyFrom(c.pckCrl().toByteArray()))
        .setTcbInfoIssuerChain(c.tcbInfoIssuerChain())
        .setTcbInfo(c.tcbInfo())
        .setTcbInfoSignature(ByteString.copyFrom(c.tcbInfoSignature().toByteArray()))
        .setQeIdentityIssuerChain(c.qeIdentityIssuerChain())
        .setQeIdentity(c.qeIdentity())
        .setQeIdentitySignature(ByteString.copyFrom(c.qeIdentitySignature().toByteArray()))
        .setPckCertificateChain(c.pckCertificateChain().orElse(""))
        .build();
  }
}
