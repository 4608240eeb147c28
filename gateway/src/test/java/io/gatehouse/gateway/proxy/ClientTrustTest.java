package io.gatehouse.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.gatehouse.routes.ListenerEdge;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Who the client is behind trusted proxies (Istio numTrustedProxies, Envoy xff_num_trusted_hops and trusted_cidrs). */
class ClientTrustTest {
  @ParameterizedTest(name = "hops {0}, cidrs [{1}], peer {2}, XFF [{3}] -> trusted {4}, client {5}")
  @CsvSource(delimiter = '|', nullValues = "NULL", value = {
      "0 | ''                     | 127.0.0.1 | 203.0.113.9               | false | 127.0.0.1",
      "1 | ''                     | 127.0.0.1 | 203.0.113.9               | true  | 203.0.113.9",
      "1 | ''                     | 127.0.0.1 | 198.51.100.1, 203.0.113.9 | true  | 203.0.113.9",
      "2 | ''                     | 127.0.0.1 | 198.51.100.1, 203.0.113.9 | true  | 198.51.100.1",
      "3 | ''                     | 127.0.0.1 | 198.51.100.1, 203.0.113.9 | true  | 127.0.0.1",
      "1 | ''                     | 127.0.0.1 | NULL                      | true  | 127.0.0.1",
      "0 | 10.0.0.0/8             | 127.0.0.1 | 203.0.113.9               | false | 127.0.0.1",
      "0 | 10.0.0.0/8             | 10.9.9.9  | 203.0.113.9, 10.0.0.2     | true  | 203.0.113.9",
      "0 | 10.0.0.0/8             | 10.9.9.9  | 10.0.0.3, 10.0.0.2        | true  | 10.0.0.3",
      "0 | 10.0.0.0/8             | 10.9.9.9  | evil.example, 10.0.0.2    | true  | evil.example",
      "1 | 10.0.0.0/8             | 127.0.0.1 | 203.0.113.9               | false | 127.0.0.1",
      "1 | 10.0.0.0/8             | 10.9.9.9  | 198.51.100.1, 203.0.113.9 | true  | 203.0.113.9",
      "0 | 192.0.2.7; fd00::/8    | fd00::1   | 203.0.113.9               | true  | 203.0.113.9",
      "0 | 192.0.2.7; fd00::/8    | 192.0.2.7 | 203.0.113.9               | true  | 203.0.113.9",
      "0 | 192.0.2.7; fd00::/8    | 192.0.2.8 | 203.0.113.9               | false | 192.0.2.8",
  })
  void theClientIsThePeerUnlessATrustedProxySaysOtherwise(int hops, String cidrs, String peer, String forwardedFor,
                                                         boolean trusted, String client) {
    List<String> list = cidrs.isBlank() ? List.of() : Arrays.stream(cidrs.split(";")).map(String::trim).toList();
    ListenerEdge d = ListenerEdge.DEFAULT;
    ClientTrust trust = ClientTrust.of(new ListenerEdge(d.pathNormalization(), d.escapedSlashes(), "",
        d.headersWithUnderscores(), hops, list, true));
    assertEquals(trusted, trust.trusts(peer));
    assertEquals(client, trusted ? trust.client(forwardedFor, peer) : peer);
  }

  @ParameterizedTest(name = "{0} {1} {2} -> {3}")
  @CsvSource(delimiter = '|', nullValues = "NULL", value = {
      "192.0.2.60      | shop.test      | http  | for=192.0.2.60;host=shop.test;proto=http",
      "2001:db8::1     | shop.test:8443 | https | for=\"[2001:db8::1]\";host=\"shop.test:8443\";proto=https",
      "NULL            | NULL           | http  | proto=http",
  })
  void theGatewaysForwardedElementFollowsRfc7239(String peer, String host, String proto, String expected) {
    assertEquals(expected, ForwardedHeaders.element(peer, host, proto));
  }
}
