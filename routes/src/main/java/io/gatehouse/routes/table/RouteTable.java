package io.gatehouse.routes.table;

import io.gatehouse.routes.RequestMatch;
import io.gatehouse.routes.Route;
import java.util.List;
import java.util.function.BiFunction;

/**
 * Routes compiled for lookup: what each (route, match) pair compiled to, found by host then by
 * the host's routes in declared order. Generic so that this module never sees gateway types.
 */
public final class RouteTable<T> {

  /** Compiles {@code routes}; {@code build} turns each route's match entry into a T. */
  public static <T> RouteTable<T> compile(List<Route> routes, BiFunction<Route, RequestMatch, T> build, T noRoute) {
    throw new UnsupportedOperationException("being written");
  }

  /** The T of the first match entry that takes the request, or the no-route value. */
  public T match(RequestView request) {
    throw new UnsupportedOperationException("being written");
  }
}
