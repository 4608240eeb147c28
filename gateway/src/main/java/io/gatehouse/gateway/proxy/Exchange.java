package io.gatehouse.gateway.proxy;

import io.gatehouse.routes.table.RequestView;
import io.netty.util.NetUtil;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.streams.ReadStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * One request's journey through the gateway, with typed fields: the request, the snapshot it is
 * served by (read once), its id and start time, what was chosen for it (route, upstream,
 * endpoint) and what goes upstream (URI, authority, headers). Lives on one event loop.
 */
public final class Exchange implements RequestView {
  private static final String AUTHORITY = ":authority";
  private static final String[] ATTEMPTS = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
  private static final Consumer<MultiMap> CONNECTION_CLOSE = headers -> headers.set(HttpHeaders.CONNECTION, "close");
  private final HttpServerRequest request;
  private final BooleanSupplier draining;
  private final Snapshot snapshot;
  private final String listener;
  private final String requestId;
  private final long startNanos;
  private final long startMillis;
  private final String path;
  private final boolean clientCerts;
  private final Edge edge;
  private String route = "";
  private String upstream = "";
  private String endpoint = "";
  private String pinnedEndpoint = "";
  private int attempts;
  /** Whether an upstream call began: the response then says how many tries it made. */
  private boolean called;
  private String failure = "";
  private String policy = "";
  private Reason failureReason;
  private RequestTrace trace = RequestTrace.OFF;
  private String destination;
  private boolean tunnelled;
  private long tunnelBytesIn;
  private long tunnelBytesOut;
  private boolean clientClosed;
  private String clientCert;
  private String upstreamUri;
  private String upstreamHost;
  private MultiMap upstreamHeaders;
  private List<Consumer<MultiMap>> beforeResponse;
  private Buffer bufferedBody;
  private ResponseCompression compression;
  private GrpcWeb grpcWeb;
  private ReadStream<Buffer> body;
  private long bodyReadTimeoutMillis;
  private Runnable bodyTimedOut = () -> { };
  /** What else hears that the response ended: the connection's head timer (HTTP/1.x), or null. */
  private Handler<Void> responseEnded;
  private boolean closeAfterResponse;
  private String peer;
  private boolean peerKnown;

  /**
   * {@code clientCerts}: whether the listener asks clients for a certificate; if not, the
   * connection has none and the exchange does not look (asking the TLS session costs an exception).
   */
  Exchange(HttpServerRequest request, Snapshot snapshot, String listener, String requestId, long startMillis,
           BooleanSupplier draining, boolean clientCerts, Edge edge) {
    this.request = request;
    this.edge = edge;
    this.clientCerts = clientCerts;
    this.draining = draining;
    this.snapshot = snapshot;
    this.listener = listener;
    this.requestId = requestId;
    this.startNanos = System.nanoTime();
    this.startMillis = startMillis;
    this.path = edge.normalize(request.path());
    String uri = request.uri();
    if (path != null && (path != request.path() || !uri.startsWith("/"))) {
      // Normalised, or absolute-form ("GET http://host/p"): upstreams get origin-form.
      String query = request.query();
      uri = query == null ? path : path + "?" + query;
    }
    this.upstreamUri = uri;
  }

  /** Whether the request target is an origin-form path the gateway can route (see {@link Edge}). */
  public boolean hasValidPath() {
    return path != null;
  }

  public HttpServerRequest request() {
    return request;
  }

  public HttpServerResponse response() {
    return request.response();
  }

  public Snapshot snapshot() {
    return snapshot;
  }

  public String listener() {
    return listener;
  }

  /** What the listener does before routing: path normalisation, trusted proxies, underscore headers. */
  Edge edge() {
    return edge;
  }

  /**
   * The client's address as this listener's trusted hops establish it (the {@code X-Real-IP} the
   * upstream gets): Istio's {@code remote.ip}. The connection's peer is {@code request().remoteAddress()}.
   */
  public String clientAddress() {
    return edge.trust().clientOf(peer(), request);
  }

  /**
   * The connection's peer address as text (the PROXY protocol's source when the listener takes
   * it), or null when the connection has none; made once per exchange (the forwarding headers and
   * the access log both need it).
   */
  public String peer() {
    if (!peerKnown) {
      peer = text(request.remoteAddress());
      peerKnown = true;
    }
    return peer;
  }

  /** {@link SocketAddress#hostAddress()} formats the address on every call; an IPv4 literal is its own text. */
  private static String text(SocketAddress address) {
    if (address == null) {
      return null;
    }
    String host = address.host();
    return address.hostName() == null && host != null && NetUtil.isValidIpV4Address(host) ? host : address.hostAddress();
  }

  public String requestId() {
    return requestId;
  }

  public long startNanos() {
    return startNanos;
  }

  public long startMillis() {
    return startMillis;
  }

  // RequestView: what the route table matches on.

  @Override public String method() {
    return request.method().name();
  }

  @Override public String host() {
    HostAndPort authority = request.authority();
    return authority == null ? null : authority.host();
  }

  /** The normalised path: what routes match and what goes upstream. */
  @Override public String path() {
    return path;
  }

