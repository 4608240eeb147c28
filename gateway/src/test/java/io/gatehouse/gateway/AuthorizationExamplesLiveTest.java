package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.nimbusds.jose.jwk.RSAKey;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Istio examples table of the routes module ({@code istio-authorization-examples.json}: Istio's
 * AuthorizationPolicy reference and security tasks) through a live gateway: the resources are
 * loaded from files next to the native config, with a RequestAuthentication whose key signs the
 * tables' tokens, and each request that a plain loopback client can make is sent for real.
 */
class AuthorizationExamplesLiveTest {
  static final Path TABLE = Path.of("../routes/src/test/resources/io/gatehouse/routes/auth/istio-authorization-examples.json");
  static final String ISSUER = "testing@secure.istio.io";
  static Vertx vertx;
  static EchoUpstream upstream;
  static TestGateway gateway;
  static RSAKey key;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    upstream = EchoUpstream.start(vertx);
    key = Jwts.rsa("table");
    gateway = TestGateway.start(nativeConfig());
  }

  @AfterAll
  static void stop() {
    gateway.close();
    upstream.close();
    vertx.close();
  }

  private static String nativeConfig() {
    return """
        upstreams: [{ name: up, endpoints: ["%s"] }]
        routes: [{ name: all, backends: [{ upstream: up }] }]
        """.formatted(upstream.address());
  }

  @Test
  void everyExampleAdmitsOrRefusesAsIstio() throws IOException {
    JsonArray table = new JsonArray(Files.readString(TABLE));
    List<String> wrong = new ArrayList<>();
    int sent = 0;
    for (Object item : table) {
      JsonObject example = (JsonObject) item;
      List<String> documents = new ArrayList<>();
      example.getJsonArray("resources").forEach(d -> documents.add(((JsonObject) d).encode()));
      gateway.reload(nativeConfig() + """
          ---
          apiVersion: security.istio.io/v1
          kind: RequestAuthentication
          metadata: { name: table-jwt, namespace: istio-system }
          spec:
            jwtRules: [{ issuer: "%s", jwks: '%s' }]
          ---
          %s""".formatted(ISSUER, Jwts.jwks(key), String.join("\n---\n", documents)));
      for (Object line : example.getJsonArray("requests")) {
        JsonObject r = (JsonObject) line;
        if (!r.getBoolean("live", true)) {
          continue;
        }
        List<String> head = new ArrayList<>();
        head.add(r.getString("method") + " " + r.getString("path") + " HTTP/1.1");
        head.add("Host: " + r.getString("host", "shop.example.com"));
        head.add("Connection: close");
        r.getJsonObject("headers", new JsonObject()).forEach(h -> head.add(h.getKey() + ": " + h.getValue()));
        if (r.containsKey("jwt")) {
          head.add("Authorization: Bearer " + token(r.getJsonObject("jwt")));
        }
        RawHttp.Response response = RawHttp.connect(gateway.port()).send(head.toArray(String[]::new));
        sent++;
        if (response.status() != r.getInteger("expect")) {
          wrong.add(example.getString("case") + ": " + r.encode() + " got " + response.status() + " " + response.body());
        }
      }
    }
    assertEquals(List.of(), wrong);
    assertEquals(true, sent > 25, "sent " + sent);
  }

  /** Vert.x JSON values as the plain maps and lists a JWT claim takes. */
  private static Object plain(Object value) {
    return value instanceof JsonObject o ? o.getMap() : value instanceof JsonArray a ? a.getList() : value;
  }

  private static String token(JsonObject jwt) {
    Map<String, Object> claims = jwt.getMap();
    return Jwts.sign(key, Jwts.claims(ISSUER, String.valueOf(claims.get("sub")), b -> {
      claims.forEach((name, value) -> {
        if (!name.equals("sub")) {
          b.claim(name, plain(value));
        }
      });
      return b;
    }));
  }
}
