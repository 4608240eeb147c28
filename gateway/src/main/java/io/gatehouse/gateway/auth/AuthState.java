package io.gatehouse.gateway.auth;

import io.gatehouse.routes.auth.Authorizer;
import io.gatehouse.routes.auth.ExtAuthz;
import io.gatehouse.routes.auth.JwtProvider;
import io.gatehouse.routes.auth.Security;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import java.text.ParseException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What authentication and authorization keep across snapshots: per provider config its fetched
 * keys (and refresh timer; a key file is read again by {@link #refresh}) and verified tokens, per
 * external service its pooled client. A reload
 * that keeps a provider or service unchanged keeps them; {@link #retain} closes the rest. Lives as
 * long as the gateway.
 */
public final class AuthState {
  private record ProviderState(TokenVerifier verifier, KeySource keys) {}

  private final Vertx vertx;
  private final AuthMetrics metrics;
  private final Clock clock;
  private final Map<JwtProvider, ProviderState> providers = new ConcurrentHashMap<>();
  private final Map<ExtAuthz, ExtAuthzClient> services = new ConcurrentHashMap<>();

  AuthState(Vertx vertx, MeterRegistry registry, Clock clock) {
    this.vertx = vertx;
    this.metrics = new AuthMetrics(registry);
    this.clock = clock;
  }

  public static AuthState start(Vertx vertx, MeterRegistry registry) {
    return new AuthState(vertx, registry, Clock.systemUTC());
  }

  /**
   * The guard of a snapshot. Runs on the config writer thread: JWKS files are read here; a file
   * that is missing or not a key set fails the compile (the previous snapshot keeps serving).
   */
  public Guard compile(Security security) {
    if (security.isNone()) {
      return Guard.none();
    }
    List<Guard.Provider> compiled = new ArrayList<>();
    for (JwtProvider p : security.authentication()) {
      ProviderState state = providers.computeIfAbsent(p, this::start);
      compiled.add(new Guard.Provider(p, new TokenLocation(p), state.verifier(), state.keys(), metrics));
    }
    Map<String, ExtAuthzClient> clients = new HashMap<>();
    for (ExtAuthz e : security.extAuthz()) {
      clients.put(e.name(), services.computeIfAbsent(e, c -> new ExtAuthzClient(vertx, c)));
    }
    return new Guard(compiled, Authorizer.compile(security.authorization()), clients, metrics);
  }

  private ProviderState start(JwtProvider p) {
    TokenVerifier verifier = new TokenVerifier(p, clock);
    KeySource keys;
    if (p.jwks() instanceof JwtProvider.Jwks.Remote) {
      keys = new RemoteKeys(vertx, p, metrics, changed -> verifier.forget());
    } else if (p.jwks() instanceof JwtProvider.Jwks.File) {
      keys = new FileKeys(p);
    } else {
      try {
        keys = new KeySource.Fixed(KeySource.parse(((JwtProvider.Jwks.Inline) p.jwks()).json()));
      } catch (ParseException e) {
        throw new IllegalArgumentException("authentication provider " + p.name() + ": not a JWKS document: " + e.getMessage());
      }
    }
    return new ProviderState(verifier, keys);
  }

  /**
   * Reads the JWKS files of {@code security} (the serving config) again, after a watched file
   * changed; a provider whose keys changed forgets the tokens it verified. On the config writer.
   */
  public void refresh(Security security) {
    for (JwtProvider p : security.authentication()) {
      ProviderState state = providers.get(p);
      if (state != null && state.keys() instanceof FileKeys file && file.reload()) {
        state.verifier().forget();
      }
    }
  }

  /** Stops refreshing keys and closes clients that {@code kept} (the installed config) does not use. */
  public void retain(Security kept) {
    Set<JwtProvider> keepProviders = new HashSet<>(kept.authentication());
    providers.entrySet().removeIf(e -> {
      if (keepProviders.contains(e.getKey())) {
        return false;
      }
      e.getValue().keys().close();
      return true;
    });
    Set<ExtAuthz> keepServices = new HashSet<>(kept.extAuthz());
    services.entrySet().removeIf(e -> {
      if (keepServices.contains(e.getKey())) {
        return false;
      }
      e.getValue().close();
      return true;
    });
  }
}
