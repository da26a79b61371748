/**
 * The engine's ACME plumbing over acme4j: the account and its login ({@link AcmeClient}), orders and the
 * validation of their authorizations ({@link DomainValidation}), challenge answers shared through the store
 * ({@link SharedChallenges}), polling, chains, the CA's suggested renewal windows, and challenge types acme4j has
 * no class for. Not exported by the module: public only for the other engine packages and for acme4j's
 * {@code ServiceLoader}; not part of certpilot's API.
 */
package dev.certpilot.core.internal.acme;
