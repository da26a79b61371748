/**
 * The parts of the {@link dev.certpilot.core.FileCertificateStore}: its listing, leases, guards, challenges, file
 * operations and the problems it reports. Not exported by the module: public only for {@code dev.certpilot.core};
 * not part of certpilot's API.
 */
package dev.certpilot.core.internal.store;
