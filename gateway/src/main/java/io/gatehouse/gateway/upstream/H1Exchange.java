package io.gatehouse.gateway.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.impl.headers.HeadersAdaptor;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.impl.VertxHandler;
import java.util.ArrayDeque;
import java.util.Map;

/**
 * One request on an {@link H1Connection} and the response to it. The head is encoded from the
 * proxy's own header map (a Netty {@code HttpHeaders} already: no copy) with the first body write
 * or the end; {@code Host} and the framing header it adds for the encoder are taken out again
 * once the head is encoded, so a retry starts from the same map. Body pieces are written and
 * flushed as they come. The response's body pieces are copied to the heap (as Vert.x's client
 * does) and held while the reader is paused; past {@link #HIGH_WATER} pieces the connection stops
 * reading until the reader catches up.
 */
final class H1Exchange implements UpstreamRequest {
  private static final int HIGH_WATER = 8;
  private static final Object END = new Object();
  private static final MultiMap NO_TRAILERS = new HeadersAdaptor(EmptyHttpHeaders.INSTANCE);

  final ContextInternal context;
  private final H1Connection connection;
  private final HttpMethod method;
  private final String uri;
  private final MultiMap headers;
  private final EndpointState endpoint;
  private final Promise<UpstreamResponse> response;
  private HostAndPort authority;
  private boolean chunked;
  private boolean headWritten;
  private boolean requestEnded;
  private boolean responseEnded;
  /**
   * Whether the head is in but not handed over yet: it waits for the rest of what the connection
   * read with it, so that a body that came whole (the common small answer) is handed over with
   * the head and relayed in one write ({@link Response#takeCompleteBody}).
   */
  private boolean holding;
  private Throwable failure;
  private Handler<Void> drainHandler;
  private Handler<Throwable> exceptionHandler;
  private Response body;

  H1Exchange(H1Connection connection, ContextInternal context, HttpMethod method, String uri, MultiMap headers,
             EndpointState endpoint) {
    this.connection = connection;
    this.context = context;
    this.method = method;
    this.uri = uri;
    this.headers = headers;
    this.endpoint = endpoint;
    this.response = context.promise();
  }

  // ---- the request

  @Override public MultiMap headers() {
    return headers;
  }

  @Override public UpstreamRequest authority(HostAndPort authority) {
    this.authority = authority;
    return this;
  }

  @Override public HttpVersion version() {
    return HttpVersion.HTTP_1_1;
  }

  @Override public boolean isChunked() {
    return chunked;
  }

  @Override public UpstreamRequest setChunked(boolean chunked) {
    this.chunked = chunked;
    return this;
  }

  @Override public Future<UpstreamResponse> response() {
    return response.future();
  }

  private boolean writable() {
    return failure == null && connection.current == this && !requestEnded;
  }

  private Future<Void> refused() {
    return context.failedFuture(failure != null ? failure
        : new HttpClosedException(requestEnded ? "The request has ended" : "Connection was closed"));
  }

  @Override public Future<Void> write(Buffer data) {
    if (!writable()) {
      return refused();
    }
    Channel channel = connection.channel;
    if (!headWritten) {
      writeHead(null, false);
    }
    channel.writeAndFlush(new DefaultHttpContent(bytes(data)), channel.voidPromise());
    return context.succeededFuture();
  }

  @Override public Future<Void> end() {
    return end(null);
  }

