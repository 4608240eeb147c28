package io.gatehouse.gateway;

import io.gatehouse.certs.IssuedCert;
import io.gatehouse.certs.KeyFormat;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A workload behind an Envoy sidecar in a STRICT mesh, as far as the gateway can tell: an HTTPS
 * server on 127.0.0.1 (BoringSSL, which takes Istio's {@code outbound_.…} SNI) that requires a
 * client certificate chained to the mesh root and presents a SPIFFE workload certificate from the
 * test CA. It records the SPIFFE id and serial of each client certificate and the SNI it was
 * asked for, answers with {@code x-upstream: NAME}, and closes every tenth connection so that
 * traffic keeps making new handshakes.
 */
final class MeshSidecar implements AutoCloseable {
  final String name;
  final List<String> clientIds = new CopyOnWriteArrayList<>();
  final Set<String> clientSerials = ConcurrentHashMap.newKeySet();
  final Set<String> snis = ConcurrentHashMap.newKeySet();
  final AtomicInteger served = new AtomicInteger();
  private final HttpServer server;

  private MeshSidecar(String name, HttpServer server) {
    this.name = name;
    this.server = server;
  }

  /** A sidecar whose workload certificate, from {@code ca}, names {@code spiffeId}. */
  static MeshSidecar start(Vertx vertx, MeshCa ca, String name, String spiffeId) {
    IssuedCert workload = ca.workload(spiffeId);
    MeshSidecar[] self = new MeshSidecar[1];
    HttpServer server = vertx.createHttpServer(new HttpServerOptions().setSsl(true).setSni(true)
            .setSslEngineOptions(new io.vertx.core.net.OpenSSLEngineOptions())
            .setClientAuth(ClientAuth.REQUIRED)
            .setKeyCertOptions(new PemKeyCertOptions().addCertValue(Buffer.buffer(workload.certificatePem()))
                .addKeyValue(Buffer.buffer(workload.privateKeyPem(KeyFormat.PKCS8))))
            .setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(ca.root.certificatePem()))))
        .requestHandler(req -> {
          MeshSidecar s = self[0];
          try {
            X509Certificate peer = (X509Certificate) req.connection().peerCertificates().get(0);
            s.clientIds.add(String.valueOf(peer.getSubjectAlternativeNames().iterator().next().get(1)));
            s.clientSerials.add(peer.getSerialNumber().toString(16));
          } catch (Exception e) {
            s.clientIds.add("none: " + e);
          }
          s.snis.add(String.valueOf(req.connection().indicatedServerName()));
          if (s.served.incrementAndGet() % 10 == 0) {
            req.response().putHeader("connection", "close");
          }
          req.response().putHeader("x-upstream", name).end(name);
        });
    self[0] = new MeshSidecar(name, server);
    Await.result(server.listen(0, "127.0.0.1"));
    return self[0];
  }

  int port() {
    return server.actualPort();
  }

  @Override public void close() {
    Await.result(server.close());
  }
}
