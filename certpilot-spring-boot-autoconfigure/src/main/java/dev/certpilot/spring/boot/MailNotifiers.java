package dev.certpilot.spring.boot;

import java.util.Locale;

import dev.certpilot.core.spi.Notifier;
import dev.certpilot.mail.MailNotifier;

/** The mail notifier, in a class of its own so that nothing loads certpilot-mail unless mail is configured. */
final class MailNotifiers {

    private MailNotifiers() {
    }

    static Notifier create(NotifyProperties.Mail mail) {
        MailNotifier.Builder builder;
        try {
            builder = MailNotifier.builder(mail.getHost().trim(), mail.getPort());
        } catch (IllegalArgumentException e) {
            throw new InvalidCertpilotPropertyException("certpilot.notify.mail.port", e.getMessage(),
                    "Set 587 (STARTTLS), 465 (SMTPS) or 25", e);
        }
        if (mail.getSecurity() != null && !mail.getSecurity().isBlank()) {
            try {
                builder.security(MailNotifier.Security.valueOf(mail.getSecurity().trim().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new InvalidCertpilotPropertyException("certpilot.notify.mail.security", "'" + mail.getSecurity()
                        + "' is not a kind of SMTP security", "Set starttls, smtps or none", e);
            }
        }
        if (mail.getUsername() != null && !mail.getUsername().isBlank()) {
            try {
                builder.credentials(mail.getUsername().trim(), mail.getPassword());
            } catch (IllegalArgumentException e) {
                throw new InvalidCertpilotPropertyException("certpilot.notify.mail.password", e.getMessage(),
                        "Set certpilot.notify.mail.password too, or leave out the user name", e);
            }
        }
        try {
            builder.from(mail.getFrom());
        } catch (IllegalArgumentException e) {
            throw new InvalidCertpilotPropertyException("certpilot.notify.mail.from", e.getMessage(),
                    "Set the sender's address, such as certpilot@example.com", e);
        }
        try {
            builder.to(mail.getTo().toArray(String[]::new));
            return builder.build();
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new InvalidCertpilotPropertyException("certpilot.notify.mail.to", e.getMessage(),
                    "Set the recipients' addresses, such as ops@example.com", e);
        }
    }
}
