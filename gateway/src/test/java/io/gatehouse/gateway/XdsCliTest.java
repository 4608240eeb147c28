package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.admin.source.xds.IstioNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The xDS options of the command line, and the node id an Istio router presents. */
class XdsCliTest {
  private record Result(int code, String out, String err) {}

  private static Result cli(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Cli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void helpListsTheXdsOptions() {
    Result r = cli("--help");
    assertEquals(0, r.code());
    for (String option : new String[] {"--xds HOST:PORT", "--xds-node-id ID", "--xds-ca FILE", "--xds-token FILE"}) {
      assertTrue(r.out().contains(option), option + " in " + r.out());
    }
  }

  @Test
  void anXdsTargetWithoutAPortIsAUsageError() {
    Result r = cli("run", "--xds", "istiod.istio-system.svc");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("--xds: istiod.istio-system.svc (expected: HOST:PORT)"), r.err());
    assertEquals(2, cli("run", "--xds", "istiod:99999").code());
  }

  @Test
  void theDefaultNodeIdIsIstiosRouterForm() {
    assertEquals("router~10.1.2.3~gatehouse-7d9f.istio-ingress~istio-ingress.svc.cluster.local", IstioNode.defaultId(
        Map.of("INSTANCE_IP", "10.1.2.3", "POD_NAME", "gatehouse-7d9f", "POD_NAMESPACE", "istio-ingress"), "192.0.2.1"));
    assertEquals("router~192.0.2.1~gatehouse.istio-system~istio-system.svc.cluster.local",
        IstioNode.defaultId(Map.of(), "192.0.2.1"));
    var node = IstioNode.of("router~10.1.2.3~gw-1.shop~shop.svc.cluster.local", Map.of("ISTIO_META_CLUSTER_ID", "east"), "1.0");
    assertEquals("shop", node.getMetadata().getFieldsOrThrow("NAMESPACE").getStringValue());
    assertEquals("gw-1", node.getMetadata().getFieldsOrThrow("NAME").getStringValue());
    assertEquals("east", node.getMetadata().getFieldsOrThrow("CLUSTER_ID").getStringValue());
    assertEquals("10.1.2.3", node.getMetadata().getFieldsOrThrow("INSTANCE_IPS").getStringValue());
  }
}
