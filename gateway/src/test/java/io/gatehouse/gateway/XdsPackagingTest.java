package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The jar keeps what the xDS source needs at run time. Tests run on the test class path, so they
 * cannot see it; but Maven drops a dependency from the jar when this module declares it test-scoped,
 * even when admin-api needs it at compile scope: a test-scoped protobuf-java or grpc-java here
 * would leave {@code run --xds} failing with NoClassDefFoundError only in production.
 */
class XdsPackagingTest {
  private static final List<String> RUNTIME = List.of("protobuf-java", "grpc-api", "grpc-stub", "grpc-netty-shaded",
      "grpc-core", "grpc-protobuf", "api");

  @Test
  void theGatewayNeverDeclaresTheXdsRuntimeTestScoped() throws Exception {
    Path pom = Path.of(System.getProperty("user.dir"), "pom.xml");
    String text = Files.readString(pom);
    Matcher m = Pattern.compile("<dependency>(.*?)</dependency>", Pattern.DOTALL).matcher(text);
    while (m.find()) {
      String d = m.group(1);
      Matcher artifact = Pattern.compile("<artifactId>([^<]+)</artifactId>").matcher(d);
      if (!artifact.find() || !d.contains("<scope>test</scope>")) {
        continue;
      }
      boolean grpcOrProtobuf = d.contains("io.grpc") || d.contains("com.google.protobuf")
          || d.contains("io.envoyproxy.controlplane</groupId><artifactId>api<");
      assertFalse(grpcOrProtobuf && RUNTIME.contains(artifact.group(1)),
          pom + ": " + artifact.group(1) + " is declared test-scoped, which drops it from the jar the xDS source runs in");
    }
  }
}
