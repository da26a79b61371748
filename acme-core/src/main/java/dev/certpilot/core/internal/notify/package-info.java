/**
 * Notices to operators: which events become which {@link dev.certpilot.core.Notice}, told once per certificate and
 * problem, and sent on a thread of their own. Not API.
 */
package dev.certpilot.core.internal.notify;
