package io.gatehouse.gateway.proxy;

import com.aayushatharva.brotli4j.encoder.Encoder;
import io.gatehouse.routes.Compression;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.compression.Brotli;
import io.netty.handler.codec.compression.BrotliEncoder;
import io.netty.handler.codec.compression.ZlibCodecFactory;
import io.netty.handler.codec.compression.ZlibWrapper;
import io.netty.handler.codec.compression.Zstd;
import io.netty.handler.codec.compression.ZstdEncoder;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import java.util.List;
import java.util.Locale;

/**
 * A route's response compression for one request: the encoding the client's
 * {@code Accept-Encoding} chose among the route's (q-values, {@code *}, {@code q=0} excludes), and
 * the decision, once the response head is known, whether this response is compressed. It is not
 * when it is already encoded, says {@code Cache-Control: no-transform}, answers HEAD, is 1xx, 204,
 * 304 or 206 (or has {@code Content-Range}), has a media type the route does not list, or a known
 * length below {@code minSize}. A compressed response loses {@code Content-Length} (it streams
 * chunked); every response of a compressible type gets {@code Vary: Accept-Encoding}.
 */
final class ResponseCompression {
  /** Levels as Netty's HttpContentCompressor defaults: fast enough to stream, most of the gain. */
  private static final int GZIP_LEVEL = 6;
  private static final int BROTLI_QUALITY = 4;
  private static final int ZSTD_LEVEL = 3;

  private final Compression config;
  private final String encoding;

  ResponseCompression(Compression config, String acceptEncoding) {
    this.config = config;
    this.encoding = negotiate(acceptEncoding, config.algorithms());
  }

  /**
   * Edits the response head for compression and answers the encoder for its body, or null when
   * the response goes as it is.
   */
  BodyEncoder begin(HttpMethod method, HttpVersion version, int status, MultiMap headers) {
    if (headers.contains(HttpHeaders.CONTENT_ENCODING) || status < 200 || status == 204 || status == 304
        || status == 206 || headers.contains("content-range") || !typeMatches(headers.get(HttpHeaders.CONTENT_TYPE))
        || noTransform(headers.getAll(HttpHeaders.CACHE_CONTROL))) {
      return null;
    }
    addVary(headers);
    String length = headers.get(HttpHeaders.CONTENT_LENGTH);
    if (encoding.isEmpty() || method == HttpMethod.HEAD || version == HttpVersion.HTTP_1_0
        || length != null && parse(length) < config.minSize().bytes()) {
      return null;
    }
    headers.remove(HttpHeaders.CONTENT_LENGTH);
    headers.set(HttpHeaders.CONTENT_ENCODING, encoding);
    // A strong validator names the bytes; the compressed bytes are other bytes (RFC 9110 §8.8.3).
    String etag = headers.get(HttpHeaders.ETAG);
    if (etag != null && etag.startsWith("\"")) {
      headers.set(HttpHeaders.ETAG, "W/" + etag);
    }
    return new BodyEncoder(encoder(encoding));
  }

  /**
   * The route's algorithm (in its order of preference) with the highest q-value in
   * {@code accept}; "" when the client accepts none of them. {@code x-gzip} counts as gzip.
   */
  static String negotiate(String accept, List<String> algorithms) {
    if (accept == null || accept.isBlank()) {
      return "";
    }
    double star = -1;
    double[] q = new double[algorithms.size()];
    java.util.Arrays.fill(q, -1);
    for (String item : accept.split(",")) {
      String[] parts = item.split(";");
      String token = parts[0].trim().toLowerCase(Locale.ROOT);
      double weight = 1;
      for (int i = 1; i < parts.length; i++) {
        String p = parts[i].trim();
        if (p.startsWith("q=") || p.startsWith("Q=")) {
          try {
            weight = Double.parseDouble(p.substring(2).trim());
          } catch (NumberFormatException e) {
            weight = 0;
          }
        }
      }
      if (token.equals("*")) {
        star = weight;
      } else {
        int at = algorithms.indexOf(token.equals("x-gzip") ? "gzip" : token);
        if (at >= 0) {
          q[at] = weight;
        }
      }
    }
    String best = "";
    double bestQ = 0;
    for (int i = 0; i < q.length; i++) {
      double weight = q[i] >= 0 ? q[i] : star;
      if (weight > bestQ && available(algorithms.get(i))) {
        best = algorithms.get(i);
        bestQ = weight;
      }
    }
    return best;
  }

