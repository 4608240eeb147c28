package io.gatehouse.gateway.proxy;

import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.InvalidChunkExtensionException;
import io.netty.handler.codec.http.InvalidChunkTerminationException;
import io.netty.handler.codec.http.InvalidLineSeparatorException;
import io.netty.handler.codec.http.TooLongHttpContentException;
import io.netty.handler.codec.http.TooLongHttpHeaderException;

/**
 * Tells a request body that broke HTTP/1.1 framing (RFC 9112 §7.1: a chunk size that is not hex,
 * chunk data not followed by CRLF, a bad chunk extension or trailer) from other stream failures.
 * Netty's decoder finds these only when it reaches the bad bytes, after the head was handed on,
 * and Vert.x fails the request stream with the decoder's own exception, which is what is checked.
 */
final class ClientBodyFailure {
  private ClientBodyFailure() {}

  static boolean isFraming(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof NumberFormatException || t instanceof InvalidChunkTerminationException
          || t instanceof InvalidChunkExtensionException || t instanceof InvalidLineSeparatorException
          || t instanceof TooLongHttpContentException || t instanceof TooLongHttpHeaderException
          || t instanceof DecoderException || t instanceof IllegalArgumentException) {
        return true;
      }
    }
    return false;
  }
}
