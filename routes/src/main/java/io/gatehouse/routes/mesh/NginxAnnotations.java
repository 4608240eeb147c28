package io.gatehouse.routes.mesh;

import io.gatehouse.routes.Cors;
import io.gatehouse.routes.DataSize;
import io.gatehouse.routes.StickySession;
import io.gatehouse.routes.load.Values;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the ingress-nginx annotations ({@value #PREFIX}*) of one Ingress ask of all its routes, for
 * those that map onto native features; every other one of them is warned about by name (never
 * silently dropped). The defaults are ingress-nginx's where they differ from the native ones.
 */
record NginxAnnotations(boolean regex, String rewriteTarget, Tree rewriteAt, boolean sslRedirect,
                        boolean forceSslRedirect, String backendProtocol, DataSize bodySize, List<String> allow,
                        Duration timeout, Cors cors, String sslName, Optional<SecretStore.TlsFiles> sslSecret,
                        StickySession sticky) {
  static final String PREFIX = "nginx.ingress.kubernetes.io/";
  private static final Set<String> CORS = Set.of("enable-cors", "cors-allow-origin", "cors-allow-methods",
      "cors-allow-headers", "cors-expose-headers", "cors-allow-credentials", "cors-max-age");
  private static final Set<String> AFFINITY = Set.of("affinity", "affinity-mode", "session-cookie-name",
      "session-cookie-path", "session-cookie-max-age", "session-cookie-expires", "session-cookie-samesite",
      "session-cookie-secure", "session-cookie-change-on-failure");
  private static final Set<String> MAPPED = mapped();
  private static final int READ_TIMEOUT_SECONDS = 60;
  private static final int CONNECT_TIMEOUT_SECONDS = 5;
  private static final String CORS_METHODS = "GET, PUT, POST, DELETE, PATCH, OPTIONS";
  private static final String CORS_HEADERS =
      "DNT,Keep-Alive,User-Agent,X-Requested-With,If-Modified-Since,Cache-Control,Content-Type,Range,Authorization";
  private static final Duration CORS_MAX_AGE = Duration.ofSeconds(1_728_000);
  private static final Pattern NGINX_SIZE = Pattern.compile("(\\d{1,12})([kKmMgG]?)");
  /** ingress-nginx's cookie when session-cookie-name is not set. */
  private static final String AFFINITY_COOKIE = "INGRESSCOOKIE";
  private static final Pattern COOKIE_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
  private static final Pattern COOKIE_PATH = Pattern.compile("/[\\x21-\\x3a\\x3c-\\x7e]*");

  /** Reads the annotations: the mapped ingress-nginx ones, a warning for every other one of ingress-nginx. */
  static NginxAnnotations read(Scope scope, MeshResource r, Catalog catalog, SecretStore secrets) {
    Tree annotations = r.metadata().get("annotations");
    Map<String, Tree> nginx = new LinkedHashMap<>();
    for (String key : annotations.keys()) {
      if (!key.startsWith(PREFIX)) {
        continue;
      }
      String name = key.substring(PREFIX.length());
      if (MAPPED.contains(name)) {
        nginx.put(name, annotations.get(key));
      } else {
        scope.warn(annotations.get(key), "ingress-nginx annotation " + name + " is not supported by this gateway; ignored");
      }
    }
    Tree none = Tree.missing("metadata.annotations");
    Tree rewriteAt = nginx.getOrDefault("rewrite-target", none);
    String rewriteTarget = rewriteAt.text().trim();
    if (rewriteAt.present() && !rewriteTarget.startsWith("/")) {
      scope.error(rewriteAt, "\"" + rewriteTarget + "\" is not a path (a rewrite target starts with /)");
      rewriteTarget = "";
    }
    boolean regex = bool(scope, nginx.getOrDefault("use-regex", none), false) || !rewriteTarget.isEmpty();
    boolean sslRedirect = bool(scope, nginx.getOrDefault("ssl-redirect", none), true);
    boolean force = bool(scope, nginx.getOrDefault("force-ssl-redirect", none), false);
    Tree protocolAt = nginx.getOrDefault("backend-protocol", none);
    String protocol = protocolAt.present() ? protocolAt.text().trim().toUpperCase(Locale.ROOT) : "HTTP";
    if (!Set.of("HTTP", "HTTPS", "GRPC", "GRPCS").contains(protocol)) {
      scope.error(protocolAt, "\"" + protocolAt.text() + "\" is not a backend protocol this gateway speaks"
          + " (expected HTTP, HTTPS, GRPC or GRPCS)");
      protocol = "HTTP";
    }
    DataSize bodySize = new DataSize(0);
    Tree sizeAt = nginx.getOrDefault("proxy-body-size", none);
    if (sizeAt.present()) {
      Matcher m = NGINX_SIZE.matcher(sizeAt.text().trim());
      if (m.matches()) {
        long unit = switch (m.group(2).toLowerCase(Locale.ROOT)) {
          case "k" -> 1L << 10;
          case "m" -> 1L << 20;
          case "g" -> 1L << 30;
          default -> 1;
        };
        bodySize = new DataSize(Long.parseLong(m.group(1)) * unit);
      } else {
        scope.error(sizeAt, "\"" + sizeAt.text() + "\" is not a size (expected nginx's form: 8k, 10m, 1g, or 0 for no limit)");
      }
    }
    List<String> allow = new ArrayList<>();
    for (String key : List.of("whitelist-source-range", "allowlist-source-range")) {
      Tree at = nginx.getOrDefault(key, none);
      for (String part : at.text().split(",")) {
        String cidr = part.trim();
        if (cidr.isEmpty()) {
          continue;
        }
        if (cidr.indexOf('/') < 0) {
          cidr = cidr + (cidr.indexOf(':') >= 0 ? "/128" : "/32");
        }
        Optional<String> problem = Values.cidrProblem(cidr);
        if (problem.isPresent()) {
          scope.error(at, "\"" + part.trim() + "\" is not a CIDR: " + problem.get());
        } else {
          allow.add(cidr);
        }
      }
    }
    int read = seconds(scope, nginx.getOrDefault("proxy-read-timeout", none), READ_TIMEOUT_SECONDS);
    int connect = seconds(scope, nginx.getOrDefault("proxy-connect-timeout", none), CONNECT_TIMEOUT_SECONDS);
    Cors cors = cors(scope, nginx, none);
    Tree sslNameAt = nginx.getOrDefault("proxy-ssl-name", none);
    String sslName = sslNameAt.text().trim().toLowerCase(Locale.ROOT);
    if (!sslName.isEmpty() && !Values.isHostName(sslName)) {
      scope.error(sslNameAt, "\"" + sslNameAt.text() + "\" is not a host name");
      sslName = "";
    }
    Optional<SecretStore.TlsFiles> sslSecret = Optional.empty();
    Tree secretAt = nginx.getOrDefault("proxy-ssl-secret", none);
    if (secretAt.present()) {
      String[] parts = secretAt.text().trim().split("/", -1);
      if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
        scope.error(secretAt, "\"" + secretAt.text() + "\" is not a Secret (expected NAMESPACE/NAME)");
      } else {
        sslSecret = Secrets.resolve(scope, secretAt, catalog, secrets, parts[0], parts[1]);
        if (sslSecret.isPresent() && sslSecret.get().ca().isEmpty()) {
          scope.missing(secretAt, "Secret " + secretAt.text().trim() + " has no ca.crt to verify the backend with");
        }
      }
    }
    Tree verifyAt = nginx.getOrDefault("proxy-ssl-verify", none);
    if (verifyAt.present() && !verifyAt.text().trim().equals("on")) {
      scope.warn(verifyAt, "this gateway always verifies a backend's certificate (against proxy-ssl-secret's ca.crt,"
          + " else the JVM's trust store); \"" + verifyAt.text() + "\" is ignored");
    }
    if ((sslSecret.isPresent() || !sslName.isEmpty()) && !protocol.endsWith("S")) {
      scope.warn(sslSecret.isPresent() ? secretAt : sslNameAt, "has no effect unless backend-protocol is HTTPS or GRPCS");
    }
    return new NginxAnnotations(regex, rewriteTarget, rewriteAt, sslRedirect, force, protocol, bodySize, allow,
        Duration.ofSeconds((long) read + connect), cors, sslName, sslSecret, sticky(scope, nginx, none, regex));
  }

  /**
   * {@code affinity: cookie} and its session-cookie-* keys: the route's sticky session, which pins
   * a client to its endpoint with a cookie the gateway sets (ingress-nginx's "persistent" mode; its
   * "balanced" one, which moves some clients when endpoints are added, is not made). The path is
   * left empty here when not set: each route then uses its own path, as ingress-nginx does.
   */
  private static StickySession sticky(Scope scope, Map<String, Tree> nginx, Tree none, boolean regex) {
    Tree affinity = nginx.getOrDefault("affinity", none);
    if (!affinity.present() || !affinity.text().trim().equalsIgnoreCase("cookie")) {
      if (affinity.present()) {
        scope.error(affinity, "\"" + affinity.text() + "\" is not an affinity type (expected cookie, the only one ingress-nginx has)");
      }
      for (String key : AFFINITY) {
        if (!key.equals("affinity") && nginx.containsKey(key)) {
          scope.warn(nginx.get(key), "has no effect without " + PREFIX + "affinity: cookie; ignored");
        }
      }
      return StickySession.NONE;
    }
    Tree nameAt = nginx.getOrDefault("session-cookie-name", none);
    String name = nameAt.present() ? nameAt.text().trim() : AFFINITY_COOKIE;
    if (!COOKIE_NAME.matcher(name).matches()) {
      scope.error(nameAt, "\"" + nameAt.text() + "\" is not a cookie name (letters, digits and !#$%&'*+.^_`|~-)");
    }
    Tree pathAt = nginx.getOrDefault("session-cookie-path", none);
    String path = pathAt.text().trim();
    if (pathAt.present() && !COOKIE_PATH.matcher(path).matches()) {
      scope.error(pathAt, "\"" + pathAt.text() + "\" is not a cookie path (expected /...)");
      path = "";
    }
    if (!pathAt.present() && regex) {
      scope.warn(affinity, "with regex paths the cookie's path is / (ingress-nginx asks for " + PREFIX
          + "session-cookie-path there)");
      path = "/";
    }
    // max-age wins over expires, as in browsers; neither: a session cookie, as in ingress-nginx.
    Tree ageAt = nginx.getOrDefault("session-cookie-max-age", none);
    Tree ttlAt = ageAt.present() ? ageAt : nginx.getOrDefault("session-cookie-expires", none);
    Duration ttl = Duration.ofSeconds(seconds(scope, ttlAt, 0));
    Tree siteAt = nginx.getOrDefault("session-cookie-samesite", none);
    StickySession.SameSite site = switch (siteAt.text().trim().toLowerCase(Locale.ROOT)) {
      case "" -> StickySession.SameSite.UNSET;
      case "lax" -> StickySession.SameSite.LAX;
      case "strict" -> StickySession.SameSite.STRICT;
      case "none" -> StickySession.SameSite.NONE;
      default -> {
        scope.error(siteAt, "\"" + siteAt.text() + "\" is not a SameSite value (expected None, Lax or Strict)");
        yield StickySession.SameSite.UNSET;
      }
    };
    // Browsers drop a SameSite=None cookie that is not Secure.
    boolean secure = bool(scope, nginx.getOrDefault("session-cookie-secure", none), false)
        || site == StickySession.SameSite.NONE;
    Tree modeAt = nginx.getOrDefault("affinity-mode", none);
    if (modeAt.present() && !Set.of("balanced", "persistent").contains(modeAt.text().trim())) {
      scope.error(modeAt, "\"" + modeAt.text() + "\" is not an affinity mode (expected balanced or persistent)");
    }
    Tree changeAt = nginx.getOrDefault("session-cookie-change-on-failure", none);
    if (!bool(scope, changeAt, true)) {
      scope.warn(changeAt, "a client whose endpoint is gone is always given another one and a new cookie; \"false\" is ignored");
    }
    return new StickySession(name, ttl, path, true, secure, site);
  }

  /** The enable-cors family; ingress-nginx's defaults for the keys left out. */
  private static Cors cors(Scope scope, Map<String, Tree> nginx, Tree none) {
    Tree enable = nginx.getOrDefault("enable-cors", none);
    if (!bool(scope, enable, false)) {
      for (String key : CORS) {
        if (!key.equals("enable-cors") && nginx.containsKey(key)) {
          scope.warn(nginx.get(key), "has no effect without " + PREFIX + "enable-cors: \"true\"; ignored");
        }
      }
      return Cors.NONE;
    }
    List<String> origins = new ArrayList<>();
    Tree originAt = nginx.getOrDefault("cors-allow-origin", none);
    for (String o : (originAt.present() ? originAt.text() : "*").split(",")) {
      if (!o.isBlank()) {
        IstioRoutePolicies.exact(scope, originAt, o.trim()).forEach(x -> {
          if (!origins.contains(x)) {
            origins.add(x);
          }
        });
      }
    }
    List<String> methods = list(nginx.getOrDefault("cors-allow-methods", none), CORS_METHODS).stream()
        .map(m -> m.toUpperCase(Locale.ROOT)).toList();
    List<String> headers = list(nginx.getOrDefault("cors-allow-headers", none), CORS_HEADERS).stream()
        .map(h -> h.toLowerCase(Locale.ROOT)).toList();
    List<String> expose = list(nginx.getOrDefault("cors-expose-headers", none), "").stream()
        .map(h -> h.toLowerCase(Locale.ROOT)).toList();
    Tree credentialsAt = nginx.getOrDefault("cors-allow-credentials", none);
    boolean credentials = bool(scope, credentialsAt, true);
    if (credentials && origins.contains("*")) {
      if (credentialsAt.present()) {
        scope.warn(credentialsAt, "credentials cannot be allowed with the origin \"*\" (browsers refuse the answer);"
            + " not allowed");
      }
      credentials = false;
    }
    Duration maxAge = CORS_MAX_AGE;
    Tree maxAgeAt = nginx.getOrDefault("cors-max-age", none);
    if (maxAgeAt.present()) {
      maxAge = Duration.ofSeconds(seconds(scope, maxAgeAt, 0));
    }
    if (origins.isEmpty()) {
      scope.warn(enable, "no origin this gateway can express is allowed; CORS is left to the upstream");
      return Cors.NONE;
    }
    return new Cors(origins, methods, headers, expose, maxAge, credentials);
  }

  private static List<String> list(Tree at, String fallback) {
    List<String> out = new ArrayList<>();
    for (String part : (at.present() ? at.text() : fallback).split(",")) {
      if (!part.isBlank()) {
        out.add(part.trim());
      }
    }
    return out;
  }

  private static boolean bool(Scope scope, Tree at, boolean fallback) {
    if (!at.present()) {
      return fallback;
    }
    String text = at.text().trim().toLowerCase(Locale.ROOT);
    if (text.equals("true") || text.equals("false")) {
      return text.equals("true");
    }
    scope.error(at, "\"" + at.text() + "\" is not a boolean (expected \"true\" or \"false\")");
    return fallback;
  }

  private static int seconds(Scope scope, Tree at, int fallback) {
    if (!at.present()) {
      return fallback;
    }
    String text = at.text().trim();
    if (text.matches("\\d{1,7}")) {
      return Integer.parseInt(text);
    }
    scope.error(at, "\"" + at.text() + "\" is not a number of seconds");
    return fallback;
  }

  private static Set<String> mapped() {
    Set<String> keys = new java.util.HashSet<>(CORS);
    keys.addAll(AFFINITY);
    keys.addAll(Set.of("rewrite-target", "use-regex", "ssl-redirect", "force-ssl-redirect", "backend-protocol",
        "proxy-body-size", "whitelist-source-range", "allowlist-source-range", "proxy-read-timeout",
        "proxy-connect-timeout", "proxy-ssl-secret", "proxy-ssl-name", "proxy-ssl-verify"));
    return Set.copyOf(keys);
  }
}
