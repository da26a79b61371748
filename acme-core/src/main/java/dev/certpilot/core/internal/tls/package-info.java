/**
 * The engine's TLS side: what each handshake is served ({@link dev.certpilot.core.internal.tls.SniKeyManager} over
 * {@link dev.certpilot.core.internal.tls.ServedCertificates}), read from a store by the
 * {@link dev.certpilot.core.internal.tls.CertificateLoader}; bootstrap and validation certificates. On-demand
 * issuance reaches it through {@link dev.certpilot.core.internal.tls.OnDemandCertificates}, which the renewal side
 * implements. Not exported by the module: public only for the other engine packages; not part of certpilot's API.
 */
package dev.certpilot.core.internal.tls;
