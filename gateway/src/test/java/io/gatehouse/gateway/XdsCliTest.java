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
  void theCommandLineWinsOverTheXdsBlockAndTheMeshRootIsTheDefaultTrust(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    java.nio.file.Path root = java.nio.file.Files.writeString(dir.resolve("root-cert.pem"), "mesh root\n");
    java.nio.file.Path blockCa = java.nio.file.Files.writeString(dir.resolve("block-ca.pem"), "block CA\n");
    io.gatehouse.routes.MeshIdentity mesh = new io.gatehouse.routes.MeshIdentity(true, "cluster.local", "istio-system",
        "gatehouse", "127.0.0.1:15012", root.toString(), io.gatehouse.routes.MeshIdentity.RootSource.FILE, "/t", "Kubernetes",
        io.gatehouse.routes.MeshIdentity.KeyType.ECDSA_P256, java.time.Duration.ofHours(1), "", false);
    var block = new io.gatehouse.routes.Xds("istiod.istio-system.svc:15012", "router~1.2.3.4~gw.ns~ns.svc.cluster.local",
        blockCa.toString(), "/var/run/secrets/tokens/istio-token", false);
    var none = Gatehouse.XdsFlags.NONE;

    var fromBlock = Gatehouse.xdsSettings(block, none, mesh, Map.of());
    assertEquals("istiod.istio-system.svc", fromBlock.host());
    assertEquals(15012, fromBlock.port());
    assertEquals("router~1.2.3.4~gw.ns~ns.svc.cluster.local", fromBlock.nodeId());
    assertEquals(java.util.Optional.of(blockCa), fromBlock.caFile());
    assertEquals(java.util.Optional.of(java.nio.file.Path.of("/var/run/secrets/tokens/istio-token")), fromBlock.tokenFile());

    var flags = new Gatehouse.XdsFlags(java.util.List.of(), java.util.Optional.of("router~9.9.9.9~x.y~y.svc.cluster.local"),
        java.util.Optional.of(dir.resolve("flag-ca.pem")), java.util.Optional.of(dir.resolve("flag-token")));
    var overridden = Gatehouse.xdsSettings(block, flags, mesh, Map.of());
    assertEquals("router~9.9.9.9~x.y~y.svc.cluster.local", overridden.nodeId());
    assertEquals(java.util.Optional.of(dir.resolve("flag-ca.pem")), overridden.caFile());
    assertEquals(java.util.Optional.of(dir.resolve("flag-token")), overridden.tokenFile());

    // No CA named: the mesh root of the meshIdentity, as istio-agent trusts istiod, even on loopback.
    var loopback = new io.gatehouse.routes.Xds("127.0.0.1:15012", "", "", "", false);
    assertEquals(java.util.Optional.of(root), Gatehouse.xdsSettings(loopback, none, mesh, Map.of()).caFile());
    // ... unless the entry says plaintext; and without a meshIdentity there is nothing to trust but the JVM's store.
    var plaintext = new io.gatehouse.routes.Xds("127.0.0.1:15010", "", "", "", true);
    assertEquals(java.util.Optional.empty(), Gatehouse.xdsSettings(plaintext, none, mesh, Map.of()).caFile());
    assertEquals(java.util.Optional.empty(), Gatehouse.xdsSettings(loopback, none, io.gatehouse.routes.MeshIdentity.NONE,
        Map.of()).caFile());
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
