package io.gatehouse.certs.mesh;

import com.google.protobuf.DynamicMessage;
import io.grpc.CallOptions;
import io.grpc.ChannelCredentials;
import io.grpc.ClientInterceptors;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One gRPC channel to the mesh CA and its {@code CreateCertificate} call, with the headers
 * istio-agent sends: {@code authorization: Bearer <token>} and {@code ClusterID}. TLS is verified
 * against the mesh root (istiod's serving certificate is issued for {@code istiod.<ns>.svc} by
 * the same root); plaintext only when the config allows it (loopback CAs).
 */
final class IstioCaClient implements AutoCloseable {
  private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  /** istio-agent's header name; gRPC sends it lowercased, as HTTP/2 requires. */
  private static final Metadata.Key<String> CLUSTER_ID = Metadata.Key.of("ClusterID", Metadata.ASCII_STRING_MARSHALLER);
  private static final long DEADLINE_SECONDS = 10;

  private final ManagedChannel channel;
  private final String clusterId;
  private final byte[] roots;

  private IstioCaClient(ManagedChannel channel, String clusterId, byte[] roots) {
    this.channel = channel;
    this.clusterId = clusterId;
    this.roots = roots;
  }

  /** A channel to {@code address}, TLS trusting {@code roots} (PEM), or plaintext when {@code roots} is null. */
  static IstioCaClient connect(String address, String clusterId, byte[] roots) throws IOException {
    ChannelCredentials credentials = roots == null ? InsecureChannelCredentials.create()
        : TlsChannelCredentials.newBuilder().trustManager(new ByteArrayInputStream(roots)).build();
    return new IstioCaClient(Grpc.newChannelBuilder(address, credentials).build(), clusterId, roots);
  }

  /** Whether this channel trusts exactly {@code pem} (a rotated root file needs a new channel). */
  boolean trusts(byte[] pem) {
    return java.util.Arrays.equals(roots, pem);
  }

  /** Sends the CSR; the answer is the PEM chain, leaf first. */
  Future<List<String>> sign(String csrPem, long validitySeconds, String token) {
    Metadata headers = new Metadata();
    headers.put(AUTHORIZATION, "Bearer " + token);
    headers.put(CLUSTER_ID, clusterId);
    Promise<List<String>> answer = Promise.promise();
    ClientCalls.asyncUnaryCall(
        ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers))
            .newCall(IstioCaProtocol.CREATE_CERTIFICATE, CallOptions.DEFAULT.withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)),
        IstioCaProtocol.request(csrPem, validitySeconds),
        new StreamObserver<>() {
          @Override public void onNext(DynamicMessage value) {
            answer.tryComplete(IstioCaProtocol.certChain(value));
          }

          @Override public void onError(Throwable t) {
            String why = t instanceof StatusRuntimeException s
                ? s.getStatus().getCode() + (s.getStatus().getDescription() == null ? "" : ": " + s.getStatus().getDescription())
                : String.valueOf(t.getMessage());
            answer.tryFail(new IOException("CreateCertificate failed: " + why));
          }

          @Override public void onCompleted() {
            answer.tryFail(new IOException("CreateCertificate answered nothing"));
          }
        });
    return answer.future();
  }

  @Override public void close() {
    channel.shutdownNow();
  }
}
