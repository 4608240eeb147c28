package io.gatehouse.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.Role;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Helm chart lints, renders valid objects of the right shape for each way to install it, and
 * renders the same gateway as the matching kustomize overlay (same objects, config, container,
 * Services, policies), so the two install paths cannot drift apart.
 */
class ChartTest {
  static Stream<Arguments> installs() {
    return Stream.of(
        Arguments.of(List.of(), Shape.INGRESS, "ingress"),
        Arguments.of(List.of("ingress.enabled=false", "egress.enabled=true"), Shape.EGRESS, "egress"),
        Arguments.of(List.of("egress.enabled=true"), Shape.BOTH, "ingress-egress"),
        Arguments.of(List.of("ingress.proxyProtocol.enabled=true"), Shape.INGRESS_PROXY_PROTOCOL, "ingress-proxy-protocol"));
  }

  @Test
  void lints() {
    String out = Tools.run(Tools.command(Tools.helm(), "lint", "--strict", Tools.deploy().resolve("helm/gatehouse")));
    assertTrue(out.contains("0 chart(s) failed"), out);
  }

  @ParameterizedTest(name = "{2}")
  @MethodSource("installs")
  void rendersTheSameGatewayAsTheOverlay(List<String> values, Shape shape, String overlay) {
    Rendered chart = Rendered.helm(values);
    GatewayChecks.check(chart, shape);
    Rendered kustomize = Rendered.kustomize(overlay);

    // The same objects, but the Namespace (helm install --create-namespace) and the admin token
    // Secret (the chart makes one; with kustomize the operator does).
    assertEquals(List.of("Namespace/gatehouse"), names(kustomize, Namespace.class), "overlay's Namespace");
    assertEquals(List.of("Secret/gatehouse-admin-token"), names(chart, Secret.class), "chart's admin token Secret");
    assertEquals(same(kustomize), same(chart), "the objects of chart " + values + " and overlays/" + overlay);

    assertEquals(kustomize.configFiles(), chart.configFiles(), "native config");
    PodSpec k = kustomize.only(Deployment.class).getSpec().getTemplate().getSpec();
    PodSpec c = chart.only(Deployment.class).getSpec().getTemplate().getSpec();
    assertEquals(Rendered.tree(GatewayChecks.gatehouse(k, kustomize)).toPrettyString(),
        Rendered.tree(GatewayChecks.gatehouse(c, chart)).toPrettyString(), "container");
    assertEquals(Rendered.tree(k.getVolumes()), Rendered.tree(c.getVolumes()), "volumes");
    assertEquals(Rendered.tree(k.getSecurityContext()), Rendered.tree(c.getSecurityContext()), "pod security context");
    assertEquals(k.getTerminationGracePeriodSeconds(), c.getTerminationGracePeriodSeconds(), "grace period");
    for (Service s : kustomize.all(Service.class)) {
      Service other = chart.one(Service.class, s.getMetadata().getName());
      assertEquals(s.getMetadata().getAnnotations(), other.getMetadata().getAnnotations(), "annotations of " + s.getMetadata().getName());
      assertEquals(specWithoutSelector(s), specWithoutSelector(other), "spec of Service " + s.getMetadata().getName());
    }
    assertEquals(Rendered.tree(kustomize.only(ClusterRole.class).getRules()), Rendered.tree(chart.only(ClusterRole.class).getRules()), "ClusterRole");
    assertEquals(Rendered.tree(kustomize.only(Role.class).getRules()), Rendered.tree(chart.only(Role.class).getRules()), "Role");
    assertEquals(Rendered.tree(kustomize.only(NetworkPolicy.class).getSpec().getIngress()),
        Rendered.tree(chart.only(NetworkPolicy.class).getSpec().getIngress()), "NetworkPolicy rules");
    assertEquals(kustomize.only(PodDisruptionBudget.class).getSpec().getMaxUnavailable(),
        chart.only(PodDisruptionBudget.class).getSpec().getMaxUnavailable(), "PDB");
    assertEquals(Rendered.tree(kustomize.only(HorizontalPodAutoscaler.class).getSpec()),
        Rendered.tree(chart.only(HorizontalPodAutoscaler.class).getSpec()), "HPA");
  }

  @Test
  void existingAdminSecretIsUsedInsteadOfMakingOne() {
    Rendered chart = Rendered.helm(List.of("admin.existingSecret=my-admin-token"));
    assertTrue(chart.all(Secret.class).isEmpty(), "no Secret rendered: " + chart.names());
    PodSpec pod = chart.only(Deployment.class).getSpec().getTemplate().getSpec();
    assertTrue(pod.getVolumes().stream().anyMatch(v -> v.getSecret() != null
        && v.getSecret().getSecretName().equals("my-admin-token")), "mounts the given Secret");
  }

