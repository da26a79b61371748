package dev.certpilot.core;

/**
 * What the manager's notifiers did since it started: {@link CertificateManager#notificationCounts()}. Immutable.
 *
 * @param sent    notices a notifier sent (one per notifier)
 * @param failed  notices a notifier failed to send (logged)
 * @param dropped notices dropped because the queue was full
 */
public record NotificationCounts(long sent, long failed, long dropped) {
}
