package io.gatehouse.gateway.observe;

import io.gatehouse.routes.Telemetry;
import io.gatehouse.routes.Upstream;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Istio's standard metrics ({@code istio_requests_total}, {@code istio_request_duration_milliseconds},
 * {@code istio_request_bytes}, {@code istio_response_bytes} and {@code istio_tcp_*}) with Istio's
 * labels, as an Istio gateway reports them ({@code reporter="source"}), so that Kiali and Istio's
 * Grafana dashboards show the gateway's traffic. The {@code source_*} labels are the gateway's own
 * workload; the {@code destination_service*} labels come from the upstream's name (a translated
 * Kubernetes Service is named {@code <fqdn>_<port>[_<subset>]}) or its first endpoint's
 * {@code name.namespace.svc} host; {@code destination_workload}, {@code _workload_namespace},
 * {@code _app}, {@code _version} and {@code _cluster} from the workload of the endpoint that served
 * the request (when a source knows it); {@code destination_principal} from the SPIFFE id the last
 * mesh handshake with that endpoint verified, else the endpoint workload's identity; "unknown"
 * where none of these tell.
 *
 * <p>Cost per request: a map lookup by upstream name, one by endpoint, and an array slot by
 * status; the label sets of each endpoint are made when a config is installed, their meters
 * registered once and kept in that slot, so recording allocates nothing.
 */
public final class IstioMetrics {
  /** Envoy's default histogram buckets, which Istio's metrics use (milliseconds, and bytes). */
  static final double[] BUCKETS = {0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000,
      300000, 600000, 1800000, 3600000};
  static final String UNKNOWN = "unknown";
  /** A Deployment's pod: {@code <name>-<ReplicaSet hash>-<5 characters>}. */
  private static final Pattern DEPLOYMENT_POD = Pattern.compile("(.+)-[a-z0-9]{5,10}-[a-z0-9]{5}");
  /** A translated Kubernetes destination: {@code <name>.<namespace>.svc.<domain>_<port>[_<subset>]}. */
  private static final Pattern TRANSLATED = Pattern.compile("([^._]+)\\.([^._]+)\\.svc(\\.[^_]+)?_(\\d+)(?:_(.+))?");
  /** An Istio cluster, as xDS names upstreams: {@code outbound|<port>|<subset>|<name>.<namespace>.svc.<domain>}. */
  private static final Pattern ISTIO_CLUSTER = Pattern.compile("outbound\\|(\\d+)\\|([^|]*)\\|(([^.|]+)\\.([^.|]+)\\.svc(\\.[^|]+)?)");
  /** An endpoint host naming a Service: {@code name.namespace.svc[.domain]}. */
  private static final Pattern SERVICE_HOST = Pattern.compile("([^.]+)\\.([^.]+)\\.svc(\\..+)?");

  private final MeterRegistry registry;
  private final Tags source;
  private final Destination unknown;
  private final List<Meter> meters = new ArrayList<>();
  private volatile Map<String, Target> destinations = Map.of();
  /** Every destination label set in use, so that a reload keeps the meters of unchanged ones. */
  private Map<Tags, Destination> byTags = Map.of();
  private final Map<String, Destination> egress = new java.util.concurrent.ConcurrentHashMap<>();

  private IstioMetrics(MeterRegistry registry, Tags source) {
    this.registry = registry;
    this.source = source;
    this.unknown = new Destination(Tags.of("destination_service", UNKNOWN, "destination_service_name", UNKNOWN,
        "destination_service_namespace", UNKNOWN, "destination_workload", UNKNOWN, "destination_workload_namespace", UNKNOWN,
        "destination_app", UNKNOWN, "destination_version", UNKNOWN, "destination_principal", UNKNOWN,
        "destination_cluster", UNKNOWN));
  }

  /** Meters reporting as {@code workload}, whose empty parts come from {@code env} ({@code POD_NAME}, {@code POD_NAMESPACE}). */
  static IstioMetrics start(MeterRegistry registry, Telemetry.Workload workload, Map<String, String> env) {
    String name = workload.name().isEmpty() ? workloadOf(env.get("POD_NAME")) : workload.name();
    String namespace = workload.namespace().isEmpty() ? orUnknown(env.get("POD_NAMESPACE")) : workload.namespace();
    String cluster = workload.cluster().isEmpty() ? UNKNOWN : workload.cluster();
    return new IstioMetrics(registry, Tags.of("reporter", "source", "source_workload", name,
        "source_workload_namespace", namespace, "source_principal", orUnknown(workload.principal()), "source_app", name,
        "source_version", UNKNOWN, "source_cluster", cluster, "connection_security_policy", UNKNOWN));
  }

