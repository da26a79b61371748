/**
 * certpilot's public API: a {@link dev.certpilot.core.CertificateManager} obtains certificates from an ACME CA,
 * stores them and serves them to TLS servers.
 *
 * <p>Exceptions are unchecked, rooted at {@link dev.certpilot.core.CertpilotException}: the manager is called
 * from servlet filters, Jetty lifecycles and key managers whose signatures admit no checked ACME or storage
 * exception, and the subtypes carry what a caller needs to act (the CA, the retry-after instant, the path, the
 * domain and challenge type) instead of a cause chain to unpick.
 *
 * <p>Classes in this package that are not public are implementation details; acme4j types never appear in a
 * public signature.
 */
package dev.certpilot.core;
