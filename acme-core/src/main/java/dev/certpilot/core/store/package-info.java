/**
 * The engine's storage parts: reading what a store holds ({@link dev.certpilot.core.store.CertificateLoader}) and the
 * parts of the {@link dev.certpilot.core.FileCertificateStore} (its listing, leases, guards, challenges and file
 * operations). Not exported by the module: public only for {@code dev.certpilot.core}; not part of certpilot's API.
 */
package dev.certpilot.core.store;
