/**
 * The engine's TLS side: what each handshake is served ({@link dev.certpilot.core.tls.SniKeyManager} over
 * {@link dev.certpilot.core.tls.ServedCertificates}), bootstrap and validation certificates, IP-address names and
 * key-pair checks. Not exported by the module: public only for the other engine packages; not part of certpilot's
 * API.
 */
package dev.certpilot.core.tls;
