package io.gatehouse.gateway;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.UnaryOperator;

/**
 * The real gateway in-process, on a config written as YAML text into a temporary directory (so
 * hot reload is the real file source), one event loop, listener "http" and admin on port 0.
 * Requests go through a real client (JDK HttpClient) and block the test thread.
 */
final class TestGateway implements AutoCloseable {
  /** What a client got back. */
  record TestResponse(int status, Map<String, java.util.List<String>> headers, String body) {
    String header(String name) {
      return headers.getOrDefault(name.toLowerCase(java.util.Locale.ROOT), java.util.List.of()).stream().findFirst().orElse(null);
    }
  }

  private static final String PREAMBLE = """
      admin: { port: 0 }
      listeners: [{ name: http, port: 0, protocol: HTTP }]
      """;

  final Path dir;
  final Gatehouse gatehouse;
  final ByteArrayOutputStream accessLog;
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  private TestGateway(Path dir, Gatehouse gatehouse, ByteArrayOutputStream accessLog) {
    this.dir = dir;
    this.gatehouse = gatehouse;
    this.accessLog = accessLog;
  }

  /** Starts the gateway with the default admin and one HTTP listener, plus {@code yaml}. */
  static TestGateway start(String yaml) {
    return startRaw(PREAMBLE + yaml);
  }

  /** Starts the gateway with exactly {@code yaml} as its config. */
  static TestGateway startRaw(String yaml) {
    return startRaw(yaml, Map.of());
  }

  /**
   * Starts the gateway with exactly {@code yaml} as its config; egress resolves the names in
   * {@code hosts} (name to address, or to addresses separated by commas) from a hosts file written for the test.
   */
  static TestGateway startRaw(String yaml, Map<String, String> hosts) {
    return startRaw(yaml, hosts, 1, UnaryOperator.identity());
  }

  /** Starts the gateway with exactly {@code yaml}, {@code eventLoops} event loops and options adjusted by {@code tune}. */
  static TestGateway startRaw(String yaml, int eventLoops, UnaryOperator<Gatehouse.Options> tune) {
    return startRaw(yaml, Map.of(), eventLoops, tune);
  }

  private static TestGateway startRaw(String yaml, Map<String, String> hosts, int eventLoops, UnaryOperator<Gatehouse.Options> tune) {
    try {
      Path dir = Files.createTempDirectory("gatehouse-test");
      Files.writeString(dir.resolve("gateway.yaml"), yaml);
      ByteArrayOutputStream log = new ByteArrayOutputStream();
      OutputStream sync = new OutputStream() {
        @Override public synchronized void write(int b) {
          log.write(b);
        }

        @Override public synchronized void write(byte[] b, int off, int len) {
          log.write(b, off, len);
        }
      };
      Optional<Path> hostsFile = Optional.empty();
      if (!hosts.isEmpty()) {
        StringBuilder lines = new StringBuilder();
        hosts.forEach((name, addresses) -> {
          for (String address : addresses.split(",")) {
            lines.append(address).append(' ').append(name).append('\n');
          }
        });
        hostsFile = Optional.of(Files.writeString(dir.resolve("hosts"), lines));
      }
      Gatehouse g = Gatehouse.start(tune.apply(new Gatehouse.Options(Optional.of(dir), OptionalInt.empty(), eventLoops,
          Duration.ofSeconds(5), sync, dir.resolve("state"), hostsFile, java.util.List.of()).withVertxOptions(strictVertx())
          .withDrainGrace(DRAIN_GRACE).withWatchdogThreshold(WATCHDOG)));
      return new TestGateway(dir, g, log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (Gatehouse.StartupException e) {
      throw new AssertionError("gateway did not start: " + e.errors(), e);
    }
  }

  /**
   * Vert.x options for tests: the blocked-thread checker warns when an event loop runs one task
   * for more than {@value #MAX_EVENT_LOOP_MILLIS} ms (production: 2 s), so a slip (blocking I/O,
   * a join) shows up in the test log with the stack of the blocked thread.
   */
  static io.vertx.core.VertxOptions strictVertx() {
    return new io.vertx.core.VertxOptions()
        .setMaxEventLoopExecuteTime(MAX_EVENT_LOOP_MILLIS)
        .setMaxEventLoopExecuteTimeUnit(java.util.concurrent.TimeUnit.MILLISECONDS)
        .setBlockedThreadCheckInterval(100)
        .setBlockedThreadCheckIntervalUnit(java.util.concurrent.TimeUnit.MILLISECONDS)
        .setWarningExceptionTime(MAX_EVENT_LOOP_MILLIS)
        .setWarningExceptionTimeUnit(java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  static final long MAX_EVENT_LOOP_MILLIS = 200;

  /**
   * The event-loop watchdog's threshold in tests: past the class loading and GC pauses of a busy
   * shared host (over 1 s seen), so that {@code /ready} stays 200 where tests expect it.
   */
  static final Duration WATCHDOG = Duration.ofSeconds(5);

  /** A drain's grace period in tests: long enough to see it accept, short enough to keep tests fast. */
  static final Duration DRAIN_GRACE = Duration.ofMillis(500);

  /** Rewrites the config file (with the default preamble) and waits until the store has installed it. */
  void reload(String yaml) {
    long before = gatehouse.store().version();
    write(PREAMBLE + yaml);
    Await.until("config version > " + before, 5, () -> gatehouse.store().version() > before);
  }

  void write(String yaml) {
    try {
      Files.writeString(dir.resolve("gateway.yaml"), yaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  int port() {
    return gatehouse.listenerPort("http");
  }

  String url(String path) {
    return "http://127.0.0.1:" + port() + path;
  }

  HttpClient client() {
    return client;
  }

  TestResponse get(String path) {
    return get(path, Map.of());
  }

  TestResponse get(String path, Map<String, String> headers) {
    return send(request(path, headers).GET().build());
  }

  HttpRequest.Builder request(String path, Map<String, String> headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(20));
    headers.forEach(b::header);
    return b;
  }

  TestResponse send(HttpRequest request) {
    try {
      HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      return new TestResponse(r.statusCode(), r.headers().map(), r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** A GET on the admin port. */
  TestResponse admin(String path) {
    return admin("GET", path, null, Map.of());
  }

  /** A call on the admin port: {@code body} null for none. */
  TestResponse admin(String method, String path, String body, Map<String, String> headers) {
    try {
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gatehouse.adminPort() + path))
          .timeout(Duration.ofSeconds(20))
          .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
      headers.forEach(b::header);
      HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
      return new TestResponse(r.statusCode(), r.headers().map(), r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  String accessLog() {
    synchronized (accessLog) {
      return accessLog.toString(StandardCharsets.UTF_8);
    }
  }

  @Override public void close() {
    gatehouse.close();
  }
}
