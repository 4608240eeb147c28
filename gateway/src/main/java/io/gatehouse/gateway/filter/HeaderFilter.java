package io.gatehouse.gateway.filter;

import io.gatehouse.gateway.proxy.Filter;
import io.gatehouse.gateway.proxy.Stage;
import io.gatehouse.routes.HeaderOps;
import io.vertx.core.MultiMap;
import java.util.Map;

/** The route's header edits: on the request going upstream now, on the response head when it comes. */
public record HeaderFilter(HeaderOps ops) implements Filter {

  @Override public Stage wrap(Stage next) {
    HeaderOps.Edits request = ops.request();
    HeaderOps.Edits response = ops.response();
    return ex -> {
      if (!request.isEmpty()) {
        apply(request, ex.upstreamHeaders());
      }
      if (!response.isEmpty()) {
        ex.beforeResponse(headers -> apply(response, headers));
      }
      return next.handle(ex);
    };
  }

  /** Remove, then set (replace), then add (append). */
  static void apply(HeaderOps.Edits edits, MultiMap headers) {
    for (String name : edits.remove()) {
      headers.remove(name);
    }
    for (Map.Entry<String, String> e : edits.set().entrySet()) {
      headers.set(e.getKey(), e.getValue());
    }
    for (Map.Entry<String, String> e : edits.add().entrySet()) {
      headers.add(e.getKey(), e.getValue());
    }
  }
}
