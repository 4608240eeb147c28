package io.gatehouse.certs.mesh;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;

/**
 * What the pod says about who it is, for a {@code meshIdentity} without namespace or service
 * account: {@code POD_NAMESPACE} and {@code SERVICE_ACCOUNT} (what Istio's injector sets from the
 * downward API), the service account's namespace file, and the {@code sub} claim of the token
 * ({@code system:serviceaccount:NS:SA}, which the API server sets on every projected token).
 */
record Pod(Map<String, String> env, Path namespaceFile) {
  static final Path NAMESPACE_FILE = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/namespace");

  static Pod fromEnvironment() {
    return new Pod(System.getenv(), NAMESPACE_FILE);
  }

  /** The namespace: configured, else POD_NAMESPACE, the namespace file, the token's subject; "" when none says. */
  String namespace(String configured, String token) {
    if (!configured.isEmpty()) {
      return configured;
    }
    String env = this.env.getOrDefault("POD_NAMESPACE", "");
    if (!env.isEmpty()) {
      return env;
    }
    try {
      if (Files.isRegularFile(namespaceFile)) {
        return Files.readString(namespaceFile).trim();
      }
    } catch (IOException e) {
      // fall through to the token
    }
    return subject(token, 2);
  }

  /** The service account: configured, else SERVICE_ACCOUNT, the token's subject; "" when none says. */
  String serviceAccount(String configured, String token) {
    if (!configured.isEmpty()) {
      return configured;
    }
    String env = this.env.getOrDefault("SERVICE_ACCOUNT", "");
    return env.isEmpty() ? subject(token, 3) : env;
  }

  /** Part {@code index} of {@code system:serviceaccount:NS:SA} in the JWT's payload; "" when it is not one. */
  static String subject(String token, int index) {
    String[] parts = token.split("\\.");
    if (parts.length != 3) {
      return "";
    }
    try {
      String sub = new JsonObject(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)).getString("sub", "");
      String[] names = sub.split(":");
      return names.length == 4 && names[0].equals("system") && names[1].equals("serviceaccount") ? names[index] : "";
    } catch (RuntimeException e) {
      return "";
    }
  }
}
