package io.gatehouse.routes;

/**
 * One xDS control plane (istiod, or any server of Envoy's v3 API) to take listeners, routes,
 * upstreams and certificates from, as {@code run --xds} adds one. {@code address} is
 * {@code HOST:PORT}; an empty {@code nodeId} means Istio's router id from the pod's environment;
 * an empty {@code caCert} means plaintext to a loopback address and the JVM's trust store
 * elsewhere; {@code tokenFile}, when set, is sent as a bearer token. Read at start.
 */
public record Xds(String address, String nodeId, String caCert, String tokenFile) {}
