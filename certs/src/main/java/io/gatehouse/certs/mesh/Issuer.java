package io.gatehouse.certs.mesh;

import io.gatehouse.routes.MeshIdentity;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;

/**
 * One round of issuance: read the token and the mesh root, make a key and CSR, call the CA, and
 * check what it answered (the leaf holds our key and our SPIFFE id, and chains to the mesh root)
 * before anyone may use it. File reads, key generation and checks run on a worker thread.
 */
final class Issuer implements AutoCloseable {
  private final MeshIdentity config;
  private final Pod pod;
  private IstioCaClient client;
  private volatile String spiffeId = "";

  Issuer(MeshIdentity config, Pod pod) {
    this.config = config;
    this.pod = pod;
  }

  String spiffeId() {
    return spiffeId;
  }

  private record Prepared(String token, String spiffeId, CertificateRequest request, IstioCaClient client,
                          List<X509Certificate> fileRoots) {}

  Future<WorkloadCert> issue(Vertx vertx, long generation) {
    // The call starts on the worker too: its first use loads gRPC's classes, too slow for an event
    // loop. Unordered: a renewal never waits behind other blocking work of the same context.
    return vertx.executeBlocking(() -> {
      Prepared p = prepare();
      return p.client().sign(p.request().pem(), config.lifetime().toSeconds(), p.token())
          .compose(chain -> vertx.executeBlocking(() -> accept(p, chain, generation), false));
    }, false).compose(issued -> issued);
  }

  private synchronized Prepared prepare() throws IOException {
    String token = token();
    String ns = pod.namespace(config.namespace(), token);
    String sa = pod.serviceAccount(config.serviceAccount(), token);
    if (ns.isEmpty() || sa.isEmpty()) {
      throw new IOException("cannot tell the gateway's " + (ns.isEmpty() ? "namespace" : "service account")
          + ": set meshIdentity." + (ns.isEmpty() ? "namespace (or POD_NAMESPACE)" : "serviceAccount (or SERVICE_ACCOUNT)"));
    }
    spiffeId = config.spiffeId(ns, sa);
    byte[] rootsPem = config.plaintext() && config.rootCertSource() == MeshIdentity.RootSource.CA ? null : roots();
    byte[] channelRoots = config.plaintext() ? null : rootsPem;
    if (client == null || !client.trusts(channelRoots)) {
      if (client != null) {
        client.close();
      }
      client = IstioCaClient.connect(config.caAddress(), config.clusterId(), channelRoots);
    }
    List<X509Certificate> fileRoots = rootsPem == null ? List.of() : parse(new String(rootsPem, StandardCharsets.US_ASCII), "caCert");
    return new Prepared(token, spiffeId, CertificateRequest.create(config.keyType(), spiffeId), client, fileRoots);
  }

  private String token() throws IOException {
    try {
      String token = Files.readString(Path.of(config.tokenFile())).trim();
      if (token.isEmpty()) {
        throw new IOException("token file " + config.tokenFile() + " is empty");
      }
      return token;
    } catch (NoSuchFileException e) {
      throw new IOException("token file " + config.tokenFile() + " not found: mount a projected service account token"
          + " with audience istio-ca there, or set meshIdentity.tokenFile");
    }
  }

  private byte[] roots() throws IOException {
    try {
      return Files.readAllBytes(Path.of(config.caCert()));
    } catch (NoSuchFileException e) {
      throw new IOException("mesh root file " + config.caCert() + " not found: mount the istio-ca-root-cert ConfigMap"
          + " there, or set meshIdentity.caCert");
    }
  }

  private WorkloadCert accept(Prepared p, List<String> answer, long generation) throws IOException {
    List<X509Certificate> chain = new ArrayList<>();
    for (String pem : answer) {
      chain.addAll(parse(pem, "the CA's answer"));
    }
    boolean fromCa = config.rootCertSource() == MeshIdentity.RootSource.CA;
    if (chain.isEmpty() || (fromCa && chain.size() < 2)) {
      throw new IOException("the CA answered " + chain.size() + " certificate(s); expected the leaf and the chain to the root");
    }
    X509Certificate leaf = chain.get(0);
    if (!leaf.getPublicKey().equals(p.request().keyPair().getPublic())) {
      throw new IOException("the CA's certificate is not for the key of our request");
    }
    List<String> ids = MeshTrustManager.spiffeIds(leaf);
    if (!ids.contains(p.spiffeId())) {
      throw new IOException("the CA issued a certificate for " + ids + ", not for " + p.spiffeId());
    }
    List<X509Certificate> roots = fromCa ? List.of(chain.get(chain.size() - 1)) : p.fileRoots();
    List<X509Certificate> presented = new ArrayList<>(chain);
    while (presented.size() > 1 && roots.contains(presented.get(presented.size() - 1))) {
      presented.remove(presented.size() - 1);
    }
    try {
      Set<TrustAnchor> anchors = roots.stream().map(r -> new TrustAnchor(r, null)).collect(Collectors.toSet());
      PKIXParameters params = new PKIXParameters(anchors);
      params.setRevocationEnabled(false);
      CertPathValidator.getInstance("PKIX").validate(CertificateFactory.getInstance("X.509").generateCertPath(presented), params);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IOException("the CA's certificate does not chain to the mesh root" + (fromCa ? "" : " in " + config.caCert())
          + ": " + e.getMessage());
    }
    WorkloadCert cert = new WorkloadCert(p.spiffeId(), p.request().keyPair().getPrivate(), presented, roots, generation);
    if (!config.stateDir().isEmpty()) {
      writeState(cert);
    }
    return cert;
  }

  private static List<X509Certificate> parse(String pem, String what) throws IOException {
    try {
      return CertificateFactory.getInstance("X.509")
          .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII))).stream()
          .map(X509Certificate.class::cast).toList();
    } catch (GeneralSecurityException e) {
      throw new IOException(what + " is not PEM certificates: " + e.getMessage());
    }
  }

  /** key.pem (0600), cert-chain.pem and root-cert.pem, each replaced atomically. */
  private void writeState(WorkloadCert cert) throws IOException {
    Path dir = Path.of(config.stateDir());
    Files.createDirectories(dir);
    StringWriter key = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(key)) {
      writer.writeObject(cert.privateKey());
    }
    write(dir, "key.pem", key.toString());
    write(dir, "cert-chain.pem", cert.chainPem());
    write(dir, "root-cert.pem", cert.rootsPem());
  }

  private static void write(Path dir, String name, String text) throws IOException {
    Path tmp = Files.createTempFile(dir, "." + name, ".tmp", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try {
      Files.writeString(tmp, text);
      Files.move(tmp, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  @Override public synchronized void close() {
    if (client != null) {
      client.close();
    }
  }
}
