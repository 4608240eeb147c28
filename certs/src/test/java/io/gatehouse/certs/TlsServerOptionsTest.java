package io.gatehouse.certs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TlsServerOptionsTest {
  @ParameterizedTest(name = "minVersion {0}")
  @CsvSource({"TLSv1.2, TLSv1.2 TLSv1.3", "TLSv1.3, TLSv1.3", "'', TLSv1.2 TLSv1.3", "TLSv1.1, TLSv1.2 TLSv1.3",
      "TLSv1, TLSv1.2 TLSv1.3"})
  void neverEnablesTls10Or11(String minVersion, String expected) {
    assertEquals(Set.copyOf(List.of(expected.split(" "))), TlsServerOptions.protocols(minVersion));
  }

  @ParameterizedTest
  @CsvSource({"SSLv3", "tls1.2"})
  void rejectsUnknownVersions(String minVersion) {
    assertThrows(IllegalArgumentException.class, () -> TlsServerOptions.protocols(minVersion));
  }
}
