package io.gatehouse.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.gatehouse.admin.source.kubernetes.WatchedKind;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What every rendering of the gateway (each overlay, each chart configuration) must get right,
 * checked on the parsed objects: probes on the admin port's /healthz and /ready, the drain
 * sequence, the security context, Services that reach the ports the native config binds, the
 * admin port kept private, least-privilege RBAC.
 */
final class GatewayChecks {
  static final String READY_PATH = "/ready";
  static final String HEALTH_PATH = "/healthz";
  private static final Set<String> WRITE_VERBS = Set.of("create", "update", "patch", "delete", "deletecollection", "*");

  private GatewayChecks() {}

  static void check(Rendered r, Shape shape) {
    Deployment deployment = r.only(Deployment.class);
    PodSpec pod = deployment.getSpec().getTemplate().getSpec();
    Map<String, String> podLabels = deployment.getSpec().getTemplate().getMetadata().getLabels();
    Container c = gatehouse(pod, r);
    Map<String, Integer> ports = c.getPorts().stream()
        .collect(Collectors.toMap(ContainerPort::getName, ContainerPort::getContainerPort));
    String at = r.source() + ": ";

    assertTrue(matches(deployment.getSpec().getSelector().getMatchLabels(), podLabels), at + "selector vs pod labels");
    assertEquals(Integer.valueOf(0).toString(), deployment.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable()
        .getValue().toString(), at + "rolling update keeps every pod until its successor is ready");
    assertEquals("false", deployment.getSpec().getTemplate().getMetadata().getAnnotations().get("sidecar.istio.io/inject"),
        at + "no sidecar");

    // Probes: the admin port's unauthenticated paths.
    probe(at + "readiness", c.getReadinessProbe(), READY_PATH, ports);
    probe(at + "liveness", c.getLivenessProbe(), HEALTH_PATH, ports);
    probe(at + "startup", c.getStartupProbe(), HEALTH_PATH, ports);

    // Drain: preStop, then SIGTERM: --drain-grace of accepting, then up to --drain-timeout for
    // requests in flight; all inside the grace period, with 10 s to 15 s of headroom (listeners
    // closing, the JVM exiting) so that a drain that runs its full time is not SIGKILLed.
    long drain = seconds(argAfter(c, "--drain-timeout"));
    long accepting = seconds(argAfter(c, "--drain-grace"));
    assertNotNull(c.getLifecycle().getPreStop().getSleep(), at + "preStop sleep");
    long preStop = c.getLifecycle().getPreStop().getSleep().getSeconds();
    long grace = pod.getTerminationGracePeriodSeconds();
    long needed = preStop + accepting + drain;
    assertTrue(grace >= needed + 10 && grace <= needed + 15, at + "terminationGracePeriodSeconds " + grace + " vs preStop "
        + preStop + "s + drain grace " + accepting + "s + drain timeout " + drain + "s + 10-15 s of headroom");

    // Security and resources.
    assertTrue(pod.getSecurityContext().getRunAsNonRoot(), at + "runAsNonRoot");
    assertEquals(65532L, pod.getSecurityContext().getRunAsUser(), at + "the image's user");
    assertTrue(c.getSecurityContext().getReadOnlyRootFilesystem(), at + "read-only root filesystem");
    assertFalse(c.getSecurityContext().getAllowPrivilegeEscalation(), at + "no privilege escalation");
    assertEquals(List.of("ALL"), c.getSecurityContext().getCapabilities().getDrop(), at + "capabilities dropped");
    for (String resource : List.of("cpu", "memory")) {
      assertNotNull(c.getResources().getRequests().get(resource), at + "requests." + resource);
      assertNotNull(c.getResources().getLimits().get(resource), at + "limits." + resource);
    }
    assertTrue(matches(pod.getAffinity().getPodAntiAffinity().getPreferredDuringSchedulingIgnoredDuringExecution().get(0)
        .getPodAffinityTerm().getLabelSelector().getMatchLabels(), podLabels), at + "anti-affinity selects the gateway's pods");
    assertEquals("/tmp", mount(c, volume(pod, v -> v.getEmptyDir() != null, r).getName(), r).getMountPath(),
        at + "writable /tmp (Netty's native libraries)");

    // The native config: mounted where --config points, consistent with the container ports.
    Map<String, JsonNode> config = r.configFiles();
    Volume configVolume = volume(pod, v -> v.getConfigMap() != null, r);
    assertEquals(r.only(io.fabric8.kubernetes.api.model.ConfigMap.class).getMetadata().getName(),
        configVolume.getConfigMap().getName(), at + "the config volume is the ConfigMap");
    assertEquals(argAfter(c, "--config"), mount(c, configVolume.getName(), r).getMountPath(), at + "--config is the mount");
    JsonNode admin = config.get("admin.yaml").path("admin");
    assertEquals(ports.get("admin"), admin.path("port").asInt(), at + "admin.port is the container's admin port");
    assertEquals("0.0.0.0", admin.path("address").asText(), at + "admin reachable by the kubelet");
    Path tokenFile = Path.of(admin.path("tokenFile").asText());
    Volume tokenVolume = volume(pod, v -> v.getSecret() != null, r);
    assertEquals(tokenFile.getParent().toString(), mount(c, tokenVolume.getName(), r).getMountPath(),
        at + "admin.tokenFile lies in the Secret's mount");
    r.find(io.fabric8.kubernetes.api.model.Secret.class, tokenVolume.getSecret().getSecretName())
        .ifPresent(s -> assertTrue(s.getData().containsKey(tokenFile.getFileName().toString()), at + "token key"));

    JsonNode mesh = config.get("mesh.yaml").path("kubernetes").path(0); // the one cluster: this one
    assertEquals(ports.get("http"), mesh.path("ports").path("80").asInt(), at + "Gateway port 80 binds the http port");
    assertEquals(ports.get("https"), mesh.path("ports").path("443").asInt(), at + "Gateway port 443 binds the https port");
    assertEquals(shape.proxyProtocol(), mesh.path("proxyProtocol").asBoolean(), at + "mesh proxyProtocol");
    List<String> istio = new ArrayList<>();
    mesh.path("gatewayLabels").path("istio").forEach(n -> istio.add(n.asText()));
    List<String> expected = new ArrayList<>();
    if (shape.ingress()) {
      expected.add("ingressgateway");
    }
    if (shape.egress()) {
      expected.add("egressgateway");
    }
    assertEquals(expected, istio, at + "the Istio Gateways it serves");
    if (shape.ingress()) {
      assertEquals("gatehouse", mesh.path("ingressClassName").asText(), at + "the Ingress class it serves");
      assertEquals("gatehouse/gatehouse-ingress", mesh.path("publishService").asText(),
          at + "Ingress status publishes the ingress Service's address");
      var ingressClass = r.one(io.fabric8.kubernetes.api.model.networking.v1.IngressClass.class, "gatehouse");
      assertEquals("gatehouse.io/ingress-controller", ingressClass.getSpec().getController(), at + "IngressClass controller");
    } else {
      assertTrue(mesh.path("publishService").isMissingNode(), at + "no ingress Service to publish");
      assertTrue(r.all(io.fabric8.kubernetes.api.model.networking.v1.IngressClass.class).isEmpty(), at + "no IngressClass");
    }
    assertEquals(shape.egress(), config.containsKey("egress.yaml"), at + "egress.yaml");
    if (shape.egress()) {
      JsonNode listener = config.get("egress.yaml").path("listeners").path(0);
      assertEquals("EGRESS", listener.path("protocol").asText(), at + "egress listener protocol");
      assertEquals(ports.get("egress"), listener.path("port").asInt(), at + "egress listener binds the egress port");
    }

    // Services: reach named container ports of these pods.
    for (Service s : r.all(Service.class)) {
      assertTrue(matches(s.getSpec().getSelector(), podLabels), at + s.getMetadata().getName() + " selects the pods");
      for (ServicePort p : s.getSpec().getPorts()) {
        assertTrue(ports.containsKey(p.getTargetPort().getStrVal()),
            at + s.getMetadata().getName() + " targets container port " + p.getTargetPort().getValue());
        assertFalse("admin".equals(p.getTargetPort().getStrVal()), at + "no Service exposes the admin port");
      }
    }
    var ingress = r.find(Service.class, "gatehouse-ingress");
    assertEquals(shape.ingress(), ingress.isPresent(), at + "ingress Service");
    ingress.ifPresent(s -> {
      assertEquals("LoadBalancer", s.getSpec().getType(), at + "ingress Service type");
      assertEquals("Local", s.getSpec().getExternalTrafficPolicy(), at + "externalTrafficPolicy");
      assertEquals(Map.of("http", 80, "https", 443), s.getSpec().getPorts().stream()
          .collect(Collectors.toMap(ServicePort::getTargetPort, ServicePort::getPort)).entrySet().stream()
          .collect(Collectors.toMap(e -> e.getKey().getStrVal(), Map.Entry::getValue)), at + "ingress ports");
      Map<String, String> annotations = s.getMetadata().getAnnotations() == null ? Map.of() : s.getMetadata().getAnnotations();
      assertEquals(shape.proxyProtocol(), annotations.keySet().stream().anyMatch(k -> k.contains("proxy-protocol")),
          at + "PROXY protocol annotation");
    });
    var egress = r.find(Service.class, "gatehouse-egress");
    assertEquals(shape.egress(), egress.isPresent(), at + "egress Service");
    egress.ifPresent(s -> assertEquals("ClusterIP", s.getSpec().getType(), at + "egress stays in the cluster"));

    // Availability.
    PodDisruptionBudget pdb = r.only(PodDisruptionBudget.class);
    assertTrue(matches(pdb.getSpec().getSelector().getMatchLabels(), podLabels), at + "PDB selects the pods");
    List<HorizontalPodAutoscaler> hpas = r.all(HorizontalPodAutoscaler.class);
    if (hpas.isEmpty()) {
      assertTrue(deployment.getSpec().getReplicas() >= 2, at + "at least two replicas");
    } else {
      HorizontalPodAutoscaler hpa = r.only(HorizontalPodAutoscaler.class);
      assertEquals(deployment.getMetadata().getName(), hpa.getSpec().getScaleTargetRef().getName(), at + "HPA target");
      assertTrue(hpa.getSpec().getMinReplicas() >= 2, at + "at least two replicas");
    }

    // The admin port is open only to listed peers.
    NetworkPolicy policy = r.only(NetworkPolicy.class);
    assertTrue(matches(policy.getSpec().getPodSelector().getMatchLabels(), podLabels), at + "NetworkPolicy selects the pods");
    assertEquals(List.of("Ingress"), policy.getSpec().getPolicyTypes(), at + "policy types");
    for (NetworkPolicyIngressRule rule : policy.getSpec().getIngress()) {
      boolean admits = rule.getPorts().stream().map(NetworkPolicyPort::getPort).map(IntOrString::getValue)
          .anyMatch(p -> p.equals("admin") || p.equals(ports.get("admin")));
      assertTrue(!admits || !rule.getFrom().isEmpty(), at + "admin port only from listed peers");
    }

    rbac(r, pod.getServiceAccountName());
  }