  @Test
  void autoscalingOffSetsReplicasAndDrainTimeoutMovesTheGracePeriod() {
    Rendered chart = Rendered.helm(List.of("autoscaling.enabled=false", "replicaCount=3", "drain.timeout=60"));
    assertTrue(chart.all(HorizontalPodAutoscaler.class).isEmpty(), "no HPA");
    Deployment deployment = chart.only(Deployment.class);
    assertEquals(3, deployment.getSpec().getReplicas());
    assertEquals("60s", GatewayChecks.argAfter(GatewayChecks.gatehouse(deployment.getSpec().getTemplate().getSpec(), chart),
        "--drain-timeout"));
    GatewayChecks.check(chart, Shape.INGRESS);
  }

  @Test
  void meshIdentityMountsTheIstioTokenAndRootAndConfiguresTheIdentity() {
    Rendered chart = Rendered.helm(List.of("meshIdentity.enabled=true", "meshIdentity.clusterId=east"));
    PodSpec pod = chart.only(Deployment.class).getSpec().getTemplate().getSpec();
    var token = pod.getVolumes().stream().filter(v -> v.getName().equals("istio-token")).findFirst().orElseThrow();
    var projected = token.getProjected().getSources().get(0).getServiceAccountToken();
    assertEquals("istio-ca", projected.getAudience());
    assertEquals("istio-token", projected.getPath());
    var root = pod.getVolumes().stream().filter(v -> v.getName().equals("istiod-ca-cert")).findFirst().orElseThrow();
    assertEquals("istio-ca-root-cert", root.getConfigMap().getName());
    var container = GatewayChecks.gatehouse(pod, chart);
    assertTrue(container.getVolumeMounts().stream().anyMatch(m -> m.getMountPath().equals("/var/run/secrets/tokens")));
    assertTrue(container.getVolumeMounts().stream().anyMatch(m -> m.getMountPath().equals("/var/run/secrets/istio")));
    assertTrue(container.getEnv().stream().anyMatch(e -> e.getName().equals("SERVICE_ACCOUNT")));
    JsonNode identity = chart.configFiles().get("mesh-identity.yaml").get("meshIdentity");
    assertEquals("istiod.istio-system.svc:15012", identity.get("caAddress").asText());
    assertEquals("east", identity.get("clusterId").asText());
    GatewayChecks.check(chart, Shape.INGRESS);
  }

  @Test
  void xdsTakesConfigFromIstiodWithTheMeshMountsAndLeavesOutTheKubernetesSource(@org.junit.jupiter.api.io.TempDir
      java.nio.file.Path dir) throws Exception {
    Rendered chart = Rendered.helm(List.of("xds.enabled=true", "meshIdentity.enabled=true"));
    JsonNode xds = chart.configFiles().get("xds.yaml").get("xds").get(0);
    assertEquals("istiod.istio-system.svc:15012", xds.get("address").asText());
    assertEquals("/var/run/secrets/tokens/istio-token", xds.get("tokenFile").asText());
    assertEquals("/var/run/secrets/istio/root-cert.pem", xds.get("caCert").asText());
    assertTrue(!chart.configFiles().containsKey("mesh.yaml"), "istiod serves the Gateways: no kubernetes block as well");
    PodSpec pod = chart.only(Deployment.class).getSpec().getTemplate().getSpec();
    var container = GatewayChecks.gatehouse(pod, chart);
    assertTrue(container.getVolumeMounts().stream().anyMatch(m -> m.getMountPath().equals("/var/run/secrets/tokens")));
    assertTrue(container.getVolumeMounts().stream().anyMatch(m -> m.getMountPath().equals("/var/run/secrets/istio")));
    for (String env : List.of("INSTANCE_IP", "POD_NAME", "POD_NAMESPACE", "SERVICE_ACCOUNT")) {
      assertTrue(container.getEnv().stream().anyMatch(e -> e.getName().equals(env)), env + " for Istio's node id and metadata");
    }
    // The gateway's own loader takes the rendered block (the mounted root stands in a temporary file).
    java.nio.file.Path root = java.nio.file.Files.writeString(dir.resolve("root-cert.pem"), "mesh root\n");
    String text = chart.configTexts().get("xds.yaml").replace("/var/run/secrets/istio/root-cert.pem", root.toString());
    var result = io.gatehouse.routes.load.ConfigLoader.load(List.of(new io.gatehouse.routes.load.ConfigFile("xds.yaml",
        text, dir)));
    assertTrue(result instanceof io.gatehouse.routes.load.LoadResult.Loaded loaded && loaded.config().xds().size() == 1,
        String.valueOf(result));
  }

  private static List<String> names(Rendered r, Class<? extends HasMetadata> kind) {
    return r.all(kind).stream().map(o -> o.getKind() + "/" + o.getMetadata().getName()).toList();
  }

  private static Set<String> same(Rendered r) {
    Set<String> out = new TreeSet<>(r.names());
    out.removeIf(n -> n.startsWith("Namespace/") || n.startsWith("Secret/"));
    return out;
  }

  private static JsonNode specWithoutSelector(Service s) {
    var spec = (com.fasterxml.jackson.databind.node.ObjectNode) Rendered.tree(s.getSpec());
    spec.remove("selector");
    return spec;
  }
}
