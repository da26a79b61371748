/**
 * The engine's ACME plumbing over acme4j: the account and its login ({@link dev.certpilot.core.internal.acme.AcmeClient}),
 * orders and the validation of their authorizations ({@link dev.certpilot.core.internal.acme.DomainValidation}), polling,
 * chains, renewal information, and challenge types acme4j has no class for. Not exported by the module: public
 * only for the other engine packages and for acme4j's {@code ServiceLoader}; not part of certpilot's API.
 */
package dev.certpilot.core.internal.acme;
