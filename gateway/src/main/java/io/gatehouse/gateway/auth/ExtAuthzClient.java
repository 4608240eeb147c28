package io.gatehouse.gateway.auth;

import io.gatehouse.gateway.proxy.Exchange;
import io.gatehouse.routes.auth.ExtAuthz;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Asks an HTTP external authorization service about a request, as Envoy's ext_authz HTTP filter
 * does: same method, the service's path prefix then the request's path and query, the headers
 * {@code Host} (the request's), {@code Authorization}, {@code Content-Length: 0} and those
 * configured, no body. Long-lived: one pooled client per service config.
 */
final class ExtAuthzClient {
  /** What the service said. */
  sealed interface Outcome {
    /** 2xx: go on, adding {@code upstream} headers to the request. */
    record Allowed(MultiMap upstream) implements Outcome {}

    /** Any other status: the client gets this answer. */
    record Denied(int status, MultiMap headers, Buffer body) implements Outcome {}

    /** No answer in time, or none at all. */
    record Failed(String why) implements Outcome {}
  }

  /** Headers of a denial that describe the service's connection or body framing, never passed on. */
  private static final Set<String> NOT_PASSED = Set.of("connection", "keep-alive", "transfer-encoding", "content-length",
      "host", "upgrade", "te", "trailer", "proxy-connection");

  private final ExtAuthz config;
  private final HttpClient client;
  private final String base;
  private final String prefix;

  ExtAuthzClient(Vertx vertx, ExtAuthz config) {
    this.config = config;
    URI uri = URI.create(config.uri());
    boolean tls = "https".equals(uri.getScheme());
    int port = uri.getPort() > 0 ? uri.getPort() : tls ? 443 : 80;
    this.base = uri.getScheme() + "://" + uri.getRawAuthority();
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    this.prefix = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    this.client = vertx.createHttpClient(new HttpClientOptions().setSsl(tls).setVerifyHost(true)
        .setDefaultHost(uri.getHost()).setDefaultPort(port).setConnectTimeout((int) Math.max(1, config.timeout().toMillis()))
        .setKeepAlive(true));
  }

  ExtAuthz config() {
    return config;
  }

  Future<Outcome> check(Exchange ex) {
    String query = ex.request().query();
    RequestOptions request = new RequestOptions().setMethod(HttpMethod.valueOf(ex.method()))
        .setAbsoluteURI(base + prefix + ex.path() + (query == null ? "" : "?" + query));
    MultiMap headers = request.getHeaders() == null ? MultiMap.caseInsensitiveMultiMap() : request.getHeaders();
    String host = ex.request().getHeader("host");
    if (host == null && ex.request().authority() != null) {
      host = ex.request().authority().toString();
    }
    if (host != null) {
      headers.set("host", host);
    }
    String authorization = ex.request().getHeader("authorization");
    if (authorization != null) {
      headers.set("authorization", authorization);
    }
    for (String name : config.headersToSend()) {
      String value = ex.request().getHeader(name);
      if (value != null) {
        headers.set(name, value);
      }
    }
    headers.set("content-length", "0");
    request.setHeaders(headers);
    return client.request(request)
        .compose(req -> req.send().compose(resp -> resp.body().map(body -> outcome(resp.statusCode(), resp.headers(), body))))
        .timeout(config.timeout().toMillis(), TimeUnit.MILLISECONDS)
        .recover(e -> Future.succeededFuture(new Outcome.Failed(e instanceof java.util.concurrent.TimeoutException
            ? "no answer within " + config.timeout().toMillis() + "ms" : String.valueOf(e.getMessage()))));
  }

  private Outcome outcome(int status, MultiMap headers, Buffer body) {
    if (status >= 200 && status < 300) {
      MultiMap upstream = MultiMap.caseInsensitiveMultiMap();
      for (String name : config.headersToUpstream()) {
        if (headers.contains(name)) {
          upstream.set(name, headers.getAll(name));
        }
      }
      return new Outcome.Allowed(upstream);
    }
    MultiMap client = MultiMap.caseInsensitiveMultiMap();
    headers.forEach((name, value) -> {
      String lower = name.toLowerCase(java.util.Locale.ROOT);
      if (!NOT_PASSED.contains(lower) && (config.headersToClient().isEmpty() || config.headersToClient().contains(lower))) {
        client.add(name, value);
      }
    });
    return new Outcome.Denied(status, client, body);
  }

  void close() {
    client.close();
  }
}
