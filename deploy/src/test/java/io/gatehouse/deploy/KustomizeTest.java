package io.gatehouse.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every kustomize overlay renders (kubectl kustomize) into valid objects of the right shape. */
class KustomizeTest {
  private static final Set<String> CLUSTER_SCOPED = Set.of("Namespace", "ClusterRole", "ClusterRoleBinding", "IngressClass");

  static Stream<Arguments> overlays() {
    return Stream.of(
        Arguments.of("ingress", Shape.INGRESS),
        Arguments.of("egress", Shape.EGRESS),
        Arguments.of("ingress-egress", Shape.BOTH),
        Arguments.of("ingress-proxy-protocol", Shape.INGRESS_PROXY_PROTOCOL));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("overlays")
  void overlayRendersTheGateway(String overlay, Shape shape) {
    Rendered r = Rendered.kustomize(overlay);
    GatewayChecks.check(r, shape);
    Namespace namespace = r.only(Namespace.class);
    assertEquals("gatehouse", namespace.getMetadata().getName());
    assertEquals("restricted", namespace.getMetadata().getLabels().get("pod-security.kubernetes.io/enforce"),
        overlay + ": the pods meet the restricted Pod Security Standard");
    assertEquals("disabled", namespace.getMetadata().getLabels().get("istio-injection"), overlay + ": no sidecar injection");
    for (HasMetadata o : r.objects()) {
      String expected = CLUSTER_SCOPED.contains(o.getKind()) ? null : "gatehouse";
      assertEquals(expected, o.getMetadata().getNamespace(), overlay + ": namespace of " + o.getKind() + "/" + o.getMetadata().getName());
      assertTrue(o.getMetadata().getLabels() != null && "gatehouse".equals(o.getMetadata().getLabels().get("app.kubernetes.io/name")),
          overlay + ": " + o.getKind() + "/" + o.getMetadata().getName() + " is labelled");
    }
  }
}
