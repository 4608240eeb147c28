package io.gatehouse.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.certs.mesh.IdentityStatus;
import io.gatehouse.certs.mesh.WorkloadCert;
import io.gatehouse.certs.mesh.WorkloadIdentity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway's workload identity from a mesh CA speaking Istio's gRPC protocol: what it sends
 * (CSR for its SPIFFE id, bearer token, ClusterID, lifetime), renewal at half the lifetime, the
 * old certificate kept while the CA fails, backoff, metrics, and a clear error without a token.
 */
class MeshIdentityTest {
  static final String SPIFFE = "spiffe://cluster.local/ns/istio-system/sa/gatehouse";

  @TempDir Path dir;
  MeshCa ca;
  TestGateway gateway;

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
    if (ca != null) {
      ca.close();
    }
  }

  private TestGateway gatewayFor(String tokenFile, String lifetime) {
    return gatewayFor(tokenFile, lifetime, "");
  }

  private TestGateway gatewayFor(String tokenFile, String lifetime, String extra) {
    return TestGateway.start("""
        meshIdentity:
          trustDomain: cluster.local
          namespace: istio-system
          serviceAccount: gatehouse
          caAddress: "%s"
          caCert: "%s"
          tokenFile: "%s"
          clusterId: Kubernetes
          lifetime: %s
        """.formatted(ca.address(), ca.rootFile, tokenFile, lifetime) + extra);
  }

  private Path token() throws IOException {
    return Files.writeString(dir.resolve("istio-token"), ca.token + "\n");
  }

  private WorkloadIdentity identity() {
    return gateway.gatehouse.dataplane().identities().serving().orElseThrow();
  }

  @Test
  void getsItsSpiffeCertificateFromTheMeshCaAndRenewsItAtHalfItsLifetime() throws Exception {
    ca = MeshCa.start(dir, Duration.ofSeconds(4));
    gateway = gatewayFor(token().toString(), "4s");
    WorkloadCert first = Await.result(identity().ready());
    assertEquals(SPIFFE, first.spiffeId());
    assertEquals(ca.root.certificate(), first.roots().get(0));
    assertEquals(List.of(SPIFFE), first.leaf().getSubjectAlternativeNames().stream().map(s -> s.get(1)).toList());
    MeshCa.Seen seen = ca.requests.get(0);
    assertEquals("Bearer test-token", seen.authorization());
    assertEquals("Kubernetes", seen.clusterId());
    assertEquals(4, seen.validitySeconds());
    assertTrue(seen.csr().startsWith("-----BEGIN CERTIFICATE REQUEST-----"), seen.csr());

    // Two renewals, each at about half of the 4s lifetime, each with a new key.
    Await.until("two renewals", 10, () -> identity().status().renewals() >= 3);
    WorkloadCert third = identity().current();
    assertTrue(third.generation() >= 3);
    assertFalse(third.privateKey().equals(first.privateKey()), "a renewal makes a new key");
    long gapMillis = (ca.requests.get(1).atNanos() - ca.requests.get(0).atNanos()) / 1_000_000;
    assertTrue(gapMillis > 1_500 && gapMillis < 3_000, "renewed after " + gapMillis + "ms (expected ~2000ms)");

    PromText metrics = PromText.parse(gateway.admin("/metrics").body());
    double expiry = metrics.samples().stream().filter(s -> s.name().equals("gatehouse_mesh_cert_expiry_seconds"))
        .findFirst().orElseThrow().value();
    assertTrue(expiry > 0 && expiry <= 4, "expiry " + expiry);
    assertTrue(metrics.samples().stream().anyMatch(s -> s.name().equals("gatehouse_mesh_cert_renewals_total") && s.value() >= 3));
    TestGateway.TestResponse view = gateway.admin("/mesh/identity");
    assertEquals(200, view.status(), view.body());
    io.vertx.core.json.JsonObject shown = new io.vertx.core.json.JsonObject(view.body());
    assertEquals(SPIFFE, shown.getString("spiffeId"));
    assertEquals("READY", shown.getString("state"));
    assertTrue(shown.getLong("renewals") >= 3);
    String everything = gateway.accessLog() + gateway.admin("/config").body() + view.body();
    assertFalse(everything.contains("PRIVATE KEY"), "the key never leaves memory");
    assertFalse(java.nio.file.Files.exists(gateway.dir.resolve("state").resolve("mesh")), "no state dir, no key on disk");
  }

  @Test
  void keepsTheOldCertificateWhileTheCaIsDownAndRetriesWithBackoff() throws Exception {
    ca = MeshCa.start(dir, Duration.ofSeconds(4));
    gateway = gatewayFor(token().toString(), "4s");
    WorkloadCert held = Await.result(identity().ready());
    ca.down = true;
    int before = ca.requests.size();
    // Renewal at ~2s fails, then retries after ~0.5s, ~1s, ~2s.
    Await.until("three failed renewals", 12, () -> identity().status().failures() >= 3);
    assertEquals(held, identity().current(), "the old certificate keeps serving");
    IdentityStatus status = identity().status();
    assertEquals("DEGRADED", status.state());
    assertTrue(status.lastError().contains("UNAVAILABLE"), status.lastError());
    assertTrue(status.failures() >= 3);
    List<MeshCa.Seen> failed = ca.requests.subList(before, before + 3);
    long gap1 = (failed.get(1).atNanos() - failed.get(0).atNanos()) / 1_000_000;
    long gap2 = (failed.get(2).atNanos() - failed.get(1).atNanos()) / 1_000_000;
    assertTrue(gap1 >= 350 && gap2 > gap1 * 1.4, "backoff gaps " + gap1 + "ms then " + gap2 + "ms (expected doubling from ~500ms)");
    PromText metrics = PromText.parse(gateway.admin("/metrics").body());
    assertTrue(metrics.samples().stream().anyMatch(s -> s.name().equals("gatehouse_mesh_cert_failures_total") && s.value() >= 3));

    ca.down = false;
    Await.until("a renewal once the CA is back", 40, () -> identity().current().generation() > held.generation());
    assertEquals("READY", identity().status().state());
  }

  @Test
  void aStateDirKeepsTheKeyAndChainOwnerOnly() throws Exception {
    ca = MeshCa.start(dir, Duration.ofHours(1));
    Path state = dir.resolve("mesh-state");
    gateway = gatewayFor(token().toString(), "1h", "  stateDir: \"" + state + "\"\n");
    WorkloadCert cert = Await.result(identity().ready());
    Await.until("the state files", 5, () -> Files.exists(state.resolve("root-cert.pem")));
    for (String name : List.of("key.pem", "cert-chain.pem", "root-cert.pem")) {
      assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
          Files.getPosixFilePermissions(state.resolve(name))), name);
    }
    assertTrue(Files.readString(state.resolve("key.pem")).contains("PRIVATE KEY"));
    assertEquals(cert.chainPem(), Files.readString(state.resolve("cert-chain.pem")));
  }

  @Test
  void aMissingTokenIsAClearErrorAndNothingIsSent() throws Exception {
    ca = MeshCa.start(dir, Duration.ofSeconds(60));
    gateway = gatewayFor(dir.resolve("no-such-token").toString(), "1h");
    Await.until("a failed attempt", 10, () -> identity().status().failures() >= 1);
    IdentityStatus status = identity().status();
    assertEquals("FAILING", status.state());
    assertTrue(status.lastError().contains("token file " + dir.resolve("no-such-token") + " not found")
        && status.lastError().contains("audience istio-ca"), status.lastError());
    assertNotNull(status.nextAttempt());
    assertTrue(ca.requests.isEmpty(), "no request without a token");
  }
}
