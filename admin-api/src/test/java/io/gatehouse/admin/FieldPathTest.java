package io.gatehouse.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** A located error in a pushed object names its field. */
class FieldPathTest {
  @Test
  void namesTheKeyOnAnErrorsLineWithItsParents() {
    String json = new JsonObject("{\"name\":\"x\",\"timeout\":\"0s\",\"backends\":[{\"upstream\":\"u\",\"weight\":1}],"
        + "\"retries\":{\"attempts\":2}}").encodePrettily();
    String[] lines = json.split("\n");
    for (int i = 0; i < lines.length; i++) {
      String expected = lines[i].contains("\"upstream\"") ? "backends.upstream"
          : lines[i].contains("\"attempts\"") ? "retries.attempts"
          : lines[i].contains("\"timeout\"") ? "timeout"
          : null;
      if (expected != null) {
        assertEquals(expected, FieldPath.at(json, i + 1), json);
      }
    }
    assertEquals("", FieldPath.at(json, 1));
    assertEquals("", FieldPath.at(json, 999));
  }
}
