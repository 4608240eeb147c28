package io.gatehouse.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.gatehouse.gateway.Gatehouse;
import io.gatehouse.routes.ConfigError;
import io.gatehouse.routes.load.ConfigLoader;
import io.gatehouse.routes.load.LoadResult;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The ConfigMap's native config is what the gateway reads (its own loader, not a copy of its
 * rules), and the Deployment's probes hit paths and a port the gateway really serves.
 */
class ConfigMapConfigTest {
  /** Where the manifests mount the admin token; the tests put a token file there instead. */
  private static final String TOKEN_FILE = "/etc/gatehouse/admin/token";

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"ingress", "egress", "ingress-egress", "ingress-proxy-protocol"})
  void configMapLoadsWithTheGatewaysLoader(String overlay, @TempDir Path dir) throws Exception {
    writeConfig(Rendered.kustomize(overlay).configTexts(), dir);
    LoadResult result = ConfigLoader.loadDirectory(dir);
    List<String> errors = result instanceof LoadResult.Rejected rejected
        ? rejected.errors().stream().map(ConfigError::toString).toList()
        : List.of();
    assertEquals(List.of(), errors, "overlays/" + overlay + ": the ConfigMap's config");
  }

  @Test
  void probesAnswerOnTheAdminPortWithoutAToken(@TempDir Path dir) throws Exception {
    Rendered r = Rendered.kustomize("ingress-egress");
    // Only the admin file: the gateway is started for its admin server, which the probes target.
    writeConfig(Map.of("admin.yaml", r.configTexts().get("admin.yaml")), dir);
    Container c = GatewayChecks.gatehouse(r.only(Deployment.class).getSpec().getTemplate().getSpec(), r);
    int configuredPort = c.getPorts().stream().filter(p -> p.getName().equals("admin")).findFirst().orElseThrow()
        .getContainerPort();
    assertEquals(configuredPort, r.configFiles().get("admin.yaml").path("admin").path("port").asInt());

    // Port 0 instead of the configured one (tests never bind fixed ports); everything else as deployed.
    // The admin file alone has no listeners, which the gateway refuses unless told (--allow-empty).
    try (Gatehouse gatehouse = Gatehouse.start(new Gatehouse.Options(Optional.of(dir), OptionalInt.of(0), 1,
        Duration.ofSeconds(1), OutputStream.nullOutputStream()).withAllowEmpty(true))) {
      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      for (Probe probe : List.of(c.getStartupProbe(), c.getLivenessProbe(), c.getReadinessProbe())) {
        URI uri = URI.create("http://127.0.0.1:" + gatehouse.adminPort() + probe.getHttpGet().getPath());
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), uri + " answered " + response.body());
      }
    }
  }

  /** The ConfigMap's files in {@code dir}, with the admin token at a path of this test's. */
  private static void writeConfig(Map<String, String> files, Path dir) throws Exception {
    Path token = dir.resolve("secret").resolve("token");
    Files.createDirectories(token.getParent());
    Files.writeString(token, "test-token\n");
    for (var file : files.entrySet()) {
      Files.writeString(dir.resolve(file.getKey()), file.getValue().replace(TOKEN_FILE, token.toString()));
    }
  }
}
