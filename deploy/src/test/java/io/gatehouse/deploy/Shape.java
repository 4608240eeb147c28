package io.gatehouse.deploy;

/** What an install should contain: an overlay, or a chart's values. */
record Shape(boolean ingress, boolean egress, boolean proxyProtocol) {
  static final Shape INGRESS = new Shape(true, false, false);
  static final Shape EGRESS = new Shape(false, true, false);
  static final Shape BOTH = new Shape(true, true, false);
  static final Shape INGRESS_PROXY_PROTOCOL = new Shape(true, false, true);
}
