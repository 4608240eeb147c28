package io.gatehouse.perf.jmh;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.gatehouse.routes.table.RouteTable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The benchmark measures real lookups: every fixture request gets the route it was made for. */
class RouteFixtureTest {
  @ParameterizedTest
  @EnumSource(RouteFixture.Mix.class)
  void everyRequestFindsItsRoute(RouteFixture.Mix mix) {
    RouteFixture fixture = RouteFixture.build(mix, 1000, 10, 4096, 42);
    assertEquals(10_000, fixture.routes().size());
    RouteTable<String> table = RouteTableBenchmark.compileTable(fixture);
    for (RouteFixture.Request request : fixture.requests()) {
      assertEquals(request.expected(), table.match(request), request.toString());
    }
  }
}