  /**
   * A header by lowercase name. {@code :authority} is the request's host (Host or :authority, without
   * the port), as Envoy's header matchers see it. {@code x-forwarded-client-cert} is the gateway's view of the
   * verified client certificate, never the client's claim, so routes can match on the identity.
   * A name with {@code _} is absent when the listener drops such headers (routes see what upstreams get).
   */
  @Override public String header(String name) {
    if (AUTHORITY.equals(name)) {
      return host();
    }
    if (ClientCertHeader.NAME.equals(name)) {
      return clientCert();
    }
    return edge.dropsUnderscoreHeaders() && name.indexOf('_') >= 0 ? null : request.getHeader(name);
  }

  /** The verified client certificate in Envoy's XFCC format, or null (computed once). */
  public String clientCert() {
    if (!clientCerts) {
      return null;
    }
    if (clientCert == null) {
      String value = ClientCertHeader.of(request, snapshot.spiffeId());
      clientCert = value == null ? "" : value;
    }
    return clientCert.isEmpty() ? null : clientCert;
  }

  @Override public String query(String name) {
    return request.getParam(name);
  }

  // What was chosen, for the access log and metrics.

  public String route() {
    return route;
  }

  public void route(String name) {
    this.route = name;
  }

  public String upstream() {
    return upstream;
  }

  public void upstream(String name) {
    this.upstream = name;
  }

  public String endpoint() {
    return endpoint;
  }

  public void endpoint(String address) {
    this.endpoint = address;
  }

  /** The endpoint a valid sticky-session cookie pins this request to; empty when none. */
  public String pinnedEndpoint() {
    return pinnedEndpoint;
  }

  void pinnedEndpoint(String label) {
    this.pinnedEndpoint = label;
  }

  public int attempts() {
    return attempts;
  }

  public void attempted() {
    attempts++;
  }

  /** An upstream call begins: every response from here on carries {@code x-gatehouse-attempts}. */
  void called() {
    called = true;
  }

  /** The authorization policy that decided ({@code DENY deny-all}, {@code ALLOW none}, …), or empty; for the access log. */
  public String policy() {
    return policy;
  }

  public void policy(String decided) {
    this.policy = decided;
  }

  /** The request's spans ({@link RequestTrace#OFF} when tracing is off). */
  public RequestTrace trace() {
    return trace;
  }

  void trace(RequestTrace trace) {
    this.trace = trace;
  }

  /** Why the gateway answered itself, or null when the upstream answered (Envoy's response flags come from it). */
  public Reason failureReason() {
    return failureReason;
  }

  /** Why the gateway failed the request (detail for the log), or empty. */
  public String failure() {
    return failure;
  }

  /** Records why the exchange ended badly after its response went out (a tunnel's idle timeout), unless a failure is known. */
  public void failure(String detail) {
    if (failure.isEmpty()) {
      failure = detail;
    }
  }

  /** Where the request asked to go when that is not its Host (an egress destination, {@code host:port}), or null. */
  public String destination() {
    return destination;
  }

  public void destination(String label) {
    this.destination = label;
  }

  /** Whether the connection became a raw byte tunnel (CONNECT, WebSocket): its bytes are then the tunnel's. */
  public boolean tunnelled() {
    return tunnelled;
  }

  /** Marks the connection as handed over to a tunnel; the request must no longer be resumed. */
  public void tunnelled(boolean value) {
    this.tunnelled = value;
  }

  /** The bytes a finished tunnel relayed each way. */
  public void tunnelBytes(long fromClient, long toClient) {
    this.tunnelBytesIn = fromClient;
    this.tunnelBytesOut = toClient;
  }

  /** Bytes received from the client: the request's, or a tunnel's. */
  public long bytesIn() {
    return tunnelled ? tunnelBytesIn : request.bytesRead();
  }

  /** Bytes sent to the client: the response's, or a tunnel's. */
  public long bytesOut() {
    return tunnelled ? tunnelBytesOut : request.response().bytesWritten();
  }

  // What goes upstream.

  public String upstreamUri() {
    return upstreamUri;
  }

  public void upstreamUri(String uri) {
    this.upstreamUri = uri;
  }

  /** The Host to send upstream; null keeps the client's. */
  public String upstreamHost() {
    return upstreamHost;
  }

  public void upstreamHost(String host) {
    this.upstreamHost = host;
  }

  /** The headers that go upstream: the client's minus hop-by-hop, plus forwarding headers. */
  public MultiMap upstreamHeaders() {
    if (upstreamHeaders == null) {
      upstreamHeaders = ForwardedHeaders.outgoing(this);
    }
    return upstreamHeaders;
  }

  /** The whole request body when a filter has read it already (to mirror it), else null. */
  public Buffer bufferedBody() {
    return bufferedBody;
  }

  public void bufferedBody(Buffer body) {
    this.bufferedBody = body;
  }

  /** How the route compresses this request's response; null when it does not. */
  ResponseCompression compression() {
    return compression;
  }

  void compression(ResponseCompression compression) {
    this.compression = compression;
  }

