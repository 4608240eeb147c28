package io.gatehouse.gateway.proxy;

import io.netty.handler.codec.http.HttpHeaders;
import io.vertx.core.MultiMap;
import java.util.Iterator;
import java.util.Map;

/**
 * The fields of a header map as parsed: an HTTP/1.x map (Vert.x's is Netty's {@link HttpHeaders})
 * yields its names and values as they are, where {@link MultiMap}'s own iterator makes a
 * {@code String} of each name and an entry object per field; any other map (HTTP/2) its entries.
 */
final class HeaderFields {
  private HeaderFields() {}

  static Iterator<? extends Map.Entry<? extends CharSequence, ? extends CharSequence>> of(MultiMap headers) {
    return headers instanceof HttpHeaders http1 ? http1.iteratorCharSequence() : headers.iterator();
  }
}
