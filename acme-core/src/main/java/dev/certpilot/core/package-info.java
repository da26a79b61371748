/**
 * certpilot's public API: a {@link dev.certpilot.core.CertificateManager} obtains certificates from an ACME CA,
 * stores them and serves them to TLS servers.
 *
 * <p>Exceptions are unchecked, rooted at {@link dev.certpilot.core.CertpilotException}: the manager is called
 * from servlet filters, Jetty lifecycles and key managers whose signatures admit no checked ACME or storage
 * exception, and the subtypes carry what a caller needs to act (the CA, the retry-after instant, the path, the
 * domain and challenge type) instead of a cause chain to unpick.
 *
 * <p>This package and {@code dev.certpilot.core.spi} are the API; acme4j types never appear in their signatures.
 * The engine lives under {@code dev.certpilot.core.internal} ({@code .acme}, {@code .renewal}, {@code .tls},
 * {@code .store}), which the module does not export: its public types are not API, whatever the class path lets a
 * program reach, and classes here that are not public are not API either.
 */
package dev.certpilot.core;
