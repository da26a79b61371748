/**
 * The preflight: what the CA will check (DNS, CAA, an HTTP-01 probe of each address), checked before an order. Not
 * API.
 */
package dev.certpilot.core.internal.preflight;
