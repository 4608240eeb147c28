package io.gatehouse.routes;

/**
 * One xDS control plane (istiod, or any server of Envoy's v3 API) the gateway takes listeners,
 * routes, clusters, endpoints and secrets from, as {@code run --xds} adds one. {@code address}
 * is {@code HOST:PORT}; an empty {@code nodeId} is Istio's router id from the pod's environment;
 * {@code caCert} (empty: none) is the CA that signs the control plane's certificate; without it
 * the connection trusts the mesh root of the config's {@code meshIdentity}, or else speaks
 * plaintext to a loopback address and trusts the JVM's store elsewhere; {@code plaintext} (loopback
 * only) forces plaintext; {@code tokenFile} (empty: none) is sent as a bearer token. Read at start.
 */
public record Xds(String address, String nodeId, String caCert, String tokenFile, boolean plaintext) {}
