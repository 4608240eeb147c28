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
 * <p>Not Vert.x's strict thread mode, though it would save a 4 KB write queue per connection
 * (47 MiB of RSS with 10 000 idle connections): with it, a streamed HTTP/1.1 response stalled
 * now and then in the full suite (perf/RESULTS.md, "HTTP/1.x strict thread mode").
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
        .setPerMessageWebSocketCompressionSupported(false);
    if (listener.proxyProtocol()) {
      options.setUseProxyProtocol(true)
          .setProxyProtocolTimeout(limits.headerReadTimeout().toMillis())
          .setProxyProtocolTimeoutUnit(TimeUnit.MILLISECONDS);
    }
    return options;
  }
}
