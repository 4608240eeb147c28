package io.gatehouse.gateway.proxy;

import io.gatehouse.certs.ListenerTlsSetup;
import io.gatehouse.gateway.observe.AccessLog;
import io.gatehouse.gateway.observe.GatewayMetrics;
import io.gatehouse.routes.Listener;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.logging.Logger;

/**
 * The running listeners, kept in line with the config. Reconciling is two-phase so that a reload
 * is all or nothing: {@link #open} binds the new listeners (undoing them all if one fails), the
 * snapshot is swapped, then {@link #closeUnwanted} drains the listeners the config dropped.
 */
public final class Listeners {
  private static final Logger LOG = Logger.getLogger(Listeners.class.getName());

  private final Vertx vertx;
  private final Dataplane dataplane;
  private final GatewayMetrics metrics;
  private final AccessLog accessLog;
  private final int eventLoops;
  private final Duration drainTimeout;
  private final Map<Listener.Protocol, BiFunction<Listener, ListenerTlsSetup, VerticleBase>> others;
  /** In the order they were bound: while a changed listener is replaced, the new one comes last. */
  private final Map<Listener, Running> running = new LinkedHashMap<>();

  private record Running(String deploymentId, List<BoundListener> instances) {}

  /**
   * {@code others} builds one instance of a listener for each protocol other than HTTP and HTTPS
   * (EGRESS, TLS_PASSTHROUGH), given its TLS setup (null without); what it returns must also be a
   * {@link BoundListener}.
   */
  public Listeners(Vertx vertx, Dataplane dataplane, GatewayMetrics metrics, AccessLog accessLog,
                   int eventLoops, Duration drainTimeout, Map<Listener.Protocol, BiFunction<Listener, ListenerTlsSetup, VerticleBase>> others) {
    this.others = Map.copyOf(others);
    this.vertx = vertx;
    this.dataplane = dataplane;
    this.metrics = metrics;
    this.accessLog = accessLog;
    this.eventLoops = eventLoops;
    this.drainTimeout = drainTimeout;
  }

  /** Binds every wanted listener not running yet; on any failure unbinds those it bound and fails. */
  public synchronized Future<Void> open(List<Listener> wanted, Map<String, ListenerTlsSetup> tls) {
    List<Future<Map.Entry<Listener, Running>>> started = new ArrayList<>();
    for (Listener listener : wanted) {
      if (!running.containsKey(listener)) {
        started.add(deploy(listener, tls.get(listener.name())));
      }
    }
    return Future.join(started).transform(ar -> {
      List<Future<?>> undo = new ArrayList<>();
      for (Future<Map.Entry<Listener, Running>> f : started) {
        if (f.succeeded()) {
          if (ar.succeeded()) {
            running.put(f.result().getKey(), f.result().getValue());
          } else {
            undo.add(vertx.undeploy(f.result().getValue().deploymentId()));
          }
        }
      }
      if (ar.succeeded()) {
        return Future.succeededFuture();
      }
      return Future.join(undo).transform(v -> Future.failedFuture(ar.cause()));
    });
  }

  private Future<Map.Entry<Listener, Running>> deploy(Listener listener, ListenerTlsSetup tls) {
    List<BoundListener> instances = new CopyOnWriteArrayList<>();
    BiFunction<Listener, ListenerTlsSetup, VerticleBase> other = others.get(listener.protocol());
    return vertx.deployVerticle(() -> {
      VerticleBase v = other != null ? other.apply(listener, tls)
          : new ListenerVerticle(listener, tls, dataplane, metrics, accessLog, drainTimeout);
      instances.add((BoundListener) v);
      return v;
    }, new DeploymentOptions().setInstances(eventLoops))
        .recover(e -> Future.failedFuture(new IllegalStateException(
            "listener " + listener.name() + " cannot bind " + listener.address() + ":" + listener.port() + ": " + e.getMessage(), e)))
        .map(id -> Map.entry(listener, new Running(id, List.copyOf(instances))));
  }

  /**
   * Hands rotated certificates to the running HTTPS listeners named in {@code tls} (every
   * instance, as each event loop's server holds its own SSL context).
   */
  public synchronized Future<Void> updateTls(Map<String, ListenerTlsSetup> tls) {
    List<Future<?>> updates = new ArrayList<>();
    running.forEach((listener, r) -> {
      ListenerTlsSetup next = tls.get(listener.name());
      if (next != null) {
        r.instances().forEach(v -> updates.add(v.updateTls(next)));
      }
    });
    return Future.all(updates).mapEmpty();
  }

  /** Drains and stops the running listeners that {@code wanted} no longer has. */
  public synchronized Future<Void> closeUnwanted(List<Listener> wanted) {
    List<Future<?>> stopping = new ArrayList<>();
    running.entrySet().removeIf(e -> {
      if (wanted.contains(e.getKey())) {
        return false;
      }
      LOG.info(() -> "listener " + e.getKey().name() + " removed; draining");
      stopping.add(vertx.undeploy(e.getValue().deploymentId()));
      return true;
    });
    return Future.join(stopping).mapEmpty();
  }

  /**
   * The port a running listener is bound to (useful when the config says 0), or -1. While a
   * changed listener is replaced both run under one name: the new one answers.
   */
  public synchronized int port(String name) {
    int port = -1;
    for (Map.Entry<Listener, Running> e : running.entrySet()) {
      if (e.getKey().name().equals(name)) {
        port = e.getValue().instances().get(0).actualPort();
      }
    }
    return port;
  }

  /** Starts a drain on every listener instance: they keep accepting but send clients elsewhere. */
  public synchronized Future<Void> startDrain() {
    List<Future<?>> all = new ArrayList<>();
    running.values().forEach(r -> r.instances().forEach(v -> all.add(v.startDrain())));
    return Future.join(all).mapEmpty();
  }

  /**
   * Stops accepting on every listener and lets open requests finish within {@code timeout}: the
   * listening sockets close first; connections accepted until then get {@link #SETTLE_MILLIS} to
   * deliver their request (then served with {@code Connection: close}), and only then does each
   * server shut down, closing the connections that stayed idle. Closing an accepted connection
   * whose request is still unread in its socket would reset it.
   */
  public synchronized Future<Void> drain(Duration timeout) {
    List<BoundListener> instances = new ArrayList<>();
    running.values().forEach(r -> instances.addAll(r.instances()));
    List<Future<?>> closing = new ArrayList<>();
    instances.forEach(v -> closing.add(v.stopAccepting()));
    return Future.join(closing)
        .transform(ar -> vertx.timer(SETTLE_MILLIS, TimeUnit.MILLISECONDS))
        .transform(ar -> {
          List<Future<?>> all = new ArrayList<>();
          instances.forEach(v -> all.add(v.shutdown(timeout)));
          return Future.join(all).mapEmpty();
        });
  }

  /**
   * How long a connection accepted just before the listening socket closed has to send its
   * request before a drain treats it as idle. A client writes its request right after connecting;
   * 250 ms still lost a few requests on a loaded 2-core test host (the event loop had not read
   * them yet), 1 s lost none, and a second is nothing next to a 30 s drain timeout.
   */
  static final long SETTLE_MILLIS = 1_000;
}
