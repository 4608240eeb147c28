package io.gatehouse.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ForwardedHeadersTest {
  @ParameterizedTest(name = "{0} with Connection [{1}] -> {2}")
  @CsvSource(delimiter = '|', nullValues = "NULL", value = {
      "Keep-Alive        | NULL                   | true",
      "TRANSFER-ENCODING | NULL                   | true",
      "x-custom          | NULL                   | false",
      "x-custom          | close                  | false",
      "X-Custom          | close, x-custom        | true",
      "x-custom          | ' close ,  X-CUSTOM  ' | true",
      "x-custom          | x-custom-2, x-cust     | false",
      "x-cust            | x-custom               | false",
      "x-custom          | ',,x-custom,'          | true",
      "x-custom          | ''                     | false",
      "x-custom          | ','                    | false",
  })
  void hopByHopIsTheFixedSetPlusWhatConnectionNames(String name, String connection, boolean expected) {
    assertEquals(expected, ForwardedHeaders.isHopByHop(name, connection));
  }
}
