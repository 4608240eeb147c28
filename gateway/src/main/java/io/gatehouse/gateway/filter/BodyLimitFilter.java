package io.gatehouse.gateway.filter;

import io.gatehouse.gateway.proxy.Exchange;
import io.gatehouse.gateway.proxy.Filter;
import io.gatehouse.gateway.proxy.GatewayException;
import io.gatehouse.gateway.proxy.Reason;
import io.gatehouse.gateway.proxy.RequestBodies;
import io.gatehouse.gateway.proxy.Stage;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.http.HttpVersion;

/**
 * A route's {@code maxBodySize}: a declared {@code Content-Length} over it gets 413 before any
 * upstream is contacted; a body of unknown length is counted as it streams, and the request is
 * cut off (upstream reset, 413 if the response has not started) when it passes the limit.
 */
final class BodyLimitFilter implements Filter {
  private final long maxBytes;
  private final Counter rejected;

  BodyLimitFilter(long maxBytes, Counter rejected) {
    this.maxBytes = maxBytes;
    this.rejected = rejected;
  }

  @Override public Stage wrap(Stage next) {
    return ex -> {
      long declared = RequestBodies.declaredLength(ex.request());
      if (declared > maxBytes) {
        return tooLarge(ex, "content-length " + declared + " > " + maxBytes);
      }
      if (declared < 0 && RequestBodies.hasBody(ex.request())) {
        ex.body(new CountingBody(ex.request(), maxBytes, () -> {
          rejected.increment();
          closeAfterResponse(ex);
          return new GatewayException(Reason.PAYLOAD_TOO_LARGE, "body passed " + maxBytes + " bytes");
        }));
      }
      return next.handle(ex);
    };
  }

  private Future<Void> tooLarge(Exchange ex, String detail) {
    rejected.increment();
    closeAfterResponse(ex);
    return Future.failedFuture(new GatewayException(Reason.PAYLOAD_TOO_LARGE, detail));
  }

  /** The rest of the body is not wanted: tell an HTTP/1.1 client to close rather than send it. */
  private static void closeAfterResponse(Exchange ex) {
    if (ex.request().version() != HttpVersion.HTTP_2) {
      ex.beforeResponse(headers -> headers.set("connection", "close"));
    }
  }
}
