package io.gatehouse.routes.mesh;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Translates Istio ({@code networking.istio.io}, {@code security.istio.io}), Kubernetes Gateway API and Ingress resources into a
 * native config fragment. Pure: the same resources and settings give the same fragment (the
 * only side effect is the {@link SecretStore} writing certificate files). Resources are read in
 * namespace/name order, so a conflict always goes against the same resource.
 */
public final class MeshTranslator {
  private MeshTranslator() {}

  public static MeshFragment translate(List<MeshResource> resources, MeshSettings settings, SecretStore secrets) {
    List<MeshResource> sorted = new ArrayList<>(resources);
    sorted.sort(Comparator.comparing(MeshResource::namespace).thenComparing(MeshResource::name));
    Catalog catalog = new Catalog(sorted, settings);
    Report report = new Report();
    ListenerPlan plan = new ListenerPlan(settings);
    IstioGateways istioGateways = new IstioGateways();
    istioGateways.translate(catalog, secrets, plan, report);
    Policies policies = Policies.read(catalog, secrets, report);
    Destinations destinations = new Destinations(catalog, policies);
    GatewayApi gatewayApi = new GatewayApi(catalog);
    gatewayApi.gateways(secrets, plan, report);
    RouteSet routes = new RouteSet();
    new IstioRoutes(catalog, destinations, istioGateways.selected()).translate(routes, report);
    HttpRoutes httpRoutes = new HttpRoutes(catalog, destinations, gatewayApi);
    httpRoutes.routes(routes, report);
    new TlsRoutes(catalog, httpRoutes).routes(routes, report);
    new TcpRoutes(catalog, httpRoutes).routes(routes, report);
    IngressFragment ingress = new Ingresses(catalog, destinations, secrets).translate(report);
    var egress = ServiceEntries.translate(catalog, policies, report);
    var security = IstioSecurity.translate(catalog, report);
    return new MeshFragment(plan.listeners(), destinations.upstreams(), routes.routes(), egress, security, report.all(),
        report.accepted(), ingress);
  }
}
