package io.gatehouse.gateway.upstream;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.DelegatingSslContext;
import io.netty.handler.ssl.OpenSslSessionContext;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.internal.tcnative.SSL;
import io.netty.handler.ssl.SslContext;
import io.vertx.core.net.JdkSSLEngineOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.SSLEngineOptions;
import io.vertx.core.spi.tls.SslContextFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
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

  /**
   * {@code engine} (BoringSSL or the JDK's) with the mesh protocols offered first, sending
   * {@code sni} (empty: Istio's {@code outbound_.<port>_._.<host>} for the host Vert.x connects
   * to and the endpoint's port).
   */
  static SSLEngineOptions of(SSLEngineOptions engine, String sni) {
    return engine instanceof OpenSSLEngineOptions openSsl ? new OpenSsl(openSsl, sni) : new Jdk(sni);
  }

  private static SslContextFactory wrap(SslContextFactory delegate, String sni) {
    return new SslContextFactory() {
      private String host = "";

      @Override public SslContextFactory useAlpn(boolean useAlpn) {
        delegate.useAlpn(useAlpn);
        return this;
      }

      @Override public SslContextFactory forServer(ClientAuth clientAuth) {
        delegate.forServer(clientAuth);
        return this;
      }

      @Override public SslContextFactory forClient(SNIServerName serverName, String peerHost) {
        host = serverName instanceof SNIHostName name ? name.getAsciiName() : "";
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
        if (protocols == null) {
          delegate.applicationProtocols(null); // a context without ALPN (health checks, some pool paths)
          return this;
        }
        List<String> all = new ArrayList<>(MESH_PROTOCOLS);
        protocols.stream().filter(p -> !all.contains(p)).forEach(all::add);
        delegate.applicationProtocols(all);
        return this;
      }

      @Override public SslContext create() throws SSLException {
        SslContext context = delegate.create();
        // A resumed session carries the identity of its first handshake: after a rotation, new
        // connections must present the new certificate (Envoy starts a new TLS context per secret).
        if (context.isClient() && context.sessionContext() instanceof OpenSslSessionContext sessions) {
          sessions.setSessionCacheEnabled(false);
        }
        return context.isClient() ? new IstioSni(context, sni, host) : context;
      }
    };
  }

  /**
   * Sets the SNI on each new client engine. Istio's name has underscores, which the JDK's
   * {@code SNIHostName} refuses (Vert.x builds one from the request's host), so Vert.x gets the
   * plain host and the Istio name, with the engine's port, is handed to BoringSSL directly (which
   * takes it, as Envoy's BoringSSL does). On the JDK engine fallback no SNI can carry it.
   */
  private static final class IstioSni extends DelegatingSslContext {
    private final String sni;
    private final String host;

    IstioSni(SslContext context, String sni, String host) {
      super(context);
      this.sni = sni;
      this.host = host;
    }

    @Override protected void initEngine(SSLEngine engine) {
      String name = !sni.isEmpty() ? sni : host.isEmpty() ? "" : UpstreamTlsOptions.meshSni(host, engine.getPeerPort());
      if (!name.isEmpty() && engine instanceof ReferenceCountedOpenSslEngine openSsl) {
        SSL.setTlsExtHostName(openSsl.sslPointer(), name);
      }
    }
  }

  private static final class OpenSsl extends OpenSSLEngineOptions {
    private final String sni;

    OpenSsl(OpenSSLEngineOptions other, String sni) {
      super(other);
      this.sni = sni;
    }

    @Override public SslContextFactory sslContextFactory() {
      return wrap(super.sslContextFactory(), sni);
    }

    @Override public OpenSsl copy() {
      return new OpenSsl(this, sni);
    }
  }

  private static final class Jdk extends JdkSSLEngineOptions {
    private final String sni;

    Jdk(String sni) {
      this.sni = sni;
    }

    @Override public SslContextFactory sslContextFactory() {
      return wrap(super.sslContextFactory(), sni);
    }

    @Override public Jdk copy() {
      return new Jdk(sni);
    }
  }
}
