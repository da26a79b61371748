/**
 * Notices to operators by mail: {@link dev.certpilot.mail.MailNotifier}, a {@code Notifier} over SMTP.
 */
package dev.certpilot.mail;
