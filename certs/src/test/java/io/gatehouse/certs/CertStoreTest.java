package io.gatehouse.certs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gatehouse.routes.ListenerTls;
import io.gatehouse.routes.ListenerTls.CertificateRef;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CertStoreTest {
  @TempDir Path dir;

  @ParameterizedTest(name = "{0} key as {1}")
  @CsvSource({"EC_P256, PKCS8", "EC_P256, SEC1", "RSA_2048, PKCS8", "RSA_2048, PKCS1"})
  void loadsKeysInEveryPemForm(CertFactory.KeyType type, KeyFormat format) throws Exception {
    TestPki pki = new TestPki(dir);
    CertFactory factory = new CertFactory(type, Clock.systemUTC());
    CertificateRef ref = pki.write("shop", factory.server(pki.ca, TestPki.YEAR, "shop.example.com"), format);
    String header = Files.readString(Path.of(ref.key())).lines().findFirst().orElseThrow();
    assertEquals(switch (format) {
      case PKCS8 -> "-----BEGIN PRIVATE KEY-----";
      case PKCS1 -> "-----BEGIN RSA PRIVATE KEY-----";
      case SEC1 -> "-----BEGIN EC PRIVATE KEY-----";
    }, header);

    CertStore store = CertStore.load(TestPki.tls(ref));

    CertificateInfo info = store.certificates().get(0);
    assertEquals(List.of("shop.example.com"), info.dnsNames());
    assertEquals(ref.cert(), info.file());
    assertEquals("CN=shop.example.com", info.subject());
    assertEquals(64, info.sha256Fingerprint().length());
  }

  @Test
  void hostsDefaultToTheCertificatesDnsNames() throws Exception {
    TestPki pki = new TestPki(dir);
    CertificateRef first = pki.server("first.test");
    CertificateRef wild = pki.write("wild", pki.factory.server(pki.ca, TestPki.YEAR, "*.shop.test", "shop.test"),
        KeyFormat.PKCS8);

    CertStore store = CertStore.load(TestPki.tls(first, wild));

    assertEquals(wild.cert(), store.select("a.shop.test").file());
    assertEquals(wild.cert(), store.select("SHOP.test.").file());
    assertEquals(first.cert(), store.select("a.b.shop.test").file());
    assertEquals(first.cert(), store.select(null).file());
  }

  /** The domain-fronting check's data: RFC 6125 §6.4.3 (one-label wildcards), IP SANs, any case, trailing dot. */
  @Test
  void aServedCertificateCoversItsSansNotTheListenersOtherNames() throws Exception {
    TestPki pki = new TestPki(dir);
    CertificateRef first = pki.write("first", pki.factory.server(pki.ca, TestPki.YEAR, "first.test", "127.0.0.1", "::1"),
        KeyFormat.PKCS8);
    CertificateRef wild = pki.write("wild", pki.factory.server(pki.ca, TestPki.YEAR, "*.shop.test", "shop.test"),
        KeyFormat.PKCS8);
    CertificateRef narrow = pki.write("narrow", pki.factory.server(pki.ca, TestPki.YEAR, "narrow.test"), KeyFormat.PKCS8,
        "narrow.test", "alias.test"); // configured hosts select, but the certificate does not cover alias.test

    CertStore store = CertStore.load(TestPki.tls(first, wild, narrow));

    assertTrue(store.covers("a.shop.test", "b.shop.test"), "coalescing under one wildcard");
    assertTrue(store.covers("a.shop.test", "SHOP.Test."));
    assertFalse(store.covers("a.shop.test", "a.b.shop.test"));
    assertFalse(store.covers("a.shop.test", "first.test"), "another entry's name");
    assertTrue(store.covers(null, "first.test"));
    assertTrue(store.covers("fronted.invalid", "127.0.0.1"));
    assertTrue(store.covers(null, "[::1]"));
    assertTrue(store.covers(null, "0:0:0:0:0:0:0:1"));
    assertFalse(store.covers(null, "shop.test"), "the default certificate does not cover shop.test");
    assertFalse(store.covers(null, ".test"));
    assertFalse(store.covers(null, ""));
    assertTrue(store.covers("alias.test", "narrow.test"));
    assertFalse(store.covers("alias.test", "alias.test"));
  }

  @Test
  void configuredHostsOverrideTheCertificatesNames() throws Exception {
    TestPki pki = new TestPki(dir);
    CertificateRef first = pki.server("first.test");
    CertificateRef other = pki.server("other.test", "shop.example.com");

    CertStore store = CertStore.load(TestPki.tls(first, other));

    assertEquals(other.cert(), store.select("shop.example.com").file());
    assertEquals(first.cert(), store.select("other.test").file()); // the SAN alone does not count
  }

  @Test
  void loadsAChainWithIntermediates() throws Exception {
    TestPki pki = new TestPki(dir);
    IssuedCert intermediate = pki.factory.intermediate(pki.ca, "Test Intermediate", TestPki.YEAR);
    IssuedCert leaf = pki.factory.server(intermediate, TestPki.YEAR, "shop.example.com");
    CertificateRef ref = pki.write("chain", leaf, KeyFormat.PKCS8);
    assertEquals(2, Files.readString(Path.of(ref.cert())).split("BEGIN CERTIFICATE").length - 1);

    CertStore store = CertStore.load(TestPki.tls(ref));

    assertEquals("CN=shop.example.com", store.certificates().get(0).subject());
  }

  @Test
  void rejectsAKeyThatDoesNotMatchItsCertificate() throws Exception {
    TestPki pki = new TestPki(dir);
    CertificateRef shop = pki.server("shop");
    CertificateRef other = pki.server("other");
    CertificateRef mixed = new CertificateRef(List.of(), shop.cert(), other.key());

    CertificateProblem problem = assertThrows(CertificateProblem.class, () -> CertStore.load(TestPki.tls(mixed)));

    assertEquals(other.key() + " does not match certificate " + shop.cert(), problem.getMessage());
  }

  @Test
  void rejectsAnRsaKeyForAnEcCertificate() throws Exception {
    TestPki pki = new TestPki(dir);
    CertificateRef shop = pki.server("shop");
    CertificateRef rsa = pki.write("rsa", CertFactory.rsa().server(pki.ca, TestPki.YEAR, "rsa"), KeyFormat.PKCS1);
    CertificateRef mixed = new CertificateRef(List.of(), shop.cert(), rsa.key());

    CertificateProblem problem = assertThrows(CertificateProblem.class, () -> CertStore.load(TestPki.tls(mixed)));

    assertTrue(problem.getMessage().startsWith(rsa.key() + " does not match certificate " + shop.cert()),
        problem.getMessage());
  }

  @Test
  void rejectsAnExpiredCertificateNamingTheFileAndDate() throws Exception {
    TestPki pki = new TestPki(dir);
    IssuedCert expired = pki.factory.expiredServer(pki.ca, "old.example.com");
    CertificateRef ref = pki.write("old", expired, KeyFormat.PKCS8);

    CertificateProblem problem = assertThrows(CertificateProblem.class, () -> CertStore.load(TestPki.tls(ref)));

    assertEquals(ref.cert() + " expired on " + expired.certificate().getNotAfter().toInstant(), problem.getMessage());
  }

  @Test
  void rejectsACertificateNotYetValid() throws Exception {
    TestPki pki = new TestPki(dir);
    CertificateRef ref = pki.server("future");
    Clock lastYear = Clock.fixed(Instant.now().minus(Duration.ofDays(365)), ZoneOffset.UTC);

    CertificateProblem problem =
        assertThrows(CertificateProblem.class, () -> CertStore.load(TestPki.tls(ref), lastYear));

    assertTrue(problem.getMessage().startsWith(ref.cert() + " is not valid before "), problem.getMessage());
  }

  @Test
  void rejectsUnparseablePemNamingTheFile() throws Exception {
    TestPki pki = new TestPki(dir);
    CertificateRef ref = pki.server("shop");
    Files.writeString(Path.of(ref.cert()), "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n");

    CertificateProblem problem = assertThrows(CertificateProblem.class, () -> CertStore.load(TestPki.tls(ref)));

    assertTrue(problem.getMessage().startsWith(ref.cert() + ": "), problem.getMessage());
  }

  @Test
  void rejectsAKeyFileWithoutAKeyAndNeverQuotesIt() throws Exception {
    TestPki pki = new TestPki(dir);
    CertificateRef ref = pki.server("shop");
    String secret = "c2VjcmV0LWtleS1tYXRlcmlhbA";
    Files.writeString(Path.of(ref.key()), "-----BEGIN PRIVATE KEY-----\n" + secret + "\n-----END PRIVATE KEY-----\n");

    CertificateProblem problem = assertThrows(CertificateProblem.class, () -> CertStore.load(TestPki.tls(ref)));

    assertTrue(problem.getMessage().startsWith(ref.key() + ": "), problem.getMessage());
    assertFalse(problem.getMessage().contains(secret));
    assertTrue(problem.getCause() == null || !String.valueOf(problem.getCause().getMessage()).contains(secret));
  }

  @Test
  void rejectsAMissingFile() {
    CertificateRef ref = new CertificateRef(List.of(), dir.resolve("nope.crt").toString(),
        dir.resolve("nope.key").toString());

    CertificateProblem problem = assertThrows(CertificateProblem.class, () -> CertStore.load(TestPki.tls(ref)));

    assertEquals(ref.cert() + ": no such file", problem.getMessage());
  }

  @Test
  void strictClientAuthNeedsAClientCa() throws Exception {
    TestPki pki = new TestPki(dir);
    ListenerTls tls = new ListenerTls(List.of(pki.server("shop")), ListenerTls.ClientAuth.STRICT, "", "TLSv1.2",
        List.of());

    CertificateProblem problem = assertThrows(CertificateProblem.class, () -> CertStore.load(tls));

    assertTrue(problem.getMessage().contains("needs clientCa"), problem.getMessage());
  }

  @Test
  void versionChangesWhenAFileChangesAndOnlyThen() throws Exception {
    TestPki pki = new TestPki(dir);
    ListenerTls tls = TestPki.tls(pki.server("shop"));
    String before = CertStore.load(tls).version();

    assertEquals(before, CertStore.load(tls).version());
    pki.server("shop"); // a new certificate and key, same paths: a rotation
    String after = CertStore.load(tls).version();

    assertNotEquals(before, after);
    assertEquals(CertStore.load(tls).keyCertOptions(), CertStore.load(tls).keyCertOptions());
  }
}
