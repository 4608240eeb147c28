package io.gatehouse.gateway.filter;

import io.gatehouse.gateway.proxy.Exchange;
import io.gatehouse.gateway.proxy.Filter;
import io.gatehouse.gateway.proxy.GatewayException;
import io.gatehouse.gateway.proxy.Reason;
import io.gatehouse.gateway.proxy.RequestBodies;
import io.gatehouse.gateway.proxy.Stage;
import io.gatehouse.gateway.upstream.EndpointState;
import io.gatehouse.gateway.upstream.UpstreamClient;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.HostAndPort;
import java.util.function.DoubleSupplier;

/**
 * Copies a percentage of a route's requests to a mirror upstream, fire and forget (Envoy's
 * request mirroring): the copy is the request as it goes to the primary, with {@code -shadow}
 * appended to its host. Its answer is read and dropped; its failure is only counted. Bodies up to
 * {@link #MAX_BODY_BYTES} are copied: one with a declared length is read first, then both sides
 * get it; an unsized one (chunked, HTTP/2) is kept as it streams to the primary and the copy goes
 * when it ends. Larger bodies are not mirrored (counted as skipped).
 */
final class MirrorFilter implements Filter {
  static final long MAX_BODY_BYTES = 1024 * 1024;
  /** A mirror that has not answered by then is given up on. */
  static final long TIMEOUT_MILLIS = 10_000;

  private final UpstreamClient mirror;
  private final double percent;
  private final DoubleSupplier random;
  private final Counter sent;
  private final Counter failed;
  private final Counter skipped;

  MirrorFilter(UpstreamClient mirror, double percent, DoubleSupplier random, Counter sent, Counter failed, Counter skipped) {
    this.mirror = mirror;
    this.percent = percent;
    this.random = random;
    this.sent = sent;
    this.failed = failed;
    this.skipped = skipped;
  }

  @Override public Stage wrap(Stage next) {
    return ex -> {
      if (percent < 100 && random.getAsDouble() * 100 >= percent) {
        return next.handle(ex);
      }
      if (!RequestBodies.hasBody(ex.request())) {
        copy(ex, null);
        return next.handle(ex);
      }
      long length = RequestBodies.declaredLength(ex.request());
      if (length < 0) {
        // Unsized (chunked, HTTP/2): keep a copy as it streams to the primary; send it at the end.
        ex.body(new TeeBody(ex.body(), MAX_BODY_BYTES, body -> copy(ex, body), skipped::increment));
        return next.handle(ex);
      }
      if (length > MAX_BODY_BYTES || ex.bufferedBody() != null) {
        skipped.increment();
        return next.handle(ex);
      }
      Future<Buffer> body = ex.request().body();
      ex.request().resume(); // the ingress paused it; body() alone does not read a paused request
      return body.recover(e -> Future.failedFuture(new GatewayException(Reason.BAD_REQUEST, "request body: " + e)))
          .compose(buffer -> {
            ex.bufferedBody(buffer);
            copy(ex, buffer);
            return next.handle(ex);
          });
    };
  }

  private void copy(Exchange ex, Buffer body) {
    EndpointState endpoint = mirror.select(ex.request(), null);
    if (endpoint == null) {
      failed.increment();
      return;
    }
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().addAll(ex.upstreamHeaders());
    RequestOptions options = new RequestOptions()
        .setMethod(ex.request().method())
        .setURI(ex.upstreamUri())
        .setHeaders(headers)
        .setIdleTimeout(TIMEOUT_MILLIS);
    HostAndPort authority = shadow(ex);
    endpoint.started();
    mirror.request(endpoint, options)
        .compose(request -> {
          if (authority != null) {
            request.authority(authority);
          }
          return body == null ? request.send() : request.send(body);
        })
        .compose(HttpClientResponse::body)
        .onComplete(ar -> {
          endpoint.finished();
          (ar.succeeded() ? sent : failed).increment();
        });
  }

  /** The primary's host with {@code -shadow} appended, as Envoy does, so the mirror can tell copies apart. */
  private static HostAndPort shadow(Exchange ex) {
    String host = ex.upstreamHost();
    HostAndPort authority = ex.request().authority();
    if (host != null) {
      return HostAndPort.create(host + "-shadow", -1);
    }
    return authority == null ? null : HostAndPort.create(authority.host() + "-shadow", authority.port());
  }
}
