/**
 * DNS-01 through Cloudflare's API: {@link dev.certpilot.dns.cloudflare.CloudflareDns01Responder}.
 */
package dev.certpilot.dns.cloudflare;
