/**
 * Micrometer metrics of a {@link dev.certpilot.core.CertificateManager}: {@link
 * dev.certpilot.micrometer.CertificateMetrics}.
 */
package dev.certpilot.micrometer;