  private static void rbac(Rendered r, String serviceAccount) {
    String at = r.source() + ": ";
    r.one(ServiceAccount.class, serviceAccount);
    ClusterRole clusterRole = r.only(ClusterRole.class);
    for (PolicyRule rule : clusterRole.getRules()) {
      assertFalse(rule.getResources().contains("secrets"), at + "no cluster-wide Secrets");
      assertFalse(rule.getResources().contains("*") || rule.getApiGroups().contains("*"), at + "no wildcards");
      if (rule.getVerbs().stream().anyMatch(WRITE_VERBS::contains)) {
        assertTrue(rule.getResources().stream().allMatch(res -> res.endsWith("/status")), at + "writes status only: " + rule);
      }
    }
    for (String[] grant : new String[][] {
        {"networking.k8s.io", "ingresses", "watch"}, {"networking.k8s.io", "ingressclasses", "list"},
        {"networking.k8s.io", "ingresses/status", "update"}, {"gateway.networking.k8s.io", "tcproutes", "watch"},
        {"gateway.networking.k8s.io", "tcproutes/status", "update"}, {"gateway.networking.k8s.io", "tlsroutes", "watch"},
        {"", "pods", "watch"}, {"", "pods", "list"}, {"discovery.k8s.io", "endpointslices", "watch"}}) {
      assertTrue(clusterRole.getRules().stream().anyMatch(rule -> rule.getApiGroups().contains(grant[0])
          && rule.getResources().contains(grant[1]) && rule.getVerbs().contains(grant[2])),
          at + "the ClusterRole lets the Kubernetes source " + grant[2] + " " + grant[0] + " " + grant[1]);
    }
    Role role = r.only(Role.class);
    // Every kind the Kubernetes source watches is readable: cluster-wide, or (Secrets) in the gateway's namespace.
    for (WatchedKind kind : WatchedKind.ALL) {
      List<PolicyRule> rules = kind.plural().equals("secrets") ? role.getRules() : clusterRole.getRules();
      for (String verb : List.of("list", "watch")) {
        assertTrue(rules.stream().anyMatch(rule -> rule.getApiGroups().contains(kind.group())
            && rule.getResources().contains(kind.plural()) && rule.getVerbs().contains(verb)),
            at + "the RBAC lets the Kubernetes source " + verb + " " + kind);
      }
    }
    assertEquals("gatehouse", role.getMetadata().getNamespace(), at + "Secrets only in the gateway's namespace");
    assertTrue(role.getRules().stream().allMatch(rule -> rule.getVerbs().stream().noneMatch(WRITE_VERBS::contains)),
        at + "Secrets read-only");
    Subject subject = r.only(ClusterRoleBinding.class).getSubjects().get(0);
    assertEquals(serviceAccount, subject.getName(), at + "ClusterRoleBinding subject");
    assertEquals(clusterRole.getMetadata().getName(), r.only(ClusterRoleBinding.class).getRoleRef().getName(), at + "roleRef");
    assertEquals(serviceAccount, r.only(RoleBinding.class).getSubjects().get(0).getName(), at + "RoleBinding subject");
    assertEquals("gatehouse", r.only(RoleBinding.class).getSubjects().get(0).getNamespace(), at + "RoleBinding namespace");
  }

