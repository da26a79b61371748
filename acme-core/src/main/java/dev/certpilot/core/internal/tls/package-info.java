/**
 * The engine's TLS side: what each handshake is served ({@link SniKeyManager} over {@link ServedCertificates}),
 * read from a store by the {@link CertificateLoader}; bootstrap and validation certificates. On-demand issuance
 * reaches it through {@link OnDemandCertificates}, which the renewal side implements. Not exported by the module:
 * public only for the other engine packages; not part of certpilot's API.
 */
package dev.certpilot.core.internal.tls;
