package io.gatehouse.routes.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/**
 * Resources from the Kubernetes API arrive as JSON, with real numbers (files arrive as text): a
 * number past the int range is as malformed as text, never wrapped around.
 */
class TreeTest {
  @Test
  void aNumberPastTheIntRangeIsMalformedNotWrapped() throws Exception {
    Tree t = new Tree(new ObjectMapper().readTree("""
        {"small": 100, "max": 2147483647, "past31": 2147483648, "past32": 4294967297,
         "huge": 123456789012345678901234567890, "text": "42", "longText": "4294967297", "word": "many"}
        """), "");
    assertEquals(100, t.integer("small", -1));
    assertEquals(Integer.MAX_VALUE, t.integer("max", -1));
    assertEquals(-1, t.integer("past31", -1), "not Integer.MIN_VALUE");
    assertEquals(-1, t.integer("past32", -1), "not 1");
    assertEquals(-1, t.integer("huge", -1));
    assertEquals(42, t.integer("text", -1));
    assertEquals(-1, t.integer("longText", -1));
    assertEquals(-1, t.integer("word", -1));
    assertEquals(-1, t.integer("absent", -1));
  }
}
