package dev.certpilot.spring.boot;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.certpilot.core.Notifications;

/**
 * The {@code certpilot.notify.*} settings: who is told when renewal fails, a certificate expires or is revoked, the
 * CA fails over or the store cannot save, and when it is over. Mail needs {@code dev.certpilot:certpilot-mail}; a
 * webhook needs nothing more. Not thread-safe: read once at start-up.
 */
public class NotifyProperties {

    /** Notices by mail (needs dev.certpilot:certpilot-mail). */
    private final Mail mail = new Mail();

    /** Notices to a webhook: a JSON POST that Slack's and Teams' incoming webhooks show as it is. */
    private final Webhook webhook = new Webhook();

    /** How long a problem that goes on stays untold before a reminder. */
    private Duration reminderInterval = Notifications.DEFAULT_REMINDER_INTERVAL;

    /** Whether each issuance is told too, not only problems and their end. */
    private boolean issuance;

    /**
     * Notices by mail (needs dev.certpilot:certpilot-mail).
     *
     * @return the mail settings
     */
    public Mail getMail() {
        return mail;
    }

    /**
     * Notices to a webhook.
     *
     * @return the webhook settings
     */
    public Webhook getWebhook() {
        return webhook;
    }

    /**
     * How long a problem that goes on stays untold before a reminder.
     *
     * @return the current value
     */
    public Duration getReminderInterval() {
        return reminderInterval;
    }

    /**
     * How long a problem that goes on stays untold before a reminder.
     *
     * @param reminderInterval the new value
     */
    public void setReminderInterval(Duration reminderInterval) {
        this.reminderInterval = reminderInterval;
    }

    /**
     * Whether each issuance is told too.
     *
     * @return the current value
     */
    public boolean isIssuance() {
        return issuance;
    }

    /**
     * Whether each issuance is told too.
     *
     * @param issuance the new value
     */
    public void setIssuance(boolean issuance) {
        this.issuance = issuance;
    }

    /** The SMTP server and the addresses of mail notices. */
    public static class Mail {

        /** The SMTP server's host name; setting it turns mail notices on. */
        private String host;

        /** The SMTP server's port: 587 (STARTTLS, the default), 465 (SMTPS) or 25. */
        private int port = 587;

        /** starttls (required, not merely tried), smtps, or none (a local relay only). Default: by the port. */
        private String security;

        /** The user name of SMTP AUTH, if the server asks for a login. */
        private String username;

        /** The password of SMTP AUTH; never logged. */
        private String password;

        /** The sender's address, such as certpilot@example.com. */
        private String from;

        /** The recipients' addresses. */
        private List<String> to = new ArrayList<>();

        /**
         * The SMTP server's host name.
         *
         * @return the current value
         */
        public String getHost() {
            return host;
        }

        /**
         * The SMTP server's host name.
         *
         * @param host the new value
         */
        public void setHost(String host) {
            this.host = host;
        }

        /**
         * The SMTP server's port.
         *
         * @return the current value
         */
        public int getPort() {
            return port;
        }

        /**
         * The SMTP server's port.
         *
         * @param port the new value
         */
        public void setPort(int port) {
            this.port = port;
        }

        /**
         * starttls, smtps or none.
         *
         * @return the current value
         */
        public String getSecurity() {
            return security;
        }

        /**
         * starttls, smtps or none.
         *
         * @param security the new value
         */
        public void setSecurity(String security) {
            this.security = security;
        }

        /**
         * The user name of SMTP AUTH.
         *
         * @return the current value
         */
        public String getUsername() {
            return username;
        }

        /**
         * The user name of SMTP AUTH.
         *
         * @param username the new value
         */
        public void setUsername(String username) {
            this.username = username;
        }

        /**
         * The password of SMTP AUTH.
         *
         * @return the current value
         */
        public String getPassword() {
            return password;
        }

        /**
         * The password of SMTP AUTH.
         *
         * @param password the new value
         */
        public void setPassword(String password) {
            this.password = password;
        }

        /**
         * The sender's address.
         *
         * @return the current value
         */
        public String getFrom() {
            return from;
        }

        /**
         * The sender's address.
         *
         * @param from the new value
         */
        public void setFrom(String from) {
            this.from = from;
        }

        /**
         * The recipients' addresses.
         *
         * @return the current value
         */
        public List<String> getTo() {
            return to;
        }

        /**
         * The recipients' addresses.
         *
         * @param to the new value
         */
        public void setTo(List<String> to) {
            this.to = to;
        }
    }

    /** The webhook of notices. */
    public static class Webhook {

        /** The webhook's URL (https); setting it turns webhook notices on. */
        private URI url;

        /** The secret that signs each request (X-Certpilot-Signature, HMAC-SHA256); at least 16 characters. */
        private String secret;

        /**
         * The webhook's URL.
         *
         * @return the current value
         */
        public URI getUrl() {
            return url;
        }

        /**
         * The webhook's URL.
         *
         * @param url the new value
         */
        public void setUrl(URI url) {
            this.url = url;
        }

        /**
         * The secret that signs each request.
         *
         * @return the current value
         */
        public String getSecret() {
            return secret;
        }

        /**
         * The secret that signs each request.
         *
         * @param secret the new value
         */
        public void setSecret(String secret) {
            this.secret = secret;
        }
    }
}
