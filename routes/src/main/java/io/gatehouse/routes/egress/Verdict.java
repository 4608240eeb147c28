package io.gatehouse.routes.egress;

/** The outcome of an allow-list check: allowed, or the one reason it is not. */
public enum Verdict {
  ALLOWED,
  /** No entry names the host or covers the IP literal (REGISTRY_ONLY). */
  HOST_NOT_ALLOWED,
  /** An entry names the host, but not on this port. */
  PORT_NOT_ALLOWED,
  /** An entry names host and port, but the client is not among its sources. */
  SOURCE_NOT_ALLOWED,
  /** The address (literal or resolved) is in a denied range and no CIDR entry allows it. */
  ADDRESS_DENIED,
  /** The host cannot be read unambiguously (bad escapes, numeric non-address, not a DNS name). */
  INVALID_HOST
}
