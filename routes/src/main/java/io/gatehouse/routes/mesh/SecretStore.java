package io.gatehouse.routes.mesh;

import java.util.Optional;

/**
 * Turns a Kubernetes TLS Secret into files the native config can name: the native model
 * references certificates by path, and the certificate store loads them from there.
 */
public interface SecretStore {
  /** Files holding one Secret's PEM data; {@code ca} is empty when the Secret has no {@code ca.crt}. */
  record TlsFiles(String cert, String key, String ca) {}

  /**
   * The files of {@code secret} (a kubernetes.io/tls or generic Secret with {@code tls.crt} /
   * {@code tls.key}, and/or {@code ca.crt}); empty with a reason in {@code why} when it has none.
   */
  Optional<TlsFiles> files(MeshResource secret, StringBuilder why);
}
