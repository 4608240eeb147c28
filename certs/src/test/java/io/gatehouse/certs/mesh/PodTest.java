package io.gatehouse.certs.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Who the pod is when meshIdentity does not say: config, then the injector's env, the namespace file, the token. */
class PodTest {
  @TempDir Path dir;

  static String token(String sub) {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    return b64.encodeToString("{\"alg\":\"RS256\"}".getBytes(StandardCharsets.UTF_8)) + "."
        + b64.encodeToString(("{\"aud\":[\"istio-ca\"],\"sub\":\"" + sub + "\"}").getBytes(StandardCharsets.UTF_8))
        + ".c2ln";
  }

  @Test
  void configWinsThenEnvironmentThenNamespaceFileThenToken() throws Exception {
    String token = token("system:serviceaccount:from-token:sa-token");
    Path nsFile = Files.writeString(dir.resolve("namespace"), "from-file\n");
    Pod env = new Pod(Map.of("POD_NAMESPACE", "from-env", "SERVICE_ACCOUNT", "sa-env"), nsFile);
    assertEquals("configured", env.namespace("configured", token));
    assertEquals("from-env", env.namespace("", token));
    assertEquals("sa-env", env.serviceAccount("", token));
    Pod file = new Pod(Map.of(), nsFile);
    assertEquals("from-file", file.namespace("", token));
    assertEquals("sa-token", file.serviceAccount("", token));
    Pod bare = new Pod(Map.of(), dir.resolve("absent"));
    assertEquals("from-token", bare.namespace("", token));
  }

  @Test
  void aTokenThatIsNotAServiceAccountsSaysNothing() {
    Pod bare = new Pod(Map.of(), dir.resolve("absent"));
    assertEquals("", bare.serviceAccount("", token("alice")));
    assertEquals("", bare.namespace("", "not-a-jwt"));
  }
}
