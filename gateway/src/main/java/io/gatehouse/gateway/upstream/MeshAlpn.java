package io.gatehouse.gateway.upstream;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.vertx.core.net.JdkSSLEngineOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.SSLEngineOptions;
import io.vertx.core.spi.tls.SslContextFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;

/**
 * The TLS engine of ISTIO_MUTUAL upstream clients: the gateway's usual engine, offering ALPN
 * {@code istio-peer-exchange, istio} before the HTTP protocols, as Envoy does for in-mesh
 * clusters (Istio's {@code ALPNInMeshWithMxc}; sidecars route in-mesh traffic by them). Vert.x's
 * HTTP client offers only HTTP versions, so the list is completed here, at the one place Vert.x
 * hands the protocols to the SSL context.
 */
final class MeshAlpn {
  /** What Istio offers to in-mesh upstreams ahead of the HTTP protocols. */
  static final List<String> MESH_PROTOCOLS = List.of("istio-peer-exchange", "istio");

  private MeshAlpn() {}

  /** {@code engine} (BoringSSL or the JDK's) with the mesh protocols offered first. */
  static SSLEngineOptions of(SSLEngineOptions engine) {
    return engine instanceof OpenSSLEngineOptions openSsl ? new OpenSsl(openSsl) : new Jdk();
  }

  private static SslContextFactory wrap(SslContextFactory delegate) {
    return new SslContextFactory() {
      @Override public SslContextFactory useAlpn(boolean useAlpn) {
        delegate.useAlpn(useAlpn);
        return this;
      }

      @Override public SslContextFactory forServer(ClientAuth clientAuth) {
        delegate.forServer(clientAuth);
        return this;
      }

      @Override public SslContextFactory forClient(SNIServerName serverName, String peerHost) {
        delegate.forClient(serverName, peerHost);
        return this;
      }

      @Override public SslContextFactory enabledProtocols(Set<String> protocols) {
        delegate.enabledProtocols(protocols);
        return this;
      }

      @Override public SslContextFactory keyMananagerFactory(KeyManagerFactory factory) {
        delegate.keyMananagerFactory(factory);
        return this;
      }

      @Override public SslContextFactory trustManagerFactory(TrustManagerFactory factory) {
        delegate.trustManagerFactory(factory);
        return this;
      }

      @Override public SslContextFactory enabledCipherSuites(Set<String> cipherSuites) {
        delegate.enabledCipherSuites(cipherSuites);
        return this;
      }

      @Override public SslContextFactory applicationProtocols(List<String> protocols) {
        List<String> all = new ArrayList<>(MESH_PROTOCOLS);
        protocols.stream().filter(p -> !all.contains(p)).forEach(all::add);
        delegate.applicationProtocols(all);
        return this;
      }

      @Override public SslContext create() throws SSLException {
        return delegate.create();
      }
    };
  }

  private static final class OpenSsl extends OpenSSLEngineOptions {
    OpenSsl(OpenSSLEngineOptions other) {
      super(other);
    }

    @Override public SslContextFactory sslContextFactory() {
      return wrap(super.sslContextFactory());
    }

    @Override public OpenSsl copy() {
      return new OpenSsl(this);
    }
  }

  private static final class Jdk extends JdkSSLEngineOptions {
    @Override public SslContextFactory sslContextFactory() {
      return wrap(super.sslContextFactory());
    }

    @Override public Jdk copy() {
      return new Jdk();
    }
  }
}
