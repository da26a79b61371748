/**
 * certpilot's additions to acme4j: challenge types it has no class for. Internal: public only because acme4j loads
 * them through {@code ServiceLoader}; not part of certpilot's API.
 */
package dev.certpilot.core.acme;
