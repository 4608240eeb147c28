package io.gatehouse.routes;

/**
 * TLS the gateway originates to an upstream. Disabled is {@link #NONE}. Empty strings mean
 * "not set": no SNI override, the JVM's trust store, no client certificate.
 */
public record UpstreamTls(boolean enabled, String sni, String caCert, String clientCert, String clientKey,
                          boolean verifyHostname) {
  public static final UpstreamTls NONE = new UpstreamTls(false, "", "", "", "", true);
}
