/**
 * Servlet integration: {@link dev.certpilot.servlet.AcmeChallengeFilter} answers HTTP-01 challenges inside any
 * Servlet 6 container, redirects HTTP to HTTPS around the challenge path, and sends HSTS.
 */
package dev.certpilot.servlet;
