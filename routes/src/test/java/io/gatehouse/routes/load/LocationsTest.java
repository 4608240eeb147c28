package io.gatehouse.routes.load;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.gatehouse.routes.Origin;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Putting errors found on a merged config back on the line of the document that wrote them. */
class LocationsTest {
  private static final ConfigFile DOC = new ConfigFile("doc.yaml", """
      upstreams:
        - { name: a, endpoints: ["127.0.0.1:1"] }
      routes:
        - name: other
          backends: [{ upstream: gone }]
        - name: shop
          backends:
            - { upstream: a }
            - { upstream: gone }
          mirror: { upstream: shadow }
      egress:
        allow:
          - { name: github, host: api.github.com, ports: [443] }
      """, Path.of("."));

  @Test
  void aFieldIsFoundInItsObjectAndByItsValue() {
    assertEquals(Optional.of(new Origin("doc.yaml", 9)), Locations.of(DOC, "routes", "shop", "backends.upstream", "gone"));
    assertEquals(Optional.of(new Origin("doc.yaml", 8)), Locations.of(DOC, "routes", "shop", "backends.upstream", "other"));
    assertEquals(Optional.of(new Origin("doc.yaml", 10)), Locations.of(DOC, "routes", "shop", "mirror.upstream", ""));
    assertEquals(Optional.of(new Origin("doc.yaml", 5)), Locations.of(DOC, "routes", "other", "backends.upstream", "gone"));
  }

  @Test
  void anUnwrittenFieldIsTheObjectsLineAndAnUnknownObjectIsNowhere() {
    assertEquals(Optional.of(new Origin("doc.yaml", 6)), Locations.of(DOC, "routes", "shop", "timeout", ""));
    assertEquals(Optional.of(new Origin("doc.yaml", 13)), Locations.of(DOC, "egress/allow", "github", "", ""));
    assertEquals(Optional.empty(), Locations.of(DOC, "routes", "missing", "", ""));
    assertEquals(Optional.empty(), Locations.of(DOC, "listeners", "shop", "", ""));
  }
}