  /** The Deployment a pod name belongs to (its ReplicaSet suffix removed), or "unknown". */
  static String workloadOf(String podName) {
    if (podName == null || podName.isBlank()) {
      return UNKNOWN;
    }
    Matcher m = DEPLOYMENT_POD.matcher(podName);
    return m.matches() ? m.group(1) : podName;
  }

  /** Sets the destinations known by upstream name: called by the config writer at each install. */
  void upstreams(Collection<Upstream> upstreams) {
    upstreams(upstreams, io.gatehouse.routes.MeshIdentity.DEFAULT_TRUST_DOMAIN);
  }

  /**
   * The same, with the label sets of each endpoint: its workload's, and the principal its workload
   * has in {@code trustDomain}.
   */
  synchronized void upstreams(Collection<Upstream> upstreams, String trustDomain) {
    Map<Tags, Destination> previous = byTags;
    // Concurrent: an endpoint makes the label set of a newly verified principal later, on an event loop.
    Map<Tags, Destination> used = new java.util.concurrent.ConcurrentHashMap<>();
    java.util.function.Function<Tags, Destination> reuse = tags -> used.computeIfAbsent(tags,
        t -> previous.containsKey(t) ? previous.get(t) : new Destination(t));
    Map<String, Target> next = new HashMap<>();
    Map<String, Target> current = destinations;
    for (Upstream u : upstreams) {
      Tags base = destinationTags(u);
      Map<String, EndpointDestination> endpoints = new HashMap<>();
      Target old = current.get(u.name());
      for (Upstream.Endpoint e : u.endpoints()) {
        EndpointDestination kept = old == null ? null : old.endpoints.get(e.toString());
        EndpointDestination d = new EndpointDestination(base, e.workload(), e.workload().spiffeId(trustDomain), reuse);
        if (kept != null) {
          d.live = kept.live; // the same live endpoint, until clients(...) binds the new ones
        }
        endpoints.putIfAbsent(e.toString(), d);
      }
      next.put(u.name(), new Target(reuse.apply(base.and("destination_principal", UNKNOWN)), endpoints));
    }
    byTags = used;
    destinations = next;
  }

  /**
   * The live endpoints of the installed upstreams, whose mesh handshakes tell the verified
   * principal: called after each install (clients are kept across reloads, so are their endpoints).
   */
  public void endpoints(String upstream, Collection<io.gatehouse.gateway.upstream.EndpointState> live) {
    Target t = destinations.get(upstream);
    if (t == null) {
      return;
    }
    for (io.gatehouse.gateway.upstream.EndpointState e : live) {
      EndpointDestination d = t.endpoints.get(e.label());
      if (d != null) {
        d.live = e;
      }
    }
  }

  static Tags destinationTags(Upstream u) {
    String service = u.name();
    String name = u.name();
    String namespace = UNKNOWN;
    String version = UNKNOWN;
    Matcher m = TRANSLATED.matcher(u.name());
    Matcher istio = ISTIO_CLUSTER.matcher(u.name());
    if (m.matches()) {
      service = u.name().substring(0, u.name().indexOf('_'));
      name = m.group(1);
      namespace = m.group(2);
      version = m.group(5) == null ? UNKNOWN : m.group(5);
    } else if (istio.matches()) {
      service = istio.group(6) == null ? istio.group(3) + ".cluster.local" : istio.group(3);
      name = istio.group(4);
      namespace = istio.group(5);
      version = istio.group(2).isEmpty() ? UNKNOWN : istio.group(2);
    } else if (!u.endpoints().isEmpty()) {
      String host = u.endpoints().get(0).host();
      Matcher h = SERVICE_HOST.matcher(host);
      if (h.matches()) {
        service = h.group(3) == null ? host + ".cluster.local" : host;
        name = h.group(1);
        namespace = h.group(2);
      }
    }
    return Tags.of("destination_service", service, "destination_service_name", name,
        "destination_service_namespace", namespace, "destination_workload", UNKNOWN,
        "destination_workload_namespace", namespace, "destination_app", UNKNOWN, "destination_version", version,
        "destination_cluster", UNKNOWN);
  }

