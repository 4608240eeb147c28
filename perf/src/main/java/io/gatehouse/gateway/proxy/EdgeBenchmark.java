package io.gatehouse.gateway.proxy;

import io.gatehouse.routes.Listener;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.SocketAddress;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * What the edge (issue 13) costs per request, on a browser-like request head of 12 fields that a
 * real Vert.x server parsed from a real socket, with an HTTP listener's defaults: the steps
 * {@link Ingress} runs, called as it calls them.
 *
 * <ul>
 *   <li>{@code validate}: {@link HeadValidator} (target, method, one pass over the fields);
 *   <li>{@code normalize}: the listener's path normalisation (MERGE_SLASHES, escaped slashes refused);
 *   <li>{@code upstreamHeaders}: the headers that go upstream ({@link ForwardedHeaders}: hop-by-hop
 *       and underscore names dropped, the client's {@code X-Forwarded-For} replaced, {@code X-Real-IP},
 *       {@code X-Forwarded-Proto/-Host}, RFC 7239 {@code Forwarded}, {@code x-request-id});
 *   <li>{@code all}: validation, the exchange (which normalises the path), {@link Edge#admit}, the
 *       upstream headers: the whole edge as a request meets it.
 * </ul>
 *
 * <p>{@code upstreamHeaders} and {@code all} are upper bounds of what the hardening added: the
 * copy of the client's headers minus hop-by-hop ones, and the exchange, predate it;
 * {@code upstreamHeadersBefore} is that step as it was before. The
 * benchmark lives in the gateway's package because these steps are package-private there; it
 * measures them, not a copy.
 *
 * <pre>java -jar perf/target/benchmarks.jar EdgeBenchmark -prof gc</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class EdgeBenchmark {
  static final String HEAD = "GET /api/v1/catalog/items/12345/reviews?page=2&sort=recent HTTP/1.1\r\n"
      + "Host: shop.example.com\r\n"
      + "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36\r\n"
      + "Accept: application/json, text/plain, */*\r\n"
      + "Accept-Language: en-GB,en;q=0.9\r\n"
      + "Accept-Encoding: gzip, deflate, br\r\n"
      + "Referer: https://shop.example.com/catalog/items/12345\r\n"
      + "Cookie: session=3f9a1c2e7b5d4a10; theme=dark; _ga=GA1.2.1234567890.1700000000\r\n"
      + "X-Forwarded-For: 203.0.113.7\r\n"
      + "X-Request-Id: 9c6f0e4a-3b1d-4e8a-a2f5-6d7c8b9e0f12\r\n"
      + "Sec-Fetch-Mode: cors\r\n"
      + "Sec-Fetch-Site: same-origin\r\n"
      + "Connection: keep-alive\r\n\r\n";

  private Vertx vertx;
  private Socket client;
  private HttpServerRequest request;
  private Edge edge;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    vertx = Vertx.vertx();
    CompletableFuture<HttpServerRequest> received = new CompletableFuture<>();
    HttpServer server = vertx.createHttpServer()
        .requestHandler(r -> {
          r.pause(); // as the ingress does; the request stays open, unanswered, for the whole run
          received.complete(r);
        })
        .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    client = new Socket();
    client.connect(new InetSocketAddress("127.0.0.1", server.actualPort()), 5_000);
    client.getOutputStream().write(HEAD.getBytes(StandardCharsets.ISO_8859_1));
    request = received.get(10, TimeUnit.SECONDS);
    edge = Edge.of(Listener.builder("http", 0, Listener.Protocol.HTTP).address("127.0.0.1").build(), null);
    if (HeadValidator.check(request, false) != null || edge.admit(exchange()) != null) {
      throw new IllegalStateException("the benchmark's request must pass the edge");
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    client.close();
    vertx.close().toCompletionStage().toCompletableFuture().join();
  }

  private Exchange exchange() {
    return new Exchange(request, null, "http", "9c6f0e4a-3b1d-4e8a-a2f5-6d7c8b9e0f12", 0L, () -> false, false, edge);
  }

  /**
   * The benchmark thread's CPU time next to its calls ({@code cpuNanos / calls} is CPU ns per
   * call): on a machine shared with other work, wall-clock ns/op also count the time other
   * processes held the core, and the gateway's own figure it is compared with ({@code perf/bench.sh}'s
   * {@code cpu_us/req}) is CPU time too.
   */
  @AuxCounters(AuxCounters.Type.EVENTS)
  @State(Scope.Thread)
  public static class Cpu {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    public long cpuNanos;
    public long calls;
    private long start;

    @Setup(Level.Iteration)
    public void start() {
      calls = 0;
      cpuNanos = 0;
      start = THREADS.getCurrentThreadCpuTime();
    }

    @TearDown(Level.Iteration)
    public void stop() {
      cpuNanos = THREADS.getCurrentThreadCpuTime() - start;
    }
  }

  @Benchmark
  public Object validate(Cpu cpu) {
    cpu.calls++;
    return HeadValidator.check(request, false);
  }

  @Benchmark
  public Object normalize(Cpu cpu) {
    cpu.calls++;
    return edge.normalize(request.path());
  }

  @Benchmark
  public Object upstreamHeaders(Cpu cpu) {
    cpu.calls++;
    return ForwardedHeaders.outgoing(exchange());
  }

  /**
   * The baseline: the upstream headers as the gateway made them before the edge work (at
   * {@code 2408294}, copied here as it was): hop-by-hop names dropped, {@code X-Forwarded-For}
   * appended to, {@code X-Forwarded-Proto/-Host}, {@code x-request-id}. {@code upstreamHeaders}
   * minus this is what the edge added to that step.
   */
  @Benchmark
  public Object upstreamHeadersBefore(Cpu cpu) {
    cpu.calls++;
    Exchange ex = exchange();
    MultiMap in = request.headers();
    String connection = in.get(HttpHeaders.CONNECTION);
    MultiMap out = MultiMap.caseInsensitiveMultiMap();
    for (Map.Entry<String, String> header : in) {
      String name = header.getKey();
      if (!ForwardedHeaders.isHopByHop(name, connection) && !name.startsWith(":")) {
        out.add(name, header.getValue());
      }
    }
    out.remove(HttpHeaders.HOST);
    String te = in.get("te");
    if (te != null && ForwardedHeaders.namesToken(te, "trailers")) {
      out.set("te", "trailers");
    }
    SocketAddress client = request.remoteAddress();
    if (client != null) {
      String previous = out.get("x-forwarded-for");
      String address = client.hostAddress();
      out.set("x-forwarded-for", previous == null ? address : previous + ", " + address);
    }
    out.set("x-forwarded-proto", request.isSSL() ? "https" : "http");
    HostAndPort authority = request.authority();
    if (authority != null) {
      out.set("x-forwarded-host", authority.toString());
    }
    out.set("x-request-id", ex.requestId());
    out.remove(ClientCertHeader.NAME);
    String clientCert = ex.clientCert();
    if (clientCert != null) {
      out.set(ClientCertHeader.NAME, clientCert);
    }
    return out;
  }

  @Benchmark
  public void all(Cpu cpu, Blackhole out) {
    cpu.calls++;
    out.consume(HeadValidator.check(request, false));
    Exchange ex = exchange();
    out.consume(edge.admit(ex));
    out.consume(ForwardedHeaders.outgoing(ex));
  }
}
