package io.gatehouse.admin.store;

import io.gatehouse.routes.GatewayConfig;

/**
 * What the config store hands a validated config to: the data plane compiles it into a snapshot
 * and swaps it in. Throwing rejects the config (nothing is installed); the old one keeps serving.
 */
@FunctionalInterface
public interface Installer {
  void install(GatewayConfig config, long version) throws Exception;

  /**
   * The config is unchanged but files it names (certificates, keys) may have changed: re-read
   * them. Throwing keeps what is serving (a broken new key pair never replaces a working one).
   */
  default void refresh(GatewayConfig config) throws Exception {}
}
