package io.gatehouse.routes.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.routes.ConfigError;
import io.gatehouse.routes.GatewayConfig;
import io.gatehouse.routes.Origin;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One source's share of a merged config, and the checks that only the merged whole can pass. */
class FragmentTest {
  private static LoadResult fragment(String name, String text) {
    return ConfigLoader.loadFragment(List.of(new ConfigFile(name, text, Path.of("."))));
  }

  private static GatewayConfig loaded(LoadResult result) {
    return assertInstanceOf(LoadResult.Loaded.class, result, () -> result.toString()).config();
  }

  @Test
  void aFragmentMayNameUpstreamsThatAnotherSourceDefines() {
    GatewayConfig config = loaded(fragment("admin:routes/shop", "{\"routes\": [{\"name\": \"shop\", \"backends\": [{\"upstream\": \"elsewhere\"}]}]}"));
    assertEquals("shop", config.routes().get(0).name());
  }

  @Test
  void aFragmentStillChecksEveryFieldWithItsLine() {
    LoadResult result = fragment("admin:routes/shop", "{\n  \"name\": \"shop\",\n  \"timeout\": \"0s\",\n  \"directResponse\": {\"status\": 200}\n}"
        .transform(body -> "{\"routes\": [" + body + "]}"));
    List<ConfigError> errors = assertInstanceOf(LoadResult.Rejected.class, result).errors();
    assertEquals(1, errors.size(), errors::toString);
    assertEquals(new Origin("admin:routes/shop", 3), errors.get(0).origin());
    assertTrue(errors.get(0).message().contains("timeout must be more than 0"), errors::toString);
  }

  @Test
  void adminDemoAndEgressModeBelongToTheConfigDirectory() {
    LoadResult result = fragment("http:cp", "admin: { port: 1 }\ndemo: { echoPort: 1 }\negress: { mode: ALLOW_ANY }\n");
    List<ConfigError> errors = assertInstanceOf(LoadResult.Rejected.class, result).errors();
    assertEquals(List.of(1, 2, 3), errors.stream().map(e -> e.origin().line()).toList(), errors::toString);
    assertTrue(errors.get(2).message().contains("egress.mode can only be set in the config directory"), errors::toString);
  }

  @Test
  void crossCheckFindsDanglingUpstreamsAndOverlappingListeners() {
    GatewayConfig one = loaded(fragment("x", """
        listeners: [{ name: a, port: 8080 }, { name: c, port: 9901 }]
        routes: [{ name: r, backends: [{ upstream: gone }] }]
        """));
    GatewayConfig two = loaded(fragment("y", "listeners: [{ name: b, port: 8080, address: 127.0.0.1 }]\n"));
    List<io.gatehouse.routes.Listener> listeners = new ArrayList<>(one.listeners());
    listeners.add(1, two.listeners().get(0));
    GatewayConfig config = one.withObjects(listeners, one.upstreams(), one.routes(), one.egress().allow());
    List<ConfigError> errors = new ArrayList<>(CrossCheck.check(config, (kind, name) -> new Origin("src:" + kind + "/" + name, 0)));
    assertEquals(3, errors.size(), errors::toString);
    assertEquals("src:routes/r:0: route \"r\": backends.upstream: upstream \"gone\" is not defined (known: none)", errors.get(0).toString());
    assertTrue(errors.get(1).toString().startsWith("src:listeners/b:0: listener \"b\": port: 127.0.0.1:8080 overlaps listener \"a\""), errors::toString);
    assertTrue(errors.get(2).message().contains("is the admin port"), errors::toString);
  }
}
