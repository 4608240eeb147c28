package io.gatehouse.routes.auth;

import java.util.List;

/**
 * Who may come in, as written: JWT providers ({@code authentication}), authorization policies
 * ({@code authorization}, Istio's AuthorizationPolicy semantics) and the external authorization
 * services CUSTOM policies name ({@code extAuthz}). {@link #NONE} admits every request.
 */
public record Security(List<JwtProvider> authentication, List<AuthorizationPolicy> authorization,
                       List<ExtAuthz> extAuthz) {
  public Security {
    authentication = List.copyOf(authentication);
    authorization = List.copyOf(authorization);
    extAuthz = List.copyOf(extAuthz);
  }

  public static final Security NONE = new Security(List.of(), List.of(), List.of());

  public boolean isNone() {
    return authentication.isEmpty() && authorization.isEmpty();
  }

  public Security withAuthentication(List<JwtProvider> providers) {
    return new Security(providers, authorization, extAuthz);
  }

  public Security withAuthorization(List<AuthorizationPolicy> policies) {
    return new Security(authentication, policies, extAuthz);
  }

  public Security withExtAuthz(List<ExtAuthz> services) {
    return new Security(authentication, authorization, services);
  }
}
