package io.gatehouse.certs;

import io.gatehouse.routes.Admin;
import io.gatehouse.routes.GatewayConfig;
import io.gatehouse.routes.Listener;
import io.gatehouse.routes.ListenerTls;
import io.vertx.core.http.HttpServerOptions;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.logging.Logger;

/**
 * Loads what the TLS-terminating listeners of a config serve: the certificates of every HTTPS
 * listener and TLS EGRESS listener (a dev certificate where the config asks for one), and the
 * engine they run on (BoringSSL, detected once). Blocking file I/O: call it from the config writer.
 */
public final class ListenerCertificates {
  private static final Logger LOG = Logger.getLogger(ListenerCertificates.class.getName());

  private final Path devCertDir;
  private TlsEngine engine;
  private boolean devCaLogged;

  /** {@code devCertDir}: where the dev CA and its localhost certificate live (created on first use). */
  public ListenerCertificates(Path devCertDir) {
    this.devCertDir = Objects.requireNonNull(devCertDir, "devCertDir");
  }

  /** Reads and checks the certificates of every listener that terminates TLS, keyed by listener name. */
  public synchronized Map<String, ListenerTlsSetup> load(GatewayConfig config) throws CertificateProblem {
    Map<String, ListenerTlsSetup> out = new HashMap<>();
    for (Listener listener : config.listeners()) {
      // EGRESS and TCP listeners speak TLS when they have certificates; HTTPS ones always do.
      boolean optional = listener.protocol() == Listener.Protocol.EGRESS || listener.protocol() == Listener.Protocol.TCP;
      if (listener.protocol() != Listener.Protocol.HTTPS && !(optional && !listener.tls().certificates().isEmpty())) {
        continue;
      }
      TlsEngine engine = engine("listener " + listener.name(), listener.tls());
      try {
        ListenerTls tls = DevCertificates.resolve(listener.tls(), devCertDir);
        if (tls != listener.tls() && !devCaLogged) {
          devCaLogged = true;
          Path ca = devCertDir.resolve("dev-ca.crt");
          LOG.info(() -> "listener " + listener.name() + " serves a dev certificate; trust " + ca
              + " (e.g. curl --cacert " + ca + ")");
        }
        out.put(listener.name(), new ListenerTlsSetup(CertStore.load(tls), engine));
      } catch (CertificateProblem e) {
        throw new CertificateProblem("listener " + listener.name() + ": " + e.getMessage());
      }
    }
    return out;
  }

  /** {@code options} with the admin listener's TLS (mutual with a client CA) when {@code admin.tls} has certificates. */
  public synchronized HttpServerOptions admin(Admin admin, HttpServerOptions options) throws CertificateProblem {
    if (!admin.secure()) {
      return options;
    }
    return TlsServerOptions.apply(options, admin.tls(), CertStore.load(admin.tls()), engine("admin", admin.tls()));
  }

  /** BoringSSL; the JDK engine only for a listener ({@code what}) whose TLS block allows it, when BoringSSL cannot load. */
  private TlsEngine engine(String what, ListenerTls tls) throws CertificateProblem {
    if (engine == null || (!engine.isBoringSsl() && !tls.allowJdkFallback())) {
      try {
        engine = TlsEngine.detect(tls.allowJdkFallback());
      } catch (IllegalStateException e) {
        throw new CertificateProblem(what + ": " + e.getMessage()
            + " (set tls.allowJdkFallback: true to serve on the JDK engine)");
      }
      TlsEngine detected = engine;
      if (detected.isBoringSsl()) {
        LOG.info(() -> "TLS provider: " + detected.describe());
      } else {
        LOG.warning(() -> "TLS provider: " + detected.describe());
      }
    }
    return engine;
  }
}
