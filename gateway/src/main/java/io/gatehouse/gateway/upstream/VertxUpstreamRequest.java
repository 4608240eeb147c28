package io.gatehouse.gateway.upstream;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.HostAndPort;

/** An {@link UpstreamRequest} on Vert.x's HTTP client: HTTP/2 upstreams, TLS ones, and egress forwarding. */
public final class VertxUpstreamRequest implements UpstreamRequest {
  private final HttpClientRequest request;

  public VertxUpstreamRequest(HttpClientRequest request) {
    this.request = request;
  }

  @Override public MultiMap headers() {
    return request.headers();
  }

  @Override public UpstreamRequest authority(HostAndPort authority) {
    request.authority(authority);
    return this;
  }

  @Override public HttpVersion version() {
    return request.version();
  }

  @Override public boolean isChunked() {
    return request.isChunked();
  }

  @Override public UpstreamRequest setChunked(boolean chunked) {
    request.setChunked(chunked);
    return this;
  }

  @Override public Future<UpstreamResponse> response() {
    return request.response().map(Response::new);
  }

  @Override public Future<Void> write(Buffer data) {
    return request.write(data);
  }

  @Override public Future<Void> end() {
    return request.end();
  }

  @Override public Future<Void> end(Buffer body) {
    return request.end(body);
  }

  @Override public boolean writeQueueFull() {
    return request.writeQueueFull();
  }

  @Override public UpstreamRequest exceptionHandler(Handler<Throwable> handler) {
    request.exceptionHandler(handler);
    return this;
  }

  @Override public UpstreamRequest setWriteQueueMaxSize(int maxSize) {
    request.setWriteQueueMaxSize(maxSize);
    return this;
  }

  @Override public UpstreamRequest drainHandler(Handler<Void> handler) {
    request.drainHandler(handler);
    return this;
  }

  @Override public void reset(Throwable cause) {
    request.reset(0x8, cause);
  }

  /**
   * On HTTP/1.x the connection is closed rather than the request reset: Vert.x returns a reset
   * HTTP/1.x connection to its pool, and if the request head had failed to be written (Netty
   * refuses a request line it finds invalid) that connection is wedged, stalling the next request
   * given it until the route timeout (issue 13, item 1).
   */
  @Override public void abandon() {
    if (request.version() == HttpVersion.HTTP_2) {
      request.reset();
    } else {
      request.connection().close();
    }
  }

  @Override public String describe() {
    return request.getMethod() + " " + request.getURI() + " for server " + request.authority();
  }

  /** Vert.x's response, seen as an {@link UpstreamResponse}. */
  public static final class Response implements UpstreamResponse {
    private final HttpClientResponse response;

    public Response(HttpClientResponse response) {
      this.response = response;
    }

    @Override public int statusCode() {
      return response.statusCode();
    }

    @Override public String statusMessage() {
      return response.statusMessage();
    }

    @Override public MultiMap headers() {
      return response.headers();
    }

    @Override public MultiMap trailers() {
      return response.trailers();
    }

    @Override public Future<Buffer> body() {
      return response.body();
    }

    @Override public Future<Void> end() {
      return response.end();
    }

    @Override public UpstreamResponse exceptionHandler(Handler<Throwable> handler) {
      response.exceptionHandler(handler);
      return this;
    }

    @Override public UpstreamResponse handler(Handler<Buffer> handler) {
      response.handler(handler);
      return this;
    }

    @Override public UpstreamResponse pause() {
      response.pause();
      return this;
    }

    @Override public UpstreamResponse resume() {
      response.resume();
      return this;
    }

    @Override public UpstreamResponse fetch(long amount) {
      response.fetch(amount);
      return this;
    }

    @Override public UpstreamResponse endHandler(Handler<Void> endHandler) {
      response.endHandler(endHandler);
      return this;
    }
  }
}
