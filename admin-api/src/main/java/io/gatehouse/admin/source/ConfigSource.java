package io.gatehouse.admin.source;

/**
 * Something that feeds config into the store under its own name ({@code ConfigStore.offer(name, …)}):
 * the config directory, an HTTP control plane, a Kubernetes cluster. The store keeps each
 * source's last good fragment, so one broken source never takes the others down.
 */
public interface ConfigSource extends AutoCloseable {
  /** The name it offers under; its kind is the part before the first colon. */
  String name();

  /** How it is doing, for {@code GET /sync}. */
  SourceStatus status();

  /** Stops watching or polling. */
  @Override void close();
}
