/**
 * The engine's scheduling: the {@link Renewer} keeps every managed certificate current (when each is due, orders
 * in flight, retries, leases in a cluster, events, certificates obtained on demand). Not exported by the module:
 * public only for {@code dev.certpilot.core}; not part of certpilot's API.
 */
package dev.certpilot.core.internal.renewal;
