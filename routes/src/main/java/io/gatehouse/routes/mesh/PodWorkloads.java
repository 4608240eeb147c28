package io.gatehouse.routes.mesh;

import io.gatehouse.routes.Upstream;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The workload behind a pod, as Istio derives it for telemetry and identity: the workload name
 * from the {@code service.istio.io/workload-name} label, else the pod's controller (a ReplicaSet
 * named {@code <deployment>-<pod-template-hash>} gives the Deployment; an Argo Rollout's the same by
 * {@code rollouts-pod-template-hash}; an OpenShift DeploymentConfig's ReplicationController its
 * {@code deploymentconfig} label; a CronJob's Job {@code <cronjob>-<8..10 digits>} the CronJob;
 * another controller its own name), else the pod's name (Istio's {@code GetWorkloadMetaFromPod});
 * the app and version as Istio's canonical service name and revision
 * ({@code service.istio.io/canonical-name}, {@code app.kubernetes.io/name}, {@code app}, else the
 * workload name; {@code service.istio.io/canonical-revision}, {@code app.kubernetes.io/version},
 * {@code version}, else none); the service account from {@code spec.serviceAccountName}.
 */
final class PodWorkloads {
  private static final Pattern CRON_JOB = Pattern.compile("(.+)-\\d{8,10}");
  private static final List<String> NAME_LABELS = List.of("service.istio.io/canonical-name", "app.kubernetes.io/name", "app");
  private static final List<String> REVISION_LABELS = List.of("service.istio.io/canonical-revision",
      "app.kubernetes.io/version", "version");

  private PodWorkloads() {}

  /** The workload of {@code pod}, a Pod resource, in a mesh cluster named {@code cluster} (empty: unknown). */
  static Upstream.Workload of(MeshResource pod, String cluster) {
    Tree metadata = pod.metadata();
    Map<String, String> labels = metadata.map("labels");
    String name = labels.getOrDefault("service.istio.io/workload-name", deploymentName(pod, metadata, labels));
    String app = first(labels, NAME_LABELS, name);
    String version = first(labels, REVISION_LABELS, "");
    String serviceAccount = new Tree(pod.object(), "").get("spec").text("serviceAccountName");
    return new Upstream.Workload(name, pod.namespace(), app, version, serviceAccount, "", cluster);
  }

  /** Istio's {@code GetDeployMetaFromPod}: the controller's name, Deployment and CronJob recognised by their suffixes. */
  private static String deploymentName(MeshResource pod, Tree metadata, Map<String, String> labels) {
    if (metadata.text("generateName").isEmpty()) {
      return pod.name();
    }
    for (Tree ref : metadata.get("ownerReferences").itemsOrEmpty()) {
      if (!ref.get("controller").present() || !ref.get("controller").node().asBoolean(false)) {
        continue;
      }
      String kind = ref.text("kind");
      String owner = ref.text("name");
      String hash = labels.getOrDefault("pod-template-hash", "");
      String rolloutHash = labels.getOrDefault("rollouts-pod-template-hash", "");
      if (kind.equals("ReplicaSet") && !hash.isEmpty() && owner.endsWith(hash)) {
        return trimSuffix(owner, "-" + hash);
      }
      if (kind.equals("ReplicaSet") && !rolloutHash.isEmpty() && owner.endsWith(rolloutHash)) {
        return trimSuffix(owner, "-" + rolloutHash);
      }
      if (kind.equals("ReplicationController") && !labels.getOrDefault("deploymentconfig", "").isEmpty()) {
        return labels.get("deploymentconfig");
      }
      if (kind.equals("Job")) {
        Matcher m = CRON_JOB.matcher(owner);
        if (m.matches()) {
          return m.group(1);
        }
      }
      return owner.isEmpty() ? pod.name() : owner;
    }
    return pod.name();
  }

  /** As Go's {@code strings.TrimSuffix}: {@code text} without {@code suffix} when it ends with it. */
  private static String trimSuffix(String text, String suffix) {
    return text.endsWith(suffix) ? text.substring(0, text.length() - suffix.length()) : text;
  }

  private static String first(Map<String, String> labels, List<String> keys, String fallback) {
    for (String key : keys) {
      String value = labels.get(key);
      if (value != null) {
        return value;
      }
    }
    return fallback;
  }
}
