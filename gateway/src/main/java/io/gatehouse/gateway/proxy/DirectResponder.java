package io.gatehouse.gateway.proxy;

import io.gatehouse.routes.Action;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;

/** Answers with the route's fixed status and body; no upstream is involved. */
final class DirectResponder implements Stage {
  private final int status;
  private final Buffer body;

  DirectResponder(Action.DirectResponse response) {
    this.status = response.status();
    this.body = Buffer.buffer(response.body());
  }

  @Override public Future<Void> handle(Exchange ex) {
    ex.response().setStatusCode(status).putHeader("content-type", "text/plain; charset=utf-8");
    ex.editResponseHead(ex.response().headers());
    return ex.response().end(body);
  }
}
