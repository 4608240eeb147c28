package io.gatehouse.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.gatehouse.routes.GatewayConfig;
import io.gatehouse.routes.load.ConfigFile;
import io.gatehouse.routes.load.ConfigLoader;
import io.gatehouse.routes.load.LoadResult;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the admin API answers for an object reads back into the same object: GET, then PUT, changes nothing. */
class ConfigJsonTest {
  private static GatewayConfig load(String name, String text) {
    LoadResult r = ConfigLoader.loadFragment(List.of(new ConfigFile(name, text, Path.of("."))));
    return assertInstanceOf(LoadResult.Loaded.class, r, r::toString).config();
  }

  @Test
  void everyObjectRoundTrips() {
    GatewayConfig config = load("rich.yaml", """
        upstreams:
          - { name: a, endpoints: ["127.0.0.1:9001", "[::1]:9002", "shop.svc:80"], loadBalancer: LEAST_REQUEST }
          - { name: b, endpoints: ["127.0.0.1:9003"], tls: { sni: b.internal, verifyHostname: false } }
        routes:
          - name: shop
            hosts: [shop.example.com, "*.shop.test"]
            match:
              - path: { prefix: /api }
                methods: [POST, GET]
                headers: { x-canary: { exact: "1" }, x-any: { present: true }, x-p: { prefix: ab } }
                query: { debug: { regex: "t.*" } }
              - path: { prefix: /v2 }
            backends: [{ upstream: a, weight: 90 }, { upstream: b, weight: 10 }]
            rewrite: { prefix: /, host: shop.internal }
            headers:
              request: { set: { x-env: prod }, add: { x-tag: a }, remove: [x-debug] }
              response: { set: { x-served-by: gatehouse } }
            timeout: 1500ms
            retries: { attempts: 2, perTryTimeout: 1s, on: [connect-failure, reset, "503", gateway-error], nonIdempotent: true }
          - name: regex
            match: [{ path: { regex: "^/r/(.*)" } }]
            backends: [{ upstream: a }]
            rewrite: { regex: { pattern: "^/r/(.*)", substitution: "/\\\\1" } }
            timeout: 2m
            retries: { attempts: 0 }
          - { name: old, hosts: [old.example.com], redirect: { scheme: https, host: www.example.com, port: 8443, path: /new, status: 308 } }
          - { name: ok, directResponse: { status: 204, body: "" }, timeout: 1h }
        egress:
          allow:
            - { name: github, host: api.github.com, ports: [443] }
            - { cidr: 203.0.113.0/24, ports: [443, 8443] }
        """);
    io.vertx.core.json.JsonObject json = ConfigJson.config(config);
    json.remove("admin");
    json.getJsonObject("egress").remove("mode");
    GatewayConfig again = load("again.json", json.encodePrettily());
    assertEquals(config.routes(), again.routes());
    assertEquals(config.upstreams(), again.upstreams());
    assertEquals(config.egress().allow(), again.egress().allow());
  }
}