  @Override public Future<Void> end(Buffer last) {
    if (!writable()) {
      return refused();
    }
    Channel channel = connection.channel;
    if (!headWritten) {
      writeHead(last == null ? null : bytes(last), true);
      channel.flush();
    } else {
      if (last != null && last.length() > 0) {
        channel.write(new DefaultHttpContent(bytes(last)), channel.voidPromise());
      }
      channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT, channel.voidPromise());
    }
    requestEnded = true;
    connection.requestEnded(this);
    return context.succeededFuture();
  }

  private static ByteBuf bytes(Buffer buffer) {
    return ((BufferInternal) buffer).getByteBuf();
  }

  /**
   * Encodes the head, with the whole body when {@code end}. Without a length, a body that does not
   * come whole goes chunked; a whole one gets its length (none when there is no body at all: the
   * caller sets {@code Content-Length: 0} where the method needs it).
   */
  private void writeHead(ByteBuf whole, boolean end) {
    headWritten = true;
    HttpHeaders h = headers instanceof HttpHeaders netty ? netty : copy(headers);
    boolean addedHost = false;
    boolean addedFraming = false;
    if (!h.contains(HttpHeaderNames.HOST)) {
      h.set(HttpHeaderNames.HOST, host());
      addedHost = true;
    }
    HttpRequest head;
    if (end) {
      if (chunked) {
        addedFraming = setIfAbsent(h, HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
      } else if (whole != null) {
        addedFraming = setIfAbsent(h, HttpHeaderNames.CONTENT_LENGTH, Integer.toString(whole.readableBytes()));
      }
      head = new DefaultFullHttpRequest(io.netty.handler.codec.http.HttpVersion.HTTP_1_1, method.toNetty(), uri,
          whole == null ? Unpooled.EMPTY_BUFFER : whole, h, EmptyHttpHeaders.INSTANCE);
    } else {
      if (!chunked && !h.contains(HttpHeaderNames.CONTENT_LENGTH)) {
        chunked = true;
      }
      if (chunked) {
        addedFraming = setIfAbsent(h, HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
      }
      head = new DefaultHttpRequest(io.netty.handler.codec.http.HttpVersion.HTTP_1_1, method.toNetty(), uri, h);
    }
    Channel channel = connection.channel;
    channel.write(head, channel.voidPromise()); // encoded now, on this loop: the map can change again after
    if (addedHost) {
      h.remove(HttpHeaderNames.HOST);
    }
    if (addedFraming) {
      h.remove(chunked ? HttpHeaderNames.TRANSFER_ENCODING : HttpHeaderNames.CONTENT_LENGTH);
    }
  }

  private static boolean setIfAbsent(HttpHeaders h, CharSequence name, CharSequence value) {
    if (h.contains(name)) {
      return false;
    }
    h.set(name, value);
    return true;
  }

  private static HttpHeaders copy(MultiMap from) {
    HttpHeaders to = new DefaultHttpHeaders();
    for (Map.Entry<String, String> header : from) {
      to.add(header.getKey(), header.getValue());
    }
    return to;
  }

  /** The {@code Host} to send: the authority given, else the endpoint's; the port only when it is not 80. */
  private String host() {
    if (authority != null) {
      return authority.toString(false);
    }
    int port = endpoint.config().port();
    return port == 80 ? endpoint.config().host() : endpoint.config().host() + ":" + port;
  }

  @Override public boolean writeQueueFull() {
    return !connection.channel.isWritable();
  }

  @Override public UpstreamRequest exceptionHandler(Handler<Throwable> handler) {
    this.exceptionHandler = handler;
    return this;
  }

  @Override public UpstreamRequest setWriteQueueMaxSize(int maxSize) {
    return this; // the channel's own water marks apply
  }

  @Override public UpstreamRequest drainHandler(Handler<Void> handler) {
    this.drainHandler = handler;
    return this;
  }

  /** The connection can take more writes. */
  void drained() {
    Handler<Void> handler = drainHandler;
    if (handler != null && failure == null) {
      handler.handle(null);
    }
  }

  @Override public void reset(Throwable cause) {
    if (connection.current != this) {
      if (!responseEnded) {
        fail(cause); // the connection is gone, the reader is told why; a response all in is read to its end
      }
      return;
    }
    if (!headWritten) {
      fail(cause);
      connection.unused(this); // nothing went out: the connection can carry the next request
      return;
    }
    connection.abort(this, cause);
  }

  @Override public void abandon() {
    reset(new HttpClosedException("Connection was closed"));
  }

  @Override public String describe() {
    return method + " " + uri + " for server " + (authority != null ? authority : host());
  }

  /** The request's method (a response to HEAD has no body). */
  HttpMethod method() {
    return method;
  }

  boolean requestEnded() {
    return requestEnded;
  }

  boolean responseEnded() {
    return responseEnded;
  }

  // ---- the response, as the connection reads it

  void head(HttpResponse head) {
    body = new Response(head);
    holding = true; // handed over at the end of the body or of this read, whichever comes first
  }

  /** The connection has read all it had for now: a head held back is handed over. */
  void readComplete() {
    handOver();
  }

  boolean holding() {
    return holding;
  }

  private void handOver() {
    if (holding) {
      holding = false;
      response.tryComplete(body);
    }
  }

  void content(HttpContent content, boolean last) {
    ByteBuf bytes = content.content();
    Response reader = body;
    if (reader == null || failure != null) {
      content.release();
      return;
    }
    if (bytes.isReadable()) {
      reader.push(BufferInternal.buffer(VertxHandler.safeBuffer(bytes)));
    } else {
      content.release();
    }
    if (last) {
      responseEnded = true;
      HttpHeaders trailing = ((LastHttpContent) content).trailingHeaders();
      reader.trailers = trailing.isEmpty() ? NO_TRAILERS : trailing instanceof MultiMap vertx ? vertx : new HeadersAdaptor(trailing);
      reader.push(END);
      handOver();
    }
  }

  /** The exchange failed: the response (or its body, once begun) fails with {@code cause}. */
  void fail(Throwable cause) {
    if (failure != null || responseEnded && (body == null || body.delivered)) {
      return;
    }
    failure = cause;
    if (body == null || holding) {
      holding = false; // nothing of this answer was handed over: the try failed as a whole
      response.tryFail(cause);
    } else {
      body.fail(cause);
    }
    Handler<Throwable> handler = exceptionHandler;
    if (handler != null && !requestEnded) {
      handler.handle(cause);
    }
  }

  /** The response: its head, and its body delivered with back-pressure. */
  private final class Response implements UpstreamResponse {
    private final HttpResponse head;
    private MultiMap headerView;
    MultiMap trailers = NO_TRAILERS;
    /** Pieces ({@link Buffer}) and {@link #END} not delivered yet. */
    private ArrayDeque<Object> queue;
    private long demand = Long.MAX_VALUE;
    private boolean draining;
    /** Whether the end was delivered. */
    boolean delivered;
    private Throwable failed;
    private Handler<Buffer> handler;
    private Handler<Void> endHandler;
    private Handler<Throwable> exceptionHandler;
    private Promise<Void> ended;

    Response(HttpResponse head) {
      this.head = head;
    }

    @Override public int statusCode() {
      return head.status().code();
    }

    @Override public String statusMessage() {
      return head.status().reasonPhrase();
    }

    @Override public MultiMap headers() {
      if (headerView == null) {
        // Vert.x's own map (H1Connection's decoder makes one), so no adapter in between
        headerView = head.headers() instanceof MultiMap vertx ? vertx : new HeadersAdaptor(head.headers());
      }
      return headerView;
    }

    @Override public MultiMap trailers() {
      return trailers;
    }

    void push(Object item) {
      if (queue == null || queue.isEmpty()) {
        if (demand > 0 && !draining && (handler != null || item == END && (endHandler != null || ended != null))) {
          deliver(item);
          return;
        }
        if (queue == null) {
          queue = new ArrayDeque<>(4);
        }
      }
      queue.add(item);
      if (queue.size() >= HIGH_WATER && connection.current == H1Exchange.this) {
        connection.channel.config().setAutoRead(false);
      }
    }

    private void deliver(Object item) {
      if (item == END) {
        delivered = true;
        Handler<Void> h = endHandler;
        if (h != null) {
          h.handle(null);
        }
        if (ended != null) {
          ended.tryComplete();
        }
        return;
      }
      if (demand != Long.MAX_VALUE) {
        demand--;
      }
      Handler<Buffer> h = handler;
      if (h != null) {
        h.handle((Buffer) item);
      }
    }

    private void drain() {
      if (draining || queue == null) {
        return;
      }
      draining = true;
      try {
        Object next;
        while (demand > 0 && failed == null && (next = queue.peek()) != null
            && (handler != null || next == END && (endHandler != null || ended != null))) {
          queue.poll();
          deliver(next);
        }
      } finally {
        draining = false;
      }
      if (queue.isEmpty()) {
        readAgain();
      }
    }

    void fail(Throwable cause) {
      if (delivered || failed != null) {
        return;
      }
      failed = cause;
      if (queue != null) {
        queue.clear();
      }
      Handler<Throwable> h = exceptionHandler;
      if (h != null) {
        h.handle(cause);
      }
      if (ended != null) {
        ended.tryFail(cause);
      }
    }

    @Override public Future<Buffer> body() {
      Promise<Buffer> whole = context.promise();
      Buffer collected = Buffer.buffer();
      exceptionHandler(whole::tryFail);
      endHandler(v -> whole.tryComplete(collected));
      handler(collected::appendBuffer);
      return whole.future();
    }

    @Override public Buffer takeCompleteBody() {
      if (delivered || failed != null || handler != null || endHandler != null || queue == null || queue.peekLast() != END) {
        return null;
      }
      Buffer whole = queue.size() == 2 ? (Buffer) queue.peekFirst() : Buffer.buffer();
      if (queue.size() > 2) {
        for (Object piece : queue) {
          if (piece != END) {
            whole.appendBuffer((Buffer) piece);
          }
        }
      }
      queue.clear();
      readAgain();
      delivered = true; // taken whole: it counts as delivered, and end() completes
      if (ended != null) {
        ended.tryComplete();
      }
      return whole;
    }

    /** Nothing is queued any more: the connection reads again if a full queue had stopped it. */
    private void readAgain() {
      if (connection.current == H1Exchange.this && !connection.channel.config().isAutoRead()) {
        connection.channel.config().setAutoRead(true);
      }
    }

    @Override public Future<Void> end() {
      if (delivered) {
        return context.succeededFuture();
      }
      if (failed != null) {
        return context.failedFuture(failed);
      }
      if (ended == null) {
        ended = context.promise();
        drain(); // an end already in, with no reader before this one
      }
      return ended.future();
    }

    @Override public UpstreamResponse exceptionHandler(Handler<Throwable> handler) {
      this.exceptionHandler = handler;
      return this;
    }

    @Override public UpstreamResponse handler(Handler<Buffer> handler) {
      this.handler = handler;
      if (handler != null) {
        drain();
      }
      return this;
    }

    @Override public UpstreamResponse pause() {
      demand = 0;
      return this;
    }

    @Override public UpstreamResponse resume() {
      return fetch(Long.MAX_VALUE);
    }

    @Override public UpstreamResponse fetch(long amount) {
      if (amount > 0) {
        demand += amount;
        if (demand < 0) {
          demand = Long.MAX_VALUE;
        }
        drain();
      }
      return this;
    }

    @Override public UpstreamResponse endHandler(Handler<Void> endHandler) {
      this.endHandler = endHandler;
      if (endHandler != null) {
        drain();
      }
      return this;
    }
  }
}
