package io.gatehouse.gateway.proxy;

import io.gatehouse.routes.Listener;
import io.gatehouse.routes.ListenerLimits;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpServerOptions;
import java.util.concurrent.TimeUnit;

/**
 * A listener's address, limits and PROXY protocol as Vert.x server options. Heads over the size
 * limits are refused by the HTTP codec itself (see {@link Ingress#invalid}); HTTP/2 gets the
 * same header budget, the stream limit, and Vert.x's reset-flood guard (CVE-2023-44487).
 * WebSocket compression is off: upgrades are tunnelled as bytes, so {@code Sec-WebSocket-Extensions}
 * is for client and upstream to agree on; Vert.x's extension handler would otherwise sit in every
 * connection's pipeline and look at every request and response.
 *
 * <p>HTTP/1.x connections run in Vert.x's strict thread mode: a response is written on its
 * connection's event loop only (a proxied one from the upstream connection's read, which runs on
 * the same loop; whatever completes on another thread, such as a JWKS fetch or a DNS answer, hops
 * back to the request's context first), so Vert.x writes straight to the channel instead of
 * through a cross-thread queue, a 4 KB array per connection (perf/RESULTS.md, "HTTP/1.x strict
 * thread mode"). A write from another thread fails with an {@code IllegalStateException} rather
 * than racing. HTTP/2 connections have no such mode.
 */
final class ListenerOptions {
  private ListenerOptions() {}

  static HttpServerOptions of(Listener listener) {
    ListenerLimits limits = listener.limits();
    int headerBytes = (int) limits.maxHeaderSize().bytes();
    Http2Settings h2 = new Http2Settings()
        .setMaxConcurrentStreams(limits.http2MaxConcurrentStreams())
        .setMaxHeaderListSize(headerBytes);
    HttpServerOptions options = new HttpServerOptions()
        .setHost(listener.address())
        .setPort(listener.port())
        .setMaxHeaderSize(headerBytes)
        .setMaxInitialLineLength((int) limits.maxUriLength().bytes())
        .setIdleTimeout((int) limits.idleTimeout().toMillis())
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
        .setInitialSettings(h2)
        .setHttp2RstFloodMaxRstFramePerWindow(limits.http2MaxResets())
        .setHttp2RstFloodWindowDuration((int) limits.http2ResetWindow().toMillis())
        .setHttp2RstFloodWindowDurationTimeUnit(TimeUnit.MILLISECONDS)
        .setPerFrameWebSocketCompressionSupported(false)
        .setPerMessageWebSocketCompressionSupported(false)
        .setStrictThreadMode(true);
    if (listener.proxyProtocol()) {
      options.setUseProxyProtocol(true)
          .setProxyProtocolTimeout(limits.headerReadTimeout().toMillis())
          .setProxyProtocolTimeoutUnit(TimeUnit.MILLISECONDS);
    }
    return options;
  }
}
