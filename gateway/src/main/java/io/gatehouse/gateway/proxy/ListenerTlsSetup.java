package io.gatehouse.gateway.proxy;

import io.gatehouse.certs.CertStore;
import io.gatehouse.certs.TlsEngine;

/** What an HTTPS listener needs to terminate TLS: its loaded certificates and the engine (BoringSSL). */
public record ListenerTlsSetup(CertStore store, TlsEngine engine) {}