  static Container gatehouse(PodSpec pod, Rendered r) {
    return pod.getContainers().stream().filter(c -> c.getName().equals("gatehouse")).findFirst()
        .orElseGet(() -> fail(r.source() + ": no container gatehouse"));
  }

  private static void probe(String what, Probe probe, String path, Map<String, Integer> ports) {
    assertNotNull(probe, what + " probe");
    HTTPGetAction get = probe.getHttpGet();
    assertNotNull(get, what + " probe is an HTTP GET");
    assertEquals(path, get.getPath(), what + " path");
    assertEquals("admin", get.getPort().getStrVal(), what + " port");
    assertTrue(ports.containsKey("admin"), what + ": the container has an admin port");
  }

  /** Whole seconds of a duration argument such as {@code 30s}. */
  private static long seconds(String duration) {
    assertTrue(duration.matches("[0-9]+s"), "a duration in whole seconds: " + duration);
    return Long.parseLong(duration.substring(0, duration.length() - 1));
  }

  static String argAfter(Container c, String flag) {
    List<String> args = c.getArgs();
    int i = args.indexOf(flag);
    assertTrue(i >= 0 && i + 1 < args.size(), "args " + args + " have " + flag);
    return args.get(i + 1);
  }

  private static Volume volume(PodSpec pod, java.util.function.Predicate<Volume> which, Rendered r) {
    return pod.getVolumes().stream().filter(which).findFirst().orElseGet(() -> fail(r.source() + ": volume missing"));
  }

  private static VolumeMount mount(Container c, String volume, Rendered r) {
    return c.getVolumeMounts().stream().filter(m -> m.getName().equals(volume)).findFirst()
        .orElseGet(() -> fail(r.source() + ": volume " + volume + " not mounted"));
  }

  static boolean matches(Map<String, String> selector, Map<String, String> labels) {
    return selector != null && !selector.isEmpty() && labels.entrySet().containsAll(selector.entrySet());
  }
}
