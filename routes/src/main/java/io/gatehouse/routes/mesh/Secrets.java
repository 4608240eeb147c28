package io.gatehouse.routes.mesh;

import java.util.Optional;

/** Finds a Secret named by a resource and turns it into files, reporting what is missing. */
final class Secrets {
  private Secrets() {}

  static Optional<SecretStore.TlsFiles> resolve(Scope scope, Tree at, Catalog catalog, SecretStore store,
                                                String namespace, String name) {
    Optional<MeshResource> secret = catalog.get(Kinds.SECRET, namespace, name);
    if (secret.isEmpty()) {
      scope.missing(at, "Secret " + namespace + "/" + name + " does not exist");
      return Optional.empty();
    }
    StringBuilder why = new StringBuilder();
    Optional<SecretStore.TlsFiles> files = store.files(secret.get(), why);
    if (files.isEmpty()) {
      scope.missing(at, "Secret " + namespace + "/" + name + " " + why);
    }
    return files;
  }

  /** Istio's convention for MUTUAL: the CA is the Secret's ca.crt, or a Secret named {@code <name>-cacert}. */
  static String clientCa(Scope scope, Tree at, Catalog catalog, SecretStore store, String namespace, String name,
                         SecretStore.TlsFiles files) {
    if (!files.ca().isEmpty()) {
      return files.ca();
    }
    Optional<SecretStore.TlsFiles> ca = catalog.get(Kinds.SECRET, namespace, name + "-cacert").isPresent()
        ? resolve(scope, at, catalog, store, namespace, name + "-cacert") : Optional.empty();
    if (ca.isEmpty() || ca.get().ca().isEmpty()) {
      scope.missing(at, "MUTUAL needs a CA: ca.crt in Secret " + namespace + "/" + name
          + " or a Secret " + namespace + "/" + name + "-cacert");
      return "";
    }
    return ca.get().ca();
  }
}