  private static boolean available(String algorithm) {
    return switch (algorithm) {
      case "br" -> Brotli.isAvailable();
      case "zstd" -> Zstd.isAvailable();
      default -> true;
    };
  }

  private static ChannelHandler encoder(String algorithm) {
    return switch (algorithm) {
      case "br" -> new BrotliEncoder(new Encoder.Parameters().setQuality(BROTLI_QUALITY));
      case "zstd" -> new ZstdEncoder(ZSTD_LEVEL);
      default -> ZlibCodecFactory.newZlibEncoder(ZlibWrapper.GZIP, GZIP_LEVEL);
    };
  }

  private boolean typeMatches(String contentType) {
    if (contentType == null) {
      return false;
    }
    int semi = contentType.indexOf(';');
    String type = (semi < 0 ? contentType : contentType.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
    int slash = type.indexOf('/');
    if (slash < 0) {
      return false;
    }
    for (String pattern : config.contentTypes()) {
      if (pattern.equals(type)
          || pattern.endsWith("/*") && type.startsWith(pattern.substring(0, pattern.length() - 1))
          || pattern.contains("/*+") && type.startsWith(pattern.substring(0, pattern.indexOf('*')))
              && type.endsWith(pattern.substring(pattern.indexOf('+')))) {
        return true;
      }
    }
    return false;
  }

  private static boolean noTransform(List<String> cacheControl) {
    for (String value : cacheControl) {
      for (String directive : value.split(",")) {
        if (directive.trim().equalsIgnoreCase("no-transform")) {
          return true;
        }
      }
    }
    return false;
  }

  private static void addVary(MultiMap headers) {
    for (String vary : headers.getAll(HttpHeaders.VARY)) {
      for (String v : vary.split(",")) {
        if (v.trim().equalsIgnoreCase("accept-encoding") || v.trim().equals("*")) {
          return;
        }
      }
    }
    headers.add(HttpHeaders.VARY, "Accept-Encoding");
  }

  private static long parse(String length) {
    try {
      return Long.parseLong(length.trim());
    } catch (NumberFormatException e) {
      return Long.MAX_VALUE;
    }
  }

  /**
   * Compresses one body chunk by chunk, each flushed as it passes (so a streamed response keeps
   * streaming), through Netty's encoder in an {@link EmbeddedChannel} on the request's event loop.
   */
  static final class BodyEncoder implements EncodingStream.Encoder {
    private final EmbeddedChannel channel;

    BodyEncoder(ChannelHandler encoder) {
      this.channel = new EmbeddedChannel(encoder);
    }

    @Override public Buffer encode(Buffer chunk) {
      channel.writeOutbound(Unpooled.wrappedBuffer(chunk.getBytes()));
      return drain();
    }

    /** The end of the compressed stream (gzip's trailer, brotli's last block). */
    @Override public Buffer finish() {
      channel.finish();
      return drain();
    }

    /** Releases what the encoder holds when the body broke off. */
    void discard() {
      channel.finishAndReleaseAll();
    }

    private Buffer drain() {
      Buffer out = Buffer.buffer();
      for (ByteBuf b = channel.readOutbound(); b != null; b = channel.readOutbound()) {
        byte[] bytes = new byte[b.readableBytes()];
        b.readBytes(bytes);
        b.release();
        out.appendBytes(bytes);
      }
      return out;
    }
  }
}
