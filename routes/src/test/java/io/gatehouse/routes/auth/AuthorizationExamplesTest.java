package io.gatehouse.routes.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatehouse.routes.GatewayConfig;
import io.gatehouse.routes.load.ConfigFile;
import io.gatehouse.routes.load.ConfigLoader;
import io.gatehouse.routes.load.LoadResult;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The examples of Istio's AuthorizationPolicy reference
 * (https://istio.io/latest/docs/reference/config/security/authorization-policy/) and security tasks
 * (authorization for HTTP traffic, JWT, ingress IP-based, explicit deny) as a table,
 * {@code istio-authorization-examples.json}: the resources as Istio users write them, then requests
 * and the status Istio's gateway answers (200 or 403). Here they go through the translator and the
 * compiled policies; {@code AuthorizationExamplesLiveTest} (gateway) sends them to a live gateway.
 * A request's {@code jwt} claims come from issuer {@code testing@secure.istio.io}; {@code principal}
 * (an mTLS identity), {@code ip} (the peer), {@code remoteIp} (the client behind trusted hops,
 * {@code ip} when absent) and {@code port} are only set here, so such requests say {@code live: false}
 * ({@code RemoteIpPolicyTest} sends the trusted-hop cases to a live gateway).
 */
class AuthorizationExamplesTest {
  static final String ISSUER = "testing@secure.istio.io";

  /** A request of the table, as the policy matcher sees it. */
  record TableRequest(String method, String path, String authority, int port, String principal, String requestPrincipal,
                      byte[] ip, byte[] remoteIp, Map<String, String> headers, Map<String, Object> claims)
      implements AuthzRequest {
    @Override public String listener() {
      return "http";
    }

    @Override public String route() {
      return "all";
    }

    @Override public byte[] sourceIp() {
      return ip;
    }

    @Override public byte[] destinationIp() {
      return new byte[] {127, 0, 0, 1};
    }

    @Override public String sni() {
      return "";
    }

    @Override public String header(String name) {
      return headers.get(name);
    }

    @Override public List<String> claim(List<String> path) {
      Object value = claims;
      for (String key : path) {
        value = value instanceof Map<?, ?> m ? m.get(key) : null;
      }
      if (value == null || value instanceof Map<?, ?>) {
        return List.of();
      }
      return value instanceof List<?> l ? l.stream().map(String::valueOf).toList() : List.of(String.valueOf(value));
    }
  }

  static JsonNode table() throws IOException {
    try (InputStream in = AuthorizationExamplesTest.class.getResourceAsStream("istio-authorization-examples.json")) {
      return new ObjectMapper().readTree(in);
    }
  }

  @TestFactory
  Stream<DynamicTest> everyExampleDecidesAsIstio() throws IOException {
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode example : table()) {
      String name = example.path("case").asText();
      List<String> documents = new ArrayList<>();
      example.path("resources").forEach(d -> documents.add(d.toString()));
      LoadResult loaded = ConfigLoader.load(List.of(new ConfigFile(name, String.join("\n---\n", documents), Path.of("."))));
      GatewayConfig config = assertInstanceOf(LoadResult.Loaded.class, loaded, () -> name + ": " + loaded).config();
      Authorizer authorizer = Authorizer.compile(config.security().authorization());
      for (JsonNode r : example.path("requests")) {
        TableRequest request = request(r);
        int expect = r.path("expect").asInt();
        tests.add(DynamicTest.dynamicTest(name + ": " + r, () -> {
          int got = authorizer.custom(request).isPresent() ? -1 : authorizer.decide(request).allowed() ? 200 : 403;
          assertEquals(expect, got, () -> name + ": " + r + " decided by " + authorizer.decide(request));
        }));
      }
    }
    return tests.stream();
  }

  @SuppressWarnings("unchecked")
  static TableRequest request(JsonNode r) throws UnknownHostException {
    ObjectMapper json = new ObjectMapper();
    Map<String, Object> claims = r.has("jwt") ? json.convertValue(r.get("jwt"), Map.class) : Map.of();
    String requestPrincipal = "";
    if (r.has("jwt")) {
      claims = new java.util.HashMap<>(claims);
      claims.put("iss", ISSUER);
      requestPrincipal = ISSUER + "/" + claims.get("sub");
    }
    Map<String, String> headers = new java.util.HashMap<>();
    r.path("headers").fields().forEachRemaining(e -> headers.put(e.getKey().toLowerCase(Locale.ROOT), e.getValue().asText()));
    byte[] ip = InetAddress.getByName(r.path("ip").asText("127.0.0.1")).getAddress();
    byte[] remoteIp = r.has("remoteIp") ? InetAddress.getByName(r.path("remoteIp").asText()).getAddress() : ip;
    return new TableRequest(r.path("method").asText(), r.path("path").asText(), r.path("host").asText("shop.example.com"),
        r.path("port").asInt(8080), r.path("principal").asText(""), requestPrincipal, ip, remoteIp, headers, claims);
  }
}
