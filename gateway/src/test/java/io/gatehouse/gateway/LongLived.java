package io.gatehouse.gateway;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServerTransportFilter;
import io.grpc.Status;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The kit of the long-lived connection tests: a WebSocket upstream and a gRPC upstream (grpc-java,
 * bidirectional streaming) that count the connections they accept, and clients that keep messages
 * flowing both ways, each side numbering what it sends ({@code c:N} from the client, {@code s:N}
 * from the upstream, {@code e:N} the upstream's echo of {@code c:N}) and checking what it gets: no
 * loss, no duplicate, no reordering.
 */
final class LongLived {
  private LongLived() {}

  /** Every message sent on a timer of this period, each way. */
  static final long TICK_MILLIS = 20;

  /** One numbered sequence as received: the next number expected and the first anomaly, if any. */
  static final class Sequence {
    private final String name;
    private final AtomicLong next = new AtomicLong();
    private final AtomicReference<String> anomaly = new AtomicReference<>();

    Sequence(String name) {
      this.name = name;
    }

    void received(long n) {
      long expected = next.getAndIncrement();
      if (n != expected) {
        anomaly.compareAndSet(null, name + ": got " + n + ", expected " + expected);
        next.set(n + 1);
      }
    }

    long count() {
      return next.get();
    }

    String anomaly() {
      return anomaly.get();
    }
  }

  /** Parses {@code P:N} and feeds N to the sequence of prefix P; anything else is an anomaly of {@code other}. */
  static void dispatch(String message, Sequence echoes, Sequence pushes, Sequence other) {
    if (message.startsWith("e:")) {
      echoes.received(Long.parseLong(message.substring(2)));
    } else if (message.startsWith("s:")) {
      pushes.received(Long.parseLong(message.substring(2)));
    } else {
      other.received(-1);
    }
  }

  /**
   * A WebSocket upstream: echoes {@code c:N} as {@code e:N}, pushes {@code s:N} every tick once the
   * client has sent its first message, checks the {@code c:N} it gets.
   */
  static final class WsUpstream implements AutoCloseable {
    final AtomicInteger connections = new AtomicInteger();
    final AtomicInteger sessions = new AtomicInteger();
    final List<Sequence> fromClients = new CopyOnWriteArrayList<>();
    /** Close codes the upstream saw (from the gateway's close frame or the client's, relayed). */
    final List<Short> closeCodes = new CopyOnWriteArrayList<>();
    private final HttpServer server;

    WsUpstream(Vertx vertx) {
      server = Await.result(vertx.createHttpServer()
          .connectionHandler(c -> connections.incrementAndGet())
          .requestHandler(request -> request.response().setStatusCode(404).end())
          .webSocketHandshakeHandler(handshake -> handshake.accept())
          .webSocketHandler(ws -> {
            sessions.incrementAndGet();
            Sequence in = new Sequence("upstream got from the WebSocket client");
            fromClients.add(in);
            AtomicLong pushed = new AtomicLong();
            // Pushes start with the client's first message: by then its handlers are set (one set after
            // the handshake's future completes would miss a push sent at once).
            AtomicLong timer = new AtomicLong(-1);
            ws.textMessageHandler(m -> {
              if (timer.get() < 0) {
                timer.set(vertx.setPeriodic(TICK_MILLIS, id -> {
                  if (!ws.isClosed() && !ws.writeQueueFull()) {
                    ws.writeTextMessage("s:" + pushed.getAndIncrement());
                  }
                }));
              }
              in.received(Long.parseLong(m.substring(2)));
              ws.writeTextMessage("e:" + m.substring(2));
            });
            ws.closeHandler(v -> {
              vertx.cancelTimer(timer.get());
              if (ws.closeStatusCode() != null) {
                closeCodes.add(ws.closeStatusCode());
              }
            });
            ws.exceptionHandler(e -> { });
          })
          .listen(0, "127.0.0.1"));
    }

    String address() {
      return "127.0.0.1:" + server.actualPort();
    }

    @Override public void close() {
      server.close();
    }
  }

  /** A WebSocket client that sends {@code c:N} every tick and checks the echoes and pushes it gets. */
  static final class WsClient {
    final Sequence echoes = new Sequence("WebSocket client got echoes");
    final Sequence pushes = new Sequence("WebSocket client got pushes");
    final Sequence other = new Sequence("WebSocket client got an unexpected message");
    final AtomicLong sent = new AtomicLong();
    final AtomicReference<Short> closeCode = new AtomicReference<>();
    final AtomicReference<String> closeReason = new AtomicReference<>();
    volatile boolean closed;
    final WebSocket ws;
    /** Held: Vert.x closes a client, and its WebSockets, once nothing refers to it. */
    private final WebSocketClient client;
    private final Vertx vertx;
    private final long timer;

    WsClient(Vertx vertx, int port, String uri) {
      this.vertx = vertx;
      client = vertx.createWebSocketClient();
      // 30 s, not Await's 10: the first handshake on a loaded host has taken longer.
      ws = client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI(uri))
          .toCompletionStage().toCompletableFuture().orTimeout(30, TimeUnit.SECONDS).join();
      ws.textMessageHandler(m -> dispatch(m, echoes, pushes, other));
      ws.exceptionHandler(e -> { });
      ws.closeHandler(v -> {
        closed = true;
        closeCode.set(ws.closeStatusCode());
        closeReason.set(ws.closeReason());
      });
      timer = vertx.setPeriodic(TICK_MILLIS, id -> {
        if (!closed && !ws.isClosed() && !ws.writeQueueFull()) {
          ws.writeTextMessage("c:" + sent.getAndIncrement());
        }
      });
    }

    void stop() {
      vertx.cancelTimer(timer);
    }
  }

  /** Opaque bytes both ways: the tests need no protobuf. */
  static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
    @Override public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };

  static final MethodDescriptor<byte[], byte[]> CHAT = MethodDescriptor.<byte[], byte[]>newBuilder()
      .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
      .setFullMethodName(MethodDescriptor.generateFullMethodName("test.Chat", "Talk"))
      .setRequestMarshaller(BYTES)
      .setResponseMarshaller(BYTES)
      .build();

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * A grpc-java server with one bidirectional method, {@code test.Chat/Talk}: echoes {@code c:N}
   * as {@code e:N}, pushes {@code s:N} every tick; counts the transports (connections) and calls.
   */
  static final class GrpcUpstream implements AutoCloseable {
    final AtomicInteger connections = new AtomicInteger();
    final AtomicInteger calls = new AtomicInteger();
    final List<Sequence> fromClients = new CopyOnWriteArrayList<>();
    /** How each call ended on the upstream's side: "completed", or the status it was cancelled or failed with. */
    final List<String> ends = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService pushes = Executors.newSingleThreadScheduledExecutor();
    private final Server server;

    GrpcUpstream() {
      ServerServiceDefinition chat = ServerServiceDefinition.builder("test.Chat")
          .addMethod(CHAT, ServerCalls.asyncBidiStreamingCall(this::talk))
          .build();
      try {
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(chat)
            .addTransportFilter(new ServerTransportFilter() {
              @Override public io.grpc.Attributes transportReady(io.grpc.Attributes attributes) {
                connections.incrementAndGet();
                return attributes;
              }
            })
            .build()
            .start();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    private StreamObserver<byte[]> talk(StreamObserver<byte[]> responses) {
      calls.incrementAndGet();
      Sequence in = new Sequence("gRPC upstream got from the client");
      fromClients.add(in);
      AtomicLong pushed = new AtomicLong();
      var ticks = pushes.scheduleAtFixedRate(() -> {
        synchronized (responses) {
          responses.onNext(utf8("s:" + pushed.getAndIncrement()));
        }
      }, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
      return new StreamObserver<>() {
        @Override public void onNext(byte[] value) {
          String m = new String(value, StandardCharsets.UTF_8);
          in.received(Long.parseLong(m.substring(2)));
          synchronized (responses) {
            responses.onNext(utf8("e:" + m.substring(2)));
          }
        }

        @Override public void onError(Throwable t) {
          ticks.cancel(false);
          ends.add(Status.fromThrowable(t).getCode().name());
        }

        @Override public void onCompleted() {
          ticks.cancel(false);
          ends.add("completed");
          synchronized (responses) {
            responses.onCompleted();
          }
        }
      };
    }

    String address() {
      return "127.0.0.1:" + server.getPort();
    }

    @Override public void close() {
      pushes.shutdownNow();
      server.shutdownNow();
    }
  }

  /** A grpc-java client with one open {@code test.Chat/Talk} call, sending {@code c:N} every tick. */
  static final class GrpcClient implements AutoCloseable {
    final Sequence echoes;
    final Sequence pushes;
    final Sequence other;
    final AtomicLong sent = new AtomicLong();
    /** How the call ended: "OK", or the status code and description. */
    final AtomicReference<String> end = new AtomicReference<>();
    final ManagedChannel channel;
    private final ScheduledExecutorService ticks = Executors.newSingleThreadScheduledExecutor();
    private final StreamObserver<byte[]> requests;

    private GrpcClient(String name, ManagedChannel channel) {
      this.channel = channel;
      this.echoes = new Sequence(name + " got echoes");
      this.pushes = new Sequence(name + " got pushes");
      this.other = new Sequence(name + " got an unexpected message");
      requests = ClientCalls.asyncBidiStreamingCall(channel.newCall(CHAT, CallOptions.DEFAULT), new StreamObserver<>() {
        @Override public void onNext(byte[] value) {
          dispatch(new String(value, StandardCharsets.UTF_8), echoes, pushes, other);
        }

        @Override public void onError(Throwable t) {
          Status s = Status.fromThrowable(t);
          end.compareAndSet(null, s.getCode().name() + ": " + s.getDescription());
        }

        @Override public void onCompleted() {
          end.compareAndSet(null, "OK");
        }
      });
      ticks.scheduleAtFixedRate(() -> {
        if (end.get() == null) {
          synchronized (requests) {
            requests.onNext(utf8("c:" + sent.getAndIncrement()));
          }
        }
      }, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** A call through the gateway's clear-text listener (h2c, prior knowledge, as grpc-java speaks it). */
    static GrpcClient plaintext(int port) {
      return new GrpcClient("gRPC h2c client",
          NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build());
    }

    /** A call through the gateway's TLS listener (h2 by ALPN), trusting {@code ca}, for {@code host}. */
    static GrpcClient tls(int port, Path ca, String host) {
      try {
        return new GrpcClient("gRPC TLS client", NettyChannelBuilder.forAddress("127.0.0.1", port,
                TlsChannelCredentials.newBuilder().trustManager(ca.toFile()).build())
            .overrideAuthority(host).build());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** Stops sending (the call stays open). */
    void stop() {
      ticks.shutdownNow();
    }

    /** Half-closes the call: the upstream completes it, and the client sees OK. */
    void complete() {
      stop();
      synchronized (requests) {
        requests.onCompleted();
      }
    }

    @Override public void close() {
      stop();
      channel.shutdownNow();
    }
  }
}
