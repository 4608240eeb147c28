package io.gatehouse.gateway;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An HPACK decoder (RFC 7541) for the test's raw HTTP/2 client: static and dynamic tables,
 * integers, literals and Huffman strings (the code is canonical, so code lengths from Appendix B
 * are enough to rebuild it). Reads the gateway's responses only; one decoder per connection.
 */
final class Hpack {
  private static final String[] STATIC = {
      ":authority", "", ":method", "GET", ":method", "POST", ":path", "/", ":path", "/index.html", ":scheme", "http",
      ":scheme", "https", ":status", "200", ":status", "204", ":status", "206", ":status", "304", ":status", "400",
      ":status", "404", ":status", "500", "accept-charset", "", "accept-encoding", "gzip, deflate", "accept-language", "",
      "accept-ranges", "", "accept", "", "access-control-allow-origin", "", "age", "", "allow", "", "authorization", "",
      "cache-control", "", "content-disposition", "", "content-encoding", "", "content-language", "", "content-length", "",
      "content-location", "", "content-range", "", "content-type", "", "cookie", "", "date", "", "etag", "", "expect", "",
      "expires", "", "from", "", "host", "", "if-match", "", "if-modified-since", "", "if-none-match", "", "if-range", "",
      "if-unmodified-since", "", "last-modified", "", "link", "", "location", "", "max-forwards", "",
      "proxy-authenticate", "", "proxy-authorization", "", "range", "", "referer", "", "refresh", "", "retry-after", "",
      "server", "", "set-cookie", "", "strict-transport-security", "", "transfer-encoding", "", "user-agent", "",
      "vary", "", "via", "", "www-authenticate", ""};

  /** Code lengths of symbols 0..256 (RFC 7541 Appendix B; 256 is EOS). */
  private static final int[] LENGTHS = {
      13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28, 28,
      28, 28, 28, 28, 28, 28, 28, 6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, 5, 5, 5, 6, 6,
      6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10, 13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
      7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6, 15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, 6, 7, 6, 5, 5,
      6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28, 20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24,
      23, 24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24, 22, 21, 20, 22, 22, 23, 23, 21,
      23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23, 26,
      26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, 19, 21, 26, 27, 27, 26, 27, 24, 21, 21,
      26, 26, 28, 27, 27, 27, 20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, 26, 27, 26,
      26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26, 30};
  private static final int[] CODES = new int[257];

  static {
    Integer[] order = new Integer[257];
    for (int i = 0; i < 257; i++) {
      order[i] = i;
    }
    java.util.Arrays.sort(order, (a, b) -> LENGTHS[a] != LENGTHS[b] ? LENGTHS[a] - LENGTHS[b] : a - b);
    int code = 0;
    for (int i = 0; i < 257; i++) {
      if (i > 0) {
        code = (code + 1) << (LENGTHS[order[i]] - LENGTHS[order[i - 1]]);
      }
      CODES[order[i]] = code;
    }
  }

  private final List<String[]> dynamic = new ArrayList<>();
  private byte[] in;
  private int pos;

  /** The fields of one complete header block, in order (a repeated name keeps its last value). */
  Map<String, String> decode(byte[] block) {
    in = block;
    pos = 0;
    Map<String, String> fields = new LinkedHashMap<>();
    while (pos < in.length) {
      int b = in[pos] & 0xff;
      if ((b & 0x80) != 0) {
        String[] f = entry(integer(7));
        fields.put(f[0], f[1]);
      } else if ((b & 0x40) != 0) {
        String[] f = literal(6);
        dynamic.add(0, f);
        fields.put(f[0], f[1]);
      } else if ((b & 0x20) != 0) {
        int size = integer(5);
        if (size == 0) {
          dynamic.clear();
        }
      } else {
        String[] f = literal(4);
        fields.put(f[0], f[1]);
      }
    }
    return fields;
  }

  private String[] literal(int prefix) {
    int index = integer(prefix);
    String name = index == 0 ? string() : entry(index)[0];
    return new String[] {name, string()};
  }

  private String[] entry(int index) {
    if (index <= STATIC.length / 2) {
      return new String[] {STATIC[2 * (index - 1)], STATIC[2 * (index - 1) + 1]};
    }
    return dynamic.get(index - STATIC.length / 2 - 1);
  }

  private int integer(int prefix) {
    int max = (1 << prefix) - 1;
    int value = in[pos++] & max;
    if (value < max) {
      return value;
    }
    int shift = 0;
    int b;
    do {
      b = in[pos++] & 0xff;
      value += (b & 0x7f) << shift;
      shift += 7;
    } while ((b & 0x80) != 0);
    return value;
  }

  private String string() {
    boolean huffman = (in[pos] & 0x80) != 0;
    int length = integer(7);
    int start = pos;
    pos += length;
    return huffman ? huffman(start, length) : new String(in, start, length, StandardCharsets.ISO_8859_1);
  }

  private String huffman(int start, int length) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    long bits = 0;
    int count = 0;
    for (int i = start; i < start + length; i++) {
      bits = (bits << 8) | (in[i] & 0xff);
      count += 8;
      boolean found = true;
      while (found && count >= 5) {
        found = false;
        for (int sym = 0; sym < 256; sym++) {
          int len = LENGTHS[sym];
          if (len <= count && ((bits >>> (count - len)) & ((1L << len) - 1)) == CODES[sym]) {
            out.write(sym);
            count -= len;
            bits &= (1L << count) - 1;
            found = true;
            break;
          }
        }
      }
    }
    return out.toString(StandardCharsets.ISO_8859_1);
  }
}