  /** The gRPC-web translation of this request; null when it is not translated. */
  GrpcWeb grpcWeb() {
    return grpcWeb;
  }

  void grpcWeb(GrpcWeb translation) {
    this.grpcWeb = translation;
  }

  /** The gRPC status a gRPC-web client was given (in its head or trailer frame), or -1. */
  public int grpcWebStatus() {
    return grpcWeb == null ? -1 : grpcWeb.grpcStatus();
  }

  /**
   * The request body to stream upstream: the request itself unless a filter wrapped it (to count
   * bytes). A failure of the stream with a {@link GatewayException} ends the exchange with it.
   */
  public ReadStream<Buffer> body() {
    return body == null ? request : body;
  }

  public void body(ReadStream<Buffer> stream) {
    this.body = stream;
  }

  /** The listener's {@code bodyReadTimeout}: the longest the client's body may stall; 0 for none. */
  public long bodyReadTimeoutMillis() {
    return bodyReadTimeoutMillis;
  }

  /** Sets the body stall limit and what counts a stall (the listener's metric). */
  void bodyReadTimeout(long millis, Runnable onTimeout) {
    this.bodyReadTimeoutMillis = millis;
    this.bodyTimedOut = onTimeout;
  }

  void bodyTimedOut() {
    bodyTimedOut.run();
  }

  /**
   * Sets the response's end handler, the only place that does: {@code next} (the connection's
   * head timer, which times the next head from there; null for none) hears that the response
   * ended, and so does {@link #closeAfterResponse()} if it is asked for. Called once, as the
   * exchange starts.
   */
  void onResponseEnd(Handler<Void> next) {
    responseEnded = next;
    if (next != null) {
      request.response().endHandler(next); // the timer itself: nothing allocated per request
    }
  }

  /**
   * HTTP/1.x: the response says {@code Connection: close} and the connection is closed once it is
   * out (Vert.x keeps a connection whose close it did not decide on), after whatever else waits
   * for the response's end ({@link #onResponseEnd}) has heard of it. Nothing on HTTP/2, whose
   * streams end without their connection.
   */
  void closeAfterResponse() {
    if (closeAfterResponse || request.version() == HttpVersion.HTTP_2) {
      return;
    }
    closeAfterResponse = true;
    beforeResponse(CONNECTION_CLOSE);
    Handler<Void> next = responseEnded;
    request.response().endHandler(v -> {
      if (next != null) {
        next.handle(v);
      }
      request.connection().close();
    });
  }

  /** Registers an edit of the response head; edits run in reverse order of registration. */
  public void beforeResponse(Consumer<MultiMap> edit) {
    if (beforeResponse == null) {
      beforeResponse = new ArrayList<>(2);
    }
    beforeResponse.add(edit);
  }

  /**
   * Sets {@code x-gatehouse-attempts} once an upstream call began, then runs the registered
   * response-head edits on {@code headers}, last registered first (a route's header edits may
   * still change what the call set). While the gateway drains, an HTTP/1.x response then gets
   * {@code Connection: close}, whatever the edits said.
   */
  public void editResponseHead(MultiMap headers) {
    if (called) {
      headers.set(UpstreamCall.ATTEMPTS_HEADER, attempts < ATTEMPTS.length ? ATTEMPTS[attempts] : Integer.toString(attempts));
    }
    if (beforeResponse != null) {
      for (int i = beforeResponse.size() - 1; i >= 0; i--) {
        beforeResponse.get(i).accept(headers);
      }
    }
    if (draining.getAsBoolean() && request.version() != HttpVersion.HTTP_2 && !request.headers().contains(HttpHeaders.UPGRADE)) {
      headers.set(HttpHeaders.CONNECTION, "close");
    }
  }

  /** The status to log: what was sent, or 499 when the client left before the response was done. */
  public int status() {
    return clientClosed ? Reason.CLIENT_CLOSED.status() : request.response().getStatusCode();
  }

  /**
   * Ends the exchange with a gateway error: the JSON body and {@code x-gatehouse-reason}, or, if
   * the response head is already out, a reset of the stream (nothing else can tell the client).
   * A gRPC-web exchange gets a gRPC status in a trailer frame instead ({@link GrpcWeb#fail}).
   */
  public void fail(Throwable cause) {
    GatewayException error = GatewayException.of(cause);
    failure = error.reason().word() + ": " + error.getMessage();
    failureReason = error.reason();
    clientClosed = error.reason() == Reason.CLIENT_CLOSED;
    HttpServerResponse response = request.response();
    if (response.ended() || response.closed()) {
      return;
    }
    if (grpcWeb != null) {
      // A gRPC-web client reads failures from a trailer frame, even mid-body (a reset says less).
      grpcWeb.fail(this, error);
      return;
    }
    if (response.headWritten()) {
      response.reset();
      return;
    }
    Reason reason = error.reason();
    String body = reason.body(requestId);
    response.headers().clear();
    response.setStatusCode(error.status())
        .putHeader("content-type", "application/json")
        .putHeader("x-gatehouse-reason", reason.word())
        .putHeader("x-request-id", requestId);
    editResponseHead(response.headers());
    response.end(body);
  }
}
