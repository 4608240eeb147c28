package io.gatehouse.gateway;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import io.gatehouse.certs.CertFactory;
import io.gatehouse.certs.IssuedCert;
import io.gatehouse.certs.KeyFormat;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.TlsServerCredentials;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A mesh CA in the test, speaking Istio's real {@code istio.v1.auth.IstioCertificateService/
 * CreateCertificate} over gRPC (TLS with a serving certificate from its root, as istiod's
 * port 15012). Messages are read and written as raw protobuf fields by number, independently of
 * the gateway's schema, so a wrong field number or type on either side fails the test. It checks
 * the bearer token, signs the CSR with its root for the requested validity (at most
 * {@code lifetime}), answers leaf then root,
 * and can be made to fail ({@link #down}) as an unreachable istiod would.
 */
final class MeshCa implements AutoCloseable {
  /** One request as received: the headers that matter and the decoded fields. */
  record Seen(String authorization, String clusterId, String csr, long validitySeconds, long atNanos) {}

  final CertFactory factory = CertFactory.ecdsa();
  final IssuedCert root = factory.ca("Mesh Root", Duration.ofDays(30));
  final Path rootFile;
  final List<Seen> requests = new CopyOnWriteArrayList<>();
  final AtomicInteger refused = new AtomicInteger();
  volatile Duration lifetime;
  volatile String token = "test-token";
  volatile boolean down;
  private final Server server;

  private MeshCa(Path dir, Duration lifetime, boolean tls) throws IOException {
    this.lifetime = lifetime;
    this.rootFile = Files.writeString(dir.resolve("root-cert.pem"), root.certificatePem());
    MethodDescriptor<byte[], byte[]> method = MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName("istio.v1.auth.IstioCertificateService/CreateCertificate")
        .setRequestMarshaller(RAW).setResponseMarshaller(RAW).build();
    ServerServiceDefinition service = ServerServiceDefinition.builder("istio.v1.auth.IstioCertificateService")
        .addMethod(method, ServerCalls.asyncUnaryCall((request, answer) -> {
          try {
            answer.onNext(sign(request));
            answer.onCompleted();
          } catch (RuntimeException e) {
            answer.onError(e);
          }
        })).build();
    // istiod's serving certificate, from the mesh root, for the names the gateway dials.
    IssuedCert serving = factory.server(root, Duration.ofDays(30), "localhost", "127.0.0.1");
    var credentials = tls
        ? TlsServerCredentials.create(in(serving.certificatePem()), in(serving.privateKeyPem(KeyFormat.PKCS8)))
        : InsecureServerCredentials.create();
    this.server = Grpc.newServerBuilderForPort(0, credentials)
        .addService(ServerInterceptors.intercept(service, new Headers())).build().start();
  }

  private InputStream in(String pem) {
    return new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII));
  }

  /** A CA on TLS (istiod's way), its root in {@code dir/root-cert.pem}, issuing for {@code lifetime}. */
  static MeshCa start(Path dir, Duration lifetime) {
    try {
      return new MeshCa(dir, lifetime, true);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  int port() {
    return server.getPort();
  }

  String address() {
    return "127.0.0.1:" + port();
  }

  /** A workload certificate for {@code spiffeId} (a sidecar's), with its key. */
  IssuedCert workload(String spiffeId) {
    return factory.workload(root, Duration.ofDays(30), spiffeId);
  }

  private static final ThreadLocal<Metadata> HEADERS = new ThreadLocal<>();

  private byte[] sign(byte[] request) {
    Metadata headers = HEADERS.get();
    String authorization = headers.get(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER));
    String clusterId = headers.get(Metadata.Key.of("clusterid", Metadata.ASCII_STRING_MARSHALLER));
    UnknownFieldSet fields;
    try {
      fields = UnknownFieldSet.parseFrom(request);
    } catch (InvalidProtocolBufferException e) {
      throw Status.INVALID_ARGUMENT.withDescription("not protobuf: " + e.getMessage()).asRuntimeException();
    }
    // IstioCertificateRequest: csr = 1 (string), validity_duration = 3 (int64), metadata = 4 (Struct).
    String csr = fields.hasField(1) ? fields.getField(1).getLengthDelimitedList().get(0).toStringUtf8() : "";
    long validity = fields.hasField(3) ? fields.getField(3).getVarintList().get(0) : 0;
    requests.add(new Seen(authorization, clusterId, csr, validity, System.nanoTime()));
    if (down) {
      refused.incrementAndGet();
      throw Status.UNAVAILABLE.withDescription("istiod is down (test)").asRuntimeException();
    }
    if (!("Bearer " + token).equals(authorization)) {
      refused.incrementAndGet();
      throw Status.UNAUTHENTICATED.withDescription("bad token").asRuntimeException();
    }
    // As Istio's CA: the requested validity, up to the CA's maximum.
    Duration validFor = validity > 0 && validity < lifetime.toSeconds() ? Duration.ofSeconds(validity) : lifetime;
    X509Certificate leaf = factory.signRequest(root, csr, validFor);
    // IstioCertificateResponse: repeated string cert_chain = 1, leaf first, root last.
    UnknownFieldSet.Field chain = UnknownFieldSet.Field.newBuilder()
        .addLengthDelimited(ByteString.copyFromUtf8(new IssuedCert(leaf, null, List.of(leaf)).certificatePem()))
        .addLengthDelimited(ByteString.copyFromUtf8(root.certificatePem()))
        .build();
    return UnknownFieldSet.newBuilder().addField(1, chain).build().toByteArray();
  }

  /** Keeps each call's headers for its handler (unary calls run the handler on the thread that delivers the message). */
  private static final class Headers implements ServerInterceptor {
    @Override public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                                ServerCallHandler<Q, R> next) {
      ServerCall.Listener<Q> delegate = next.startCall(call, headers);
      return new io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
        @Override public void onHalfClose() {
          HEADERS.set(headers);
          try {
            super.onHalfClose();
          } finally {
            HEADERS.remove();
          }
        }
      };
    }
  }

  private static final MethodDescriptor.Marshaller<byte[]> RAW = new MethodDescriptor.Marshaller<>() {
    @Override public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };

  @Override public void close() {
    server.shutdownNow();
  }
}
