package io.gatehouse.gateway.upstream;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import java.util.logging.Logger;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals and opens sticky-session cookie values with the gateway's session key: AES-256-GCM over
 * {@code upstream, endpoint, expiry}, with the cookie name as associated data, so a client can
 * neither read which endpoint it is pinned to nor forge, extend or move a cookie. The key is
 * {@code STATE/session-cookie.key} (32 random bytes, base64, owner-only), created at the first
 * start; replicas that must honour each other's cookies share the same file (e.g. one Secret
 * mounted there). When the state directory cannot be written, the key lives in this process only.
 */
public final class SessionCookies {
  /** The key file's name in the state directory. */
  public static final String KEY_FILE = "session-cookie.key";
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Logger LOG = Logger.getLogger(SessionCookies.class.getName());

  private final SecretKeySpec key;

  private SessionCookies(byte[] key) {
    if (key.length != 32) {
      throw new IllegalArgumentException("a session key is 32 bytes, found " + key.length);
    }
    this.key = new SecretKeySpec(key, "AES");
  }

  /** Where a pinned request goes: an upstream's endpoint by {@code host:port} label. */
  public record Pin(String upstream, String endpoint) {}

  /** A key that lives as long as this process (tests, and gateways without a state directory). */
  public static SessionCookies ephemeral() {
    byte[] key = new byte[32];
    RANDOM.nextBytes(key);
    return new SessionCookies(key);
  }

  /**
   * The key in {@code stateDir/session-cookie.key}, created (mode 0600) when missing; a key of this
   * process only (with a warning) when the file can be neither read nor created. Blocking: call at start.
   */
  public static SessionCookies load(Path stateDir) {
    Path file = stateDir.resolve(KEY_FILE);
    try {
      if (!Files.exists(file)) {
        Files.createDirectories(stateDir);
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        try {
          Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
          Files.writeString(file, Base64.getEncoder().encodeToString(key) + "\n");
        } catch (FileAlreadyExistsException raced) {
          // another gateway on the same state directory made it first: use theirs
        } catch (UnsupportedOperationException notPosix) {
          Files.writeString(file, Base64.getEncoder().encodeToString(key) + "\n");
        }
      }
      return new SessionCookies(Base64.getDecoder().decode(Files.readString(file).trim()));
    } catch (IOException e) {
      // A read-only state directory (e.g. a container without a volume) must not stop the gateway.
      LOG.warning("cannot read or create the session key " + file + " (" + e + "); sticky-session cookies are"
          + " sealed with a key of this process only, so a restart or another replica does not honour them");
      return ephemeral();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("session key " + file + ": expected 32 bytes in base64 (" + e.getMessage() + ")", e);
    }
  }

  /** The cookie value pinning {@code pin}, valid until {@code expiresEpochSeconds} (0: no expiry). */
  public String seal(String cookie, Pin pin, long expiresEpochSeconds) {
    byte[] plain = (pin.upstream() + '\n' + pin.endpoint() + '\n' + expiresEpochSeconds).getBytes(StandardCharsets.UTF_8);
    byte[] nonce = new byte[NONCE_BYTES];
    RANDOM.nextBytes(nonce);
    try {
      Cipher cipher = cipher(Cipher.ENCRYPT_MODE, nonce, cookie);
      byte[] sealed = cipher.doFinal(plain);
      return Base64.getUrlEncoder().withoutPadding().encodeToString(
          ByteBuffer.allocate(NONCE_BYTES + sealed.length).put(nonce).put(sealed).array());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available", e);
    }
  }

  /** The pin in {@code value}; empty when it is not ours (forged, altered, another cookie's) or expired at {@code nowEpochSeconds}. */
  public Optional<Pin> open(String cookie, String value, long nowEpochSeconds) {
    byte[] raw;
    try {
      raw = Base64.getUrlDecoder().decode(value);
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    if (raw.length <= NONCE_BYTES + TAG_BITS / 8) {
      return Optional.empty();
    }
    String plain;
    try {
      Cipher cipher = cipher(Cipher.DECRYPT_MODE, java.util.Arrays.copyOf(raw, NONCE_BYTES), cookie);
      plain = new String(cipher.doFinal(raw, NONCE_BYTES, raw.length - NONCE_BYTES), StandardCharsets.UTF_8);
    } catch (GeneralSecurityException e) {
      return Optional.empty();
    }
    String[] parts = plain.split("\n", -1);
    if (parts.length != 3) {
      return Optional.empty();
    }
    long expires;
    try {
      expires = Long.parseLong(parts[2]);
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
    if (expires != 0 && expires <= nowEpochSeconds) {
      return Optional.empty();
    }
    return Optional.of(new Pin(parts[0], parts[1]));
  }

  private Cipher cipher(int mode, byte[] nonce, String cookie) throws GeneralSecurityException {
    Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
    cipher.init(mode, key, new GCMParameterSpec(TAG_BITS, nonce));
    cipher.updateAAD(cookie.getBytes(StandardCharsets.UTF_8));
    return cipher;
  }
}
