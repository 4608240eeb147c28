package io.gatehouse.admin.source.xds;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.gatehouse.routes.Origin;
import io.gatehouse.routes.mesh.MeshResource;
import io.gatehouse.routes.mesh.SecretStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Optional;

/**
 * An SDS {@code Secret} as files the native config can name (the certificate store loads
 * certificates by path): a certificate chain and key ({@code tls_certificate}) or a CA bundle
 * ({@code validation_context.trusted_ca}), written by the same {@link SecretStore} the Kubernetes
 * source writes Secrets with (private directory, a new path per content). Key bytes are never logged.
 */
final class SecretTranslator {
  private SecretTranslator() {}

  static Optional<SecretStore.TlsFiles> translate(Secret secret, SecretStore store, Findings f) {
    byte[] cert = new byte[0];
    byte[] key = new byte[0];
    byte[] ca = new byte[0];
    switch (secret.getTypeCase()) {
      case TLS_CERTIFICATE -> {
        cert = bytes(secret.getTlsCertificate().getCertificateChain(), "tls_certificate.certificate_chain", f);
        key = bytes(secret.getTlsCertificate().getPrivateKey(), "tls_certificate.private_key", f);
        if (cert.length == 0 || key.length == 0) {
          f.fail("tls_certificate", "needs both certificate_chain and private_key");
          return Optional.empty();
        }
      }
      case VALIDATION_CONTEXT -> {
        ca = bytes(secret.getValidationContext().getTrustedCa(), "validation_context.trusted_ca", f);
        if (ca.length == 0) {
          f.fail("validation_context.trusted_ca", "is empty");
          return Optional.empty();
        }
      }
      default -> {
        f.fail("", "secret type " + secret.getTypeCase() + " is not served (expected: tls_certificate or"
            + " validation_context)");
        return Optional.empty();
      }
    }
    ObjectNode object = JsonNodeFactory.instance.objectNode();
    object.put("apiVersion", "v1").put("kind", "Secret");
    ObjectNode data = object.putObject("data");
    Base64.Encoder b64 = Base64.getEncoder();
    if (cert.length > 0) {
      data.put("tls.crt", b64.encodeToString(cert));
      data.put("tls.key", b64.encodeToString(key));
    }
    if (ca.length > 0) {
      data.put("ca.crt", b64.encodeToString(ca));
    }
    String name = secret.getName().replaceAll("[^A-Za-z0-9._-]", "_");
    MeshResource resource = new MeshResource("v1", "Secret", "sds", name, object,
        MeshResource.Locator.fixed(new Origin("sds:" + secret.getName(), 0)));
    StringBuilder why = new StringBuilder();
    Optional<SecretStore.TlsFiles> files = store.files(resource, why);
    if (files.isEmpty()) {
      f.fail("", why.toString());
    }
    return files;
  }

  private static byte[] bytes(DataSource source, String field, Findings f) {
    return switch (source.getSpecifierCase()) {
      case INLINE_BYTES -> source.getInlineBytes().toByteArray();
      case INLINE_STRING -> source.getInlineString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
      case FILENAME -> {
        try {
          yield Files.readAllBytes(Path.of(source.getFilename()));
        } catch (java.io.IOException e) {
          f.fail(field + ".filename", source.getFilename() + " cannot be read: " + e.getClass().getSimpleName());
          yield new byte[0];
        }
      }
      default -> new byte[0];
    };
  }
}
