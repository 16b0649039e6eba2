package dev.dcapd.benchmarks;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import io.grpc.MethodDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * An answer read only as far as the load generator checks it: field 1 (the {@code success} flag,
 * or for GetRaw whether {@code data} is non-empty) and, where there is one, the checksum field.
 * Everything else is skipped unparsed, so the generator, which shares the machine with the daemon,
 * spends as little CPU as it can on answers the daemon still builds, serialises and sends in full.
 */
record LeanAnswer(boolean success, String checksum) {
  static final LeanAnswer FAILED = new LeanAnswer(false, "");

  /** {@code full} with its answers read leanly; {@code checksumField} 0 when the answer has none. */
  static <Q> MethodDescriptor<Q, LeanAnswer> method(MethodDescriptor<Q, ?> full, int checksumField) {
    return full.toBuilder(full.getRequestMarshaller(), new Marshaller(checksumField)).build();
  }

  private static final class Marshaller implements MethodDescriptor.Marshaller<LeanAnswer> {
    private final int checksumField;

    Marshaller(int checksumField) {
      this.checksumField = checksumField;
    }

    @Override
    public InputStream stream(LeanAnswer value) {
      throw new UnsupportedOperationException("the load generator never sends answers");
    }

    @Override
    public LeanAnswer parse(InputStream stream) {
      try {
        CodedInputStream in = CodedInputStream.newInstance(stream);
        in.setSizeLimit(Integer.MAX_VALUE);
        boolean success = false;
        String checksum = "";
        int tag;
        while ((tag = in.readTag()) != 0) {
          int field = WireFormat.getTagFieldNumber(tag);
          int type = WireFormat.getTagWireType(tag);
          if (field == 1 && type == WireFormat.WIRETYPE_VARINT) {
            success = in.readBool();
          } else if (field == 1 && type == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
            int length = in.readRawVarint32();
            in.skipRawBytes(length);
            success = length > 0;
          } else if (field == checksumField && type == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
            checksum = in.readStringRequireUtf8();
          } else {
            in.skipField(tag);
          }
        }
        return new LeanAnswer(success, checksum);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
