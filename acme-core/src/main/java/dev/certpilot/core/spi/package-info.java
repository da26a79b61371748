/**
 * Service provider interfaces: where certificates are kept ({@link dev.certpilot.core.spi.CertificateStore})
 * and how the CA's challenges are answered ({@link dev.certpilot.core.spi.ChallengeResponder} and its
 * kinds). Implement these to plug certpilot into other storage or other servers; each interface's Javadoc is
 * the contract an implementation must keep.
 */
package dev.certpilot.core.spi;
