/**
 * DNS-01 through Amazon Route 53: {@link dev.certpilot.dns.route53.Route53Dns01Responder}.
 */
package dev.certpilot.dns.route53;
