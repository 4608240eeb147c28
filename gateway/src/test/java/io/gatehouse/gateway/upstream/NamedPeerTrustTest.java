package io.gatehouse.gateway.upstream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** How a certificate's DNS SAN covers a listed name (the live checks are in UpstreamNamesTest). */
class NamedPeerTrustTest {
  @Test
  void wildcardsCoverExactlyOneLabelAndCaseDoesNotMatter() {
    assertTrue(NamedPeerTrust.dnsMatches("*.shop.internal", "a.shop.internal"));
    assertFalse(NamedPeerTrust.dnsMatches("*.shop.internal", "a.b.shop.internal"));
    assertFalse(NamedPeerTrust.dnsMatches("*.shop.internal", "shop.internal"));
    assertFalse(NamedPeerTrust.dnsMatches("*.shop.internal", ".shop.internal"));
    assertFalse(NamedPeerTrust.dnsMatches("*.", "a."));
    assertTrue(NamedPeerTrust.dnsMatches("API.internal", "api.INTERNAL"));
    assertFalse(NamedPeerTrust.dnsMatches("api.internal", "*.internal"), "a listed wildcard is not a pattern");
    assertFalse(NamedPeerTrust.dnsMatches("api.internal", "api.internal.evil"));
  }
}
