package io.gatehouse.routes.egress;

import java.io.ByteArrayOutputStream;
import java.net.IDN;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** The normalisation behind {@link Target#parse}; never resolves a name. */
final class HostNames {
  private static final int MAX_NAME = 253;

  private HostNames() {}

  static Target parse(String raw) {
    if (raw == null || raw.isEmpty()) {
      return new Target.Invalid("empty host");
    }
    String host;
    try {
      host = percentDecode(raw);
    } catch (IllegalArgumentException e) {
      return new Target.Invalid(e.getMessage());
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      return ipv6(host.substring(1, host.length() - 1));
    }
    if (host.indexOf(':') >= 0) {
      return ipv6(host);
    }
    if (host.endsWith(".")) {
      host = host.substring(0, host.length() - 1);
    }
    if (host.isEmpty()) {
      return new Target.Invalid("empty host");
    }
    if (!isAscii(host)) {
      try {
        host = IDN.toASCII(host, IDN.USE_STD3_ASCII_RULES);
      } catch (IllegalArgumentException e) {
        return new Target.Invalid("not a valid internationalised name");
      }
    }
    host = host.toLowerCase(Locale.ROOT);
    String last = host.substring(host.lastIndexOf('.') + 1);
    if (!last.isEmpty() && isNumeric(last)) {
      byte[] v4 = inetAton(host);
      return v4 == null ? new Target.Invalid("numeric host is not an IPv4 address") : new Target.Address(address(v4));
    }
    return isDnsName(host) ? new Target.Name(host) : new Target.Invalid("not a DNS name");
  }

  private static Target ipv6(String text) {
    // Only hex digits, colons and dots: InetAddress parses such a literal and never looks it up.
    if (text.isEmpty() || !text.matches("[0-9a-fA-F:.]+")) {
      return new Target.Invalid("not an IPv6 address");
    }
    try {
      InetAddress address = InetAddress.getByName(text);
      return new Target.Address(address);
    } catch (UnknownHostException e) {
      return new Target.Invalid("not an IPv6 address");
    }
  }

  /** inet_aton: 1 to 4 parts, each decimal, octal (leading 0) or hex (0x); the last fills the remaining bytes. */
  static byte[] inetAton(String text) {
    String[] parts = text.split("\\.", -1);
    if (parts.length > 4) {
      return null;
    }
    long[] values = new long[parts.length];
    for (int i = 0; i < parts.length; i++) {
      values[i] = number(parts[i]);
      if (values[i] < 0) {
        return null;
      }
    }
    long value = 0;
    for (int i = 0; i < parts.length - 1; i++) {
      if (values[i] > 255) {
        return null;
      }
      value |= values[i] << (8 * (3 - i));
    }
    long lastMax = (1L << (8 * (5 - parts.length))) - 1;
    long last = values[parts.length - 1];
    if (last > lastMax) {
      return null;
    }
    value |= last;
    return new byte[] {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value};
  }

  private static long number(String part) {
    int radix = 10;
    String digits = part;
    if (part.startsWith("0x") || part.startsWith("0X")) {
      radix = 16;
      digits = part.substring(2);
      if (digits.isEmpty()) {
        return 0;
      }
    } else if (part.length() > 1 && part.startsWith("0")) {
      radix = 8;
      digits = part.substring(1);
    }
    if (digits.isEmpty() || digits.length() > 11) {
      return -1;
    }
    try {
      return Long.parseLong(digits, radix);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static boolean isNumeric(String label) {
    if (label.startsWith("0x") || label.startsWith("0X")) {
      return label.length() == 2 || label.substring(2).chars().allMatch(c -> Character.digit(c, 16) >= 0);
    }
    return label.chars().allMatch(c -> c >= '0' && c <= '9');
  }

  private static InetAddress address(byte[] bytes) {
    try {
      return InetAddress.getByAddress(bytes);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Letters, digits, hyphens and underscores in labels of 1 to 63, at most 253 in all. */
  static boolean isDnsName(String host) {
    if (host.length() > MAX_NAME) {
      return false;
    }
    int label = 0;
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      if (c == '.') {
        if (label == 0) {
          return false;
        }
        label = 0;
      } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_') {
        if (++label > 63) {
          return false;
        }
      } else {
        return false;
      }
    }
    return label > 0;
  }

  private static boolean isAscii(String s) {
    return s.chars().allMatch(c -> c < 0x80);
  }

  /** Decodes %XX escapes as UTF-8; a malformed escape or byte sequence is refused. */
  private static String percentDecode(String raw) {
    if (raw.indexOf('%') < 0) {
      return raw;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] in = raw.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < in.length; i++) {
      if (in[i] == '%') {
        if (i + 2 >= in.length || Character.digit(in[i + 1], 16) < 0 || Character.digit(in[i + 2], 16) < 0) {
          throw new IllegalArgumentException("malformed percent-encoding");
        }
        out.write(Character.digit(in[i + 1], 16) * 16 + Character.digit(in[i + 2], 16));
        i += 2;
      } else {
        out.write(in[i]);
      }
    }
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(out.toByteArray())).toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("percent-encoding is not UTF-8");
    }
  }

}