  /** {@code base} (an upstream's labels, without principal) with what {@code w} tells of the endpoint's workload. */
  static Tags workloadTags(Tags base, Upstream.Workload w) {
    Tags tags = base;
    if (!w.name().isEmpty()) {
      tags = tags.and("destination_workload", w.name());
    }
    if (!w.namespace().isEmpty()) {
      tags = tags.and("destination_workload_namespace", w.namespace());
    }
    if (!w.app().isEmpty()) {
      tags = tags.and("destination_app", w.app());
    }
    if (!w.version().isEmpty()) {
      tags = tags.and("destination_version", w.version());
    }
    if (!w.cluster().isEmpty()) {
      tags = tags.and("destination_cluster", w.cluster());
    }
    return tags;
  }

  /**
   * Records one HTTP request: {@code upstream} empty when none was chosen; {@code status} 0 when
   * no response was sent; {@code flags} Envoy's response flags ("-" for none); {@code grpcStatus}
   * -1 for a request that is not gRPC.
   */
  public void request(String upstream, int status, String flags, int grpcStatus, long durationNanos, long requestBytes,
                      long responseBytes) {
    request(upstream, "", status, flags, grpcStatus, durationNanos, requestBytes, responseBytes);
  }

  /**
   * As {@link #request(String, int, String, int, long, long, long)}, served by {@code endpoint}
   * (its {@code host:port}; empty when none was tried), whose workload labels the request.
   */
  public void request(String upstream, String endpoint, int status, String flags, int grpcStatus, long durationNanos,
                      long requestBytes, long responseBytes) {
    Destination d = unknown;
    Target t = upstream.isEmpty() ? null : destinations.get(upstream);
    if (t != null) {
      EndpointDestination e = endpoint.isEmpty() ? null : t.endpoints.get(endpoint);
      d = e == null ? t.base : e.destination();
    }
    HttpMeters m = d.http(status, flags, grpcStatus);
    m.requests.increment();
    m.duration.record(durationNanos / 1_000_000.0);
    m.requestBytes.record(requestBytes);
    m.responseBytes.record(responseBytes);
  }

  /** The TCP meters of tunnels to {@code upstream} (an upstream or egress destination name; empty: unknown). */
  public Tcp tcp(String upstream) {
    Target t = upstream.isEmpty() ? null : destinations.get(upstream);
    Destination d = upstream.isEmpty() ? unknown : t == null ? null : t.base;
    if (d == null) {
      // Egress destinations are allow-list entry names, not upstreams: name the service after them.
      d = egress.computeIfAbsent(upstream, name -> new Destination(Tags.of("destination_service", name, "destination_service_name", name,
          "destination_service_namespace", UNKNOWN, "destination_workload", UNKNOWN, "destination_workload_namespace", UNKNOWN,
          "destination_app", UNKNOWN, "destination_version", UNKNOWN, "destination_principal", UNKNOWN,
          "destination_cluster", UNKNOWN)));
    }
    return d.tcp("-");
  }

  /** Removes every meter this instance registered: the family was turned off or the workload changed. */
  synchronized void remove() {
    meters.forEach(registry::remove);
    meters.clear();
  }

  private synchronized <M extends Meter> M keep(M meter) {
    meters.add(meter);
    return meter;
  }

  /** The meters of one TCP label set. */
  public final class Tcp {
    private final Counter opened;
    private final Counter closed;
    private final Counter sent;
    private final Counter received;

    private Tcp(Tags tags) {
      opened = keep(Counter.builder("istio.tcp.connections.opened").description("TCP connections opened").tags(tags).register(registry));
      closed = keep(Counter.builder("istio.tcp.connections.closed").description("TCP connections closed").tags(tags).register(registry));
      sent = keep(Counter.builder("istio.tcp.sent.bytes").description("bytes sent to the client during TCP connections")
          .tags(tags).register(registry));
      received = keep(Counter.builder("istio.tcp.received.bytes").description("bytes received from the client during TCP connections")
          .tags(tags).register(registry));
    }

    public void opened() {
      opened.increment();
    }

    /** A closed connection: {@code fromClient} bytes received from the client, {@code toClient} sent to it. */
    public void closed(long fromClient, long toClient) {
      closed.increment();
      received.increment(fromClient);
      sent.increment(toClient);
    }
  }

  /** The meters of one HTTP label set. */
  private final class HttpMeters {
    final int grpcStatus;
    final String flags;
    final HttpMeters next;
    final Counter requests;
    final DistributionSummary duration;
    final DistributionSummary requestBytes;
    final DistributionSummary responseBytes;

