/**
 * Jetty 12 binding: {@link dev.certpilot.jetty.JettyHttps} for the common case, and its parts:
 * {@link dev.certpilot.jetty.ManagedSslContextFactory} (the manager's certificates, reloaded in place, secure
 * defaults), {@link dev.certpilot.jetty.AcmeTlsConnectionFactory} (TLS-ALPN-01 on the HTTPS port) and
 * {@link dev.certpilot.jetty.AcmeChallengeHandler} (HTTP-01, redirect to HTTPS, HSTS).
 */
package dev.certpilot.jetty;
