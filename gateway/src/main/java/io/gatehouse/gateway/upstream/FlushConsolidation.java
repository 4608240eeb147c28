package io.gatehouse.gateway.upstream;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.SslHandler;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * Puts Netty's {@link FlushConsolidationHandler} on a connection, after TLS (first in clear
 * text), so that what is written to it while other channels are read leaves in one flush, one TLS
 * record and one {@code send}, once the event loop has processed what was ready, instead of a
 * flush each: Vert.x flushes every write made outside the connection's own read, and a proxy
 * writes to one side from the other's read. On a client's HTTP/2 connection that is a proxied
 * response's HEADERS, DATA and closing empty DATA, and the responses of several streams whose
 * upstreams answered together; on a client's HTTP/1.1 connection, a chunked response's body and
 * its last chunk; on an HTTP/2 upstream's, a request's frames and those of every stream sent on it
 * in the same loop iteration. Writes made during the connection's own read are flushed when the read
 * ends, as before; a channel that turns unwritable is flushed at once.
 */
public final class FlushConsolidation {
  private static final String NAME = "gatehouse-flush-consolidation";

  private FlushConsolidation() {}

  /** Consolidates {@code connection}'s flushes (once; a connection Vert.x does not back with a channel is left alone). */
  public static void install(HttpConnection connection) {
    if (connection instanceof ConnectionBase base) {
      install(base.channel().pipeline());
    }
  }

  /** Consolidates the flushes of the connection whose pipeline this is (once). */
  public static void install(ChannelPipeline pipeline) {
    if (pipeline.get(FlushConsolidationHandler.class) != null) {
      return;
    }
    FlushConsolidationHandler consolidation =
        new FlushConsolidationHandler(FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true);
    ChannelHandlerContext tls = pipeline.context(SslHandler.class);
    if (tls != null) {
      pipeline.addAfter(tls.name(), NAME, consolidation);
    } else {
      pipeline.addFirst(NAME, consolidation);
    }
  }
}