    HttpMeters(Tags tags, int grpcStatus, String flags, HttpMeters next) {
      this.grpcStatus = grpcStatus;
      this.flags = flags;
      this.next = next;
      requests = keep(Counter.builder("istio.requests").description("requests, by Istio's standard labels").tags(tags).register(registry));
      duration = keep(summary("istio.request.duration.milliseconds", "request duration in milliseconds", tags));
      requestBytes = keep(summary("istio.request.bytes", "request body sizes in bytes", tags));
      responseBytes = keep(summary("istio.response.bytes", "response body sizes in bytes", tags));
    }

    private DistributionSummary summary(String name, String description, Tags tags) {
      return DistributionSummary.builder(name).description(description).tags(tags).serviceLevelObjectives(BUCKETS)
          .register(registry);
    }
  }

  /** An upstream's label set when no endpoint is known, and those of its endpoints by {@code host:port}. */
  private record Target(Destination base, Map<String, EndpointDestination> endpoints) {}

  /**
   * One endpoint's labels: its workload's, and the principal the last mesh handshake with it
   * verified (else its workload's identity, else unknown). The label set for a principal is made
   * once and kept; a request whose principal is the one before takes it without allocating.
   */
  private static final class EndpointDestination {
    private final Tags tags;
    private final String identity;
    private final java.util.function.Function<Tags, Destination> make;
    private final Map<String, Destination> byPrincipal = new java.util.concurrent.ConcurrentHashMap<>();
    /** The live endpoint whose verified identity is the principal; null until bound. */
    volatile io.gatehouse.gateway.upstream.EndpointState live;
    private volatile Destination current;

    EndpointDestination(Tags base, Upstream.Workload workload, String identity,
                        java.util.function.Function<Tags, Destination> make) {
      this.tags = workloadTags(base, workload);
      this.identity = identity.isEmpty() ? UNKNOWN : identity;
      this.make = make;
      this.current = forPrincipal(this.identity);
    }

    Destination destination() {
      io.gatehouse.gateway.upstream.EndpointState e = live;
      String verified = e == null ? null : e.verifiedIdentity();
      String principal = verified == null ? identity : verified;
      Destination d = current;
      if (d.principal.equals(principal)) {
        return d;
      }
      d = forPrincipal(principal);
      current = d;
      return d;
    }

    private Destination forPrincipal(String principal) {
      Destination d = byPrincipal.get(principal);
      return d != null ? d : byPrincipal.computeIfAbsent(principal, p -> make.apply(tags.and("destination_principal", p)));
    }
  }

  /** One destination's label values and its meters by status, flags and gRPC status. */
  private final class Destination {
    final Tags tags;
    final String principal;
    /** Slot {@code status} (0..599) holds the chain of label sets seen with that status. */
    final AtomicReferenceArray<HttpMeters> byStatus = new AtomicReferenceArray<>(600);
    final Map<String, Tcp> tcp = new java.util.concurrent.ConcurrentHashMap<>();

    Destination(Tags tags) {
      this.tags = tags;
      String p = null;
      for (io.micrometer.core.instrument.Tag t : tags) {
        if (t.getKey().equals("destination_principal")) {
          p = t.getValue();
        }
      }
      this.principal = p == null ? UNKNOWN : p;
    }

    HttpMeters http(int status, String flags, int grpcStatus) {
      int slot = status >= 0 && status < 600 ? status : 0;
      for (HttpMeters m = byStatus.get(slot); m != null; m = m.next) {
        if (m.grpcStatus == grpcStatus && m.flags.equals(flags)) {
          return m;
        }
      }
      return create(slot, flags, grpcStatus);
    }

    private synchronized HttpMeters create(int status, String flags, int grpcStatus) {
      HttpMeters head = byStatus.get(status);
      for (HttpMeters m = head; m != null; m = m.next) {
        if (m.grpcStatus == grpcStatus && m.flags.equals(flags)) {
          return m;
        }
      }
      Tags all = source.and(tags).and("request_protocol", grpcStatus >= 0 ? "grpc" : "http",
          "response_code", Integer.toString(status), "response_flags", flags,
          "grpc_response_status", grpcStatus >= 0 ? Integer.toString(grpcStatus) : "");
      HttpMeters created = new HttpMeters(all, grpcStatus, flags, head);
      byStatus.set(status, created);
      return created;
    }

    Tcp tcp(String flags) {
      return tcp.computeIfAbsent(flags, f -> new Tcp(source.and(tags).and("request_protocol", "tcp", "response_flags", f)));
    }
  }

  static String orUnknown(String value) {
    return value == null || value.isBlank() ? UNKNOWN : value;
  }
}
