package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /config/validate} on a real gateway: a dry run that says whether a document is valid,
 * and where each error is in the document, like {@code gatehouse validate} (FILE:LINE), also for the
 * errors only the merged config shows (an upstream defined nowhere).
 */
class AdminValidateTest {
  private static final Map<String, String> YAML = Map.of("content-type", "application/yaml");
  private TestGateway gateway;

  @BeforeEach
  void start() {
    gateway = TestGateway.start("""
        upstreams: [{ name: echo, endpoints: ["127.0.0.1:1"] }]
        routes: [{ name: base, match: [{ path: { exact: /base } }], directResponse: { status: 200 } }]
        """);
  }

  @AfterEach
  void stop() {
    gateway.close();
  }

  @Test
  void aValidDocumentIsSaidToBeValidAndNothingIsInstalled() {
    long before = gateway.gatehouse.store().version();
    TestGateway.TestResponse r = gateway.admin("POST", "/config/validate", """
        routes:
          - name: dry
            match: [{ path: { exact: /dry } }]
            backends: [{ upstream: echo }]
        """, YAML);
    assertEquals(200, r.status(), r.body());
    JsonObject body = new JsonObject(r.body());
    assertTrue(body.getBoolean("valid"), r.body());
    assertEquals("valid", body.getString("result"));
    assertTrue(body.getString("detail").contains("valid"), r.body());
    assertFalse(body.getString("detail").contains("rejected"), r.body());
    assertEquals(before, gateway.gatehouse.store().version(), "a dry run installs nothing");
    assertEquals(404, gateway.get("/dry").status());
  }

  @Test
  void errorsOfTheMergedConfigAreOnTheirLinesOfTheDocument() {
    TestGateway.TestResponse r = gateway.admin("POST", "/config/validate", """
        routes:
          - name: fine
            directResponse: { status: 204 }
          - name: dry
            match: [{ path: { exact: /dry } }]
            backends:
              - { upstream: echo, weight: 1 }
              - { upstream: gone, weight: 1 }
            mirror:
              upstream: vanished
        """, YAML);
    assertEquals(422, r.status(), r.body());
    JsonObject body = new JsonObject(r.body());
    assertEquals("invalid_config", body.getString("reason"));
    assertFalse(body.getString("detail").contains("keeps serving"), "a dry run is not a failed write: " + r.body());
    assertTrue(body.getString("detail").contains("not valid"), r.body());
    JsonArray errors = body.getJsonArray("errors");
    assertEquals(2, errors.size(), r.body());
    JsonObject backend = find(errors, "\"gone\"");
    assertEquals(8, backend.getInteger("line"), r.body());
    assertEquals("admin:document:8", backend.getString("origin"));
    assertEquals("routes/dry", backend.getString("object"));
    assertEquals("backends.upstream", backend.getString("field"));
    assertEquals(10, find(errors, "\"vanished\"").getInteger("line"), r.body());
  }

  @Test
  void errorsTheLoaderFindsKeepTheirLinesAndJsonDocumentsAreLocatedToo() {
    TestGateway.TestResponse yaml = gateway.admin("POST", "/config/validate", "routes:\n  - name: dry\n    bogus: 1\n"
        + "    directResponse: { status: 200 }\n", YAML);
    assertEquals(422, yaml.status(), yaml.body());
    assertEquals(3, new JsonObject(yaml.body()).getJsonArray("errors").getJsonObject(0).getInteger("line"), yaml.body());

    TestGateway.TestResponse json = gateway.admin("POST", "/config/validate",
        "{\n  \"routes\": [\n    {\"name\": \"dry\",\n     \"backends\": [{\"upstream\": \"gone\"}]}\n  ]\n}\n",
        Map.of("content-type", "application/json"));
    assertEquals(422, json.status(), json.body());
    assertEquals(4, new JsonObject(json.body()).getJsonArray("errors").getJsonObject(0).getInteger("line"), json.body());
  }

  private static JsonObject find(JsonArray errors, String text) {
    for (int i = 0; i < errors.size(); i++) {
      if (errors.getJsonObject(i).getString("message").contains(text)) {
        return errors.getJsonObject(i);
      }
    }
    throw new AssertionError("no error mentions " + text + ": " + errors.encodePrettily());
  }
}
