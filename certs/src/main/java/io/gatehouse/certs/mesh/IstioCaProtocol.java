package io.gatehouse.certs.mesh;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.MethodDescriptorProto;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.StructProto;
import io.grpc.MethodDescriptor;
import io.grpc.protobuf.ProtoUtils;

/**
 * Istio's CA service as protobuf descriptors, the definition of {@code istio.io/api}
 * {@code security/v1alpha1/ca.proto} (package {@code istio.v1.auth}) written out field for field:
 * <pre>
 * message IstioCertificateRequest { string csr = 1; int64 validity_duration = 3; google.protobuf.Struct metadata = 4; }
 * message IstioCertificateResponse { repeated string cert_chain = 1; }
 * service IstioCertificateService { rpc CreateCertificate(IstioCertificateRequest) returns (IstioCertificateResponse); }
 * </pre>
 * Messages are {@link DynamicMessage}s over these descriptors, so the bytes on the wire are
 * protobuf-java's own encoding of that schema (no generated code: the grpc-java code generator
 * has no build for this platform in the registry).
 */
public final class IstioCaProtocol {
  /** {@code istio.v1.auth.IstioCertificateService}. */
  public static final String SERVICE = "istio.v1.auth.IstioCertificateService";
  public static final Descriptors.Descriptor REQUEST;
  public static final Descriptors.Descriptor RESPONSE;
  /** {@code CreateCertificate}, unary. */
  public static final MethodDescriptor<DynamicMessage, DynamicMessage> CREATE_CERTIFICATE;

  static {
    FileDescriptorProto file = FileDescriptorProto.newBuilder()
        .setName("security/v1alpha1/ca.proto")
        .setPackage("istio.v1.auth")
        .setSyntax("proto3")
        .addDependency("google/protobuf/struct.proto")
        .addMessageType(DescriptorProto.newBuilder().setName("IstioCertificateRequest")
            .addField(field("csr", 1, FieldDescriptorProto.Type.TYPE_STRING, false))
            .addField(field("validity_duration", 3, FieldDescriptorProto.Type.TYPE_INT64, false))
            .addField(field("metadata", 4, FieldDescriptorProto.Type.TYPE_MESSAGE, false)
                .setTypeName(".google.protobuf.Struct")))
        .addMessageType(DescriptorProto.newBuilder().setName("IstioCertificateResponse")
            .addField(field("cert_chain", 1, FieldDescriptorProto.Type.TYPE_STRING, true)))
        .addService(ServiceDescriptorProto.newBuilder().setName("IstioCertificateService")
            .addMethod(MethodDescriptorProto.newBuilder().setName("CreateCertificate")
                .setInputType(".istio.v1.auth.IstioCertificateRequest")
                .setOutputType(".istio.v1.auth.IstioCertificateResponse")))
        .build();
    Descriptors.FileDescriptor built;
    try {
      built = Descriptors.FileDescriptor.buildFrom(file, new Descriptors.FileDescriptor[] {StructProto.getDescriptor()});
    } catch (Descriptors.DescriptorValidationException e) {
      throw new ExceptionInInitializerError(e);
    }
    REQUEST = built.findMessageTypeByName("IstioCertificateRequest");
    RESPONSE = built.findMessageTypeByName("IstioCertificateResponse");
    CREATE_CERTIFICATE = MethodDescriptor.<DynamicMessage, DynamicMessage>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "CreateCertificate"))
        .setRequestMarshaller(ProtoUtils.marshaller(DynamicMessage.getDefaultInstance(REQUEST)))
        .setResponseMarshaller(ProtoUtils.marshaller(DynamicMessage.getDefaultInstance(RESPONSE)))
        .build();
  }

  private IstioCaProtocol() {}

  private static FieldDescriptorProto.Builder field(String name, int number, FieldDescriptorProto.Type type, boolean repeated) {
    return FieldDescriptorProto.newBuilder().setName(name).setNumber(number).setType(type)
        .setLabel(repeated ? FieldDescriptorProto.Label.LABEL_REPEATED : FieldDescriptorProto.Label.LABEL_OPTIONAL)
        .setJsonName(jsonName(name));
  }

  private static String jsonName(String name) {
    StringBuilder out = new StringBuilder();
    boolean upper = false;
    for (char c : name.toCharArray()) {
      if (c == '_') {
        upper = true;
      } else {
        out.append(upper ? Character.toUpperCase(c) : c);
        upper = false;
      }
    }
    return out.toString();
  }

  /** A request for {@code csrPem}, valid for {@code seconds}. */
  public static DynamicMessage request(String csrPem, long seconds) {
    return DynamicMessage.newBuilder(REQUEST)
        .setField(REQUEST.findFieldByName("csr"), csrPem)
        .setField(REQUEST.findFieldByName("validity_duration"), seconds)
        .build();
  }

  /** The PEM certificates of an answer: the leaf first, the root last. */
  @SuppressWarnings("unchecked")
  public static java.util.List<String> certChain(DynamicMessage response) {
    return (java.util.List<String>) response.getField(RESPONSE.findFieldByName("cert_chain"));
  }

  /** An answer carrying {@code chain} (for a CA built on this service, as tests do). */
  public static DynamicMessage response(java.util.List<String> chain) {
    DynamicMessage.Builder b = DynamicMessage.newBuilder(RESPONSE);
    chain.forEach(pem -> b.addRepeatedField(RESPONSE.findFieldByName("cert_chain"), pem));
    return b.build();
  }
}
