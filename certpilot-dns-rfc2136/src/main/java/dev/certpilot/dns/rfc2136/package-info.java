/**
 * DNS-01 through RFC 2136 dynamic updates: {@link dev.certpilot.dns.rfc2136.Rfc2136Dns01Responder}.
 */
package dev.certpilot.dns.rfc2136;
