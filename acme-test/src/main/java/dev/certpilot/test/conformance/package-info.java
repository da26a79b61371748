/**
 * The conformance kit for {@link dev.certpilot.core.spi.CertificateStore} implementations:
 * {@link dev.certpilot.test.conformance.CertificateStoreConformance}, and the self-signed bundles it stores.
 */
package dev.certpilot.test.conformance;
