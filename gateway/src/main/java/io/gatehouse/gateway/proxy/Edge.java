package io.gatehouse.gateway.proxy;

import io.gatehouse.certs.CertStore;
import io.gatehouse.routes.Action;
import io.gatehouse.routes.Listener;
import io.gatehouse.routes.ListenerEdge;
import io.gatehouse.routes.ListenerEdge.UnderscoreHeaders;
import io.gatehouse.routes.table.PathNormalizer;
import io.vertx.core.Future;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What a listener does to every request before a route runs (DESIGN.md, "The edge"), from its
 * {@link ListenerEdge}: the one normalised path (see {@link PathNormalizer}) that routes match and
 * upstreams receive; underscore header names; the Host checked against the certificate the
 * connection was served with (421); and, for {@link ForwardedHeaders}, which peers are trusted
 * proxies and the original-path header. Built once per listener instance.
 *
 * <p>Per request, for the defaults: one scan of the path, and on HTTPS one SNI lookup and one hash
 * lookup of the Host; nothing is allocated for an already-normal path and a lowercase Host.
 */
public final class Edge {
  /** Egress forwards to servers outside the mesh: paths as sent, no Host check, nothing trusted. */
  static final Edge EGRESS = new Edge(PathNormalizer.NONE, ListenerEdge.DEFAULT, ClientTrust.NONE, null);

  private static final Stage PATH_REDIRECT = redirect();

  private final PathNormalizer paths;
  private final ListenerEdge config;
  private final ClientTrust trust;
  private final Supplier<CertStore> certificates;

  private Edge(PathNormalizer paths, ListenerEdge config, ClientTrust trust, Supplier<CertStore> certificates) {
    this.paths = paths;
    this.config = config;
    this.trust = trust;
    this.certificates = certificates;
  }

  /**
   * The edge of {@code listener}; {@code certificates} gives the HTTPS listener's current store (null
   * for plain HTTP), read per request so that rotation is seen.
   */
  public static Edge of(Listener listener, Supplier<CertStore> certificates) {
    ListenerEdge config = listener.edge();
    boolean checkHost = certificates != null && config.hostMustMatchCertificate()
        && listener.protocol() == Listener.Protocol.HTTPS;
    return new Edge(PathNormalizer.of(config), config, ClientTrust.of(config), checkHost ? certificates : null);
  }

  /** The normalised form of a request's path, or null when it is refused (see {@link #admit}). */
  String normalize(String path) {
    return paths.normalize(path);
  }

  /**
   * Null when the request may be routed; otherwise what answers it instead: 400 for a path that
   * cannot be normalised safely or a header name with {@code _} (when rejected), the redirect of
   * UNESCAPE_AND_REDIRECT, or 421 for a Host the connection's certificate does not cover.
   */
  Future<Void> admit(Exchange ex) {
    HttpServerRequest request = ex.request();
    if (ex.path() == null) {
      return Future.failedFuture(new GatewayException(Reason.PATH_NORMALIZATION_FAILED, paths.rejection(request.path())));
    }
    if (ex.path() != request.path() && paths.redirects(request.path())) {
      return PATH_REDIRECT.handle(ex);
    }
    if (config.headersWithUnderscores() == UnderscoreHeaders.REJECT_REQUEST) {
      for (Map.Entry<String, String> header : request.headers()) {
        if (header.getKey().indexOf('_') >= 0) {
          return Future.failedFuture(new GatewayException(Reason.UNDERSCORE_HEADER, header.getKey()));
        }
      }
    }
    if (certificates != null) {
      String host = ex.host();
      HttpConnection connection = request.connection();
      if (host != null && !certificates.get().covers(connection.indicatedServerName(), host)) {
        return Future.failedFuture(new GatewayException(Reason.MISDIRECTED_REQUEST,
            "host " + host + " (server name " + connection.indicatedServerName() + ")"));
      }
    }
    return null;
  }

  /** Whether header names with {@code _} are dropped: routes do not see them and upstreams do not get them. */
  boolean dropsUnderscoreHeaders() {
    return config.headersWithUnderscores() == UnderscoreHeaders.DROP_HEADER;
  }

  ClientTrust trust() {
    return trust;
  }

  /** The header that carries the client's path when normalisation changed it; empty: none. */
  String originalPathHeader() {
    return config.originalPathHeader();
  }

  /** UNESCAPE_AND_REDIRECT: 307 to the normalised path (same method and body), logged as route "path-redirect". */
  private static Stage redirect() {
    Redirector redirector = new Redirector(new Action.Redirect("", "", 0, "", 307));
    return ex -> {
      ex.route("path-redirect");
      return redirector.handle(ex);
    };
  }
}
