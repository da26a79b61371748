package dev.certpilot.mail;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.Properties;

import javax.net.ssl.SSLContext;

import jakarta.mail.Authenticator;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.PasswordAuthentication;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;

import dev.certpilot.core.Notice;
import dev.certpilot.core.spi.Notifier;

/**
 * Tells operators by mail: each {@link Notice} as a plain-text message whose subject is {@link Notice#subject()}
 * and whose body is {@link Notice#text()}, sent over SMTP with Jakarta Mail (Eclipse Angus). The connection is
 * encrypted unless {@link Security#NONE} is chosen: STARTTLS on port 587 (required: a server that does not offer it
 * is refused, not spoken to in clear) or SMTPS on 465, with the server's certificate and host name checked. The
 * password is never logged. Thread-safe.
 *
 * <pre>{@code
 * var mail = MailNotifier.builder("smtp.example.com", 587)
 *         .credentials("certpilot@example.com", System.getenv("SMTP_PASSWORD"))
 *         .from("certpilot@example.com").to("ops@example.com")
 *         .build();
 * builder.notifications(Notifications.to(mail));
 * }</pre>
 */
public final class MailNotifier implements Notifier {

    /** How the connection to the SMTP server is protected. */
    public enum Security {
        /** Plain SMTP, upgraded with STARTTLS, which the server must offer (port 587). */
        STARTTLS,
        /** SMTP inside TLS from the first byte (port 465). */
        SMTPS,
        /** No encryption: only for a relay on this host or a trusted network (port 25). */
        NONE
    }

    private final String host;
    private final int port;
    private final Security security;
    private final InternetAddress from;
    private final List<InternetAddress> to;
    private final String protocol;
    private final Session session;
    private final String sender = localHostName();

    private MailNotifier(Builder builder) {
        this.host = builder.host;
        this.port = builder.port;
        this.security = builder.security;
        this.from = builder.from;
        this.to = List.copyOf(builder.to);
        this.protocol = security == Security.SMTPS ? "smtps" : "smtp";
        var properties = new Properties();
        properties.put("mail.transport.protocol", protocol);
        properties.put("mail." + protocol + ".host", host);
        properties.put("mail." + protocol + ".port", Integer.toString(port));
        properties.put("mail." + protocol + ".connectiontimeout", Long.toString(builder.timeout.toMillis()));
        properties.put("mail." + protocol + ".timeout", Long.toString(builder.timeout.toMillis()));
        properties.put("mail." + protocol + ".writetimeout", Long.toString(builder.timeout.toMillis()));
        properties.put("mail." + protocol + ".from", from.getAddress());
        if (security == Security.STARTTLS) {
            properties.put("mail.smtp.starttls.enable", "true");
            properties.put("mail.smtp.starttls.required", "true");
        }
        if (security != Security.NONE) {
            properties.put("mail." + protocol + ".ssl.checkserveridentity", "true");
            if (builder.sslContext != null) {
                properties.put("mail." + protocol + ".ssl.socketFactory", builder.sslContext.getSocketFactory());
            }
        }
        Authenticator authenticator = null;
        if (builder.username != null) {
            properties.put("mail." + protocol + ".auth", "true");
            var credentials = new PasswordAuthentication(builder.username, builder.password);
            authenticator = new Authenticator() {
                @Override
                protected PasswordAuthentication getPasswordAuthentication() {
                    return credentials;
                }
            };
        }
        this.session = Session.getInstance(properties, authenticator);
    }

    /**
     * Starts configuring a notifier that sends through the SMTP server at {@code host}:{@code port}, with STARTTLS
     * (SMTPS when {@code port} is 465).
     *
     * @param host the SMTP server's host name
     * @param port its port: 587 (STARTTLS), 465 (SMTPS) or 25
     * @return a new builder
     */
    public static Builder builder(String host, int port) {
        return new Builder(host, port);
    }

    @Override
    public void send(Notice notice) throws MessagingException {
        var message = new MimeMessage(session);
        message.setFrom(from);
        message.setRecipients(Message.RecipientType.TO, to.toArray(InternetAddress[]::new));
        message.setSubject(notice.subject(), "UTF-8");
        message.setText(notice.text() + "\n\n-- \ncertpilot, on " + sender + "\n", "UTF-8");
        // RFC 3834: an automatic message, to which auto-responders do not answer
        message.setHeader("Auto-Submitted", "auto-generated");
        message.setSentDate(Date.from(notice.time()));
        message.saveChanges();
        try (Transport transport = session.getTransport(protocol)) {
            transport.connect();
            transport.sendMessage(message, message.getAllRecipients());
        }
    }

    private static String localHostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "this host";
        }
    }

    @Override
    public String toString() {
        return "MailNotifier[" + security + " " + host + ":" + port + ", from " + from.getAddress() + " to "
                + to.stream().map(InternetAddress::getAddress).toList() + "]";
    }

    /** Builds a {@link MailNotifier}; not thread-safe. */
    public static final class Builder {

        private final String host;
        private final int port;
        private Security security;
        private String username;
        private String password;
        private InternetAddress from;
        private final List<InternetAddress> to = new ArrayList<>();
        private Duration timeout = Duration.ofSeconds(30);
        private SSLContext sslContext;

        private Builder(String host, int port) {
            if (host == null || host.isBlank()) {
                throw new IllegalArgumentException("The SMTP host must be a host name, such as smtp.example.com");
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("The SMTP port must be 1 to 65535 (587 for STARTTLS, 465 for "
                        + "SMTPS), got " + port);
            }
            this.host = host;
            this.port = port;
            this.security = port == 465 ? Security.SMTPS : Security.STARTTLS;
        }

        /**
         * How the connection is protected; default STARTTLS, or SMTPS on port 465.
         *
         * @param security the protection
         * @return this builder
         */
        public Builder security(Security security) {
            this.security = Objects.requireNonNull(security, "security");
            return this;
        }

        /**
         * Logs in with {@code username} and {@code password} (SMTP AUTH); default no login.
         *
         * @param username the user name
         * @param password the password, never logged
         * @return this builder
         */
        public Builder credentials(String username, String password) {
            if (username == null || username.isBlank() || password == null) {
                throw new IllegalArgumentException("SMTP credentials need a user name and a password");
            }
            this.username = username;
            this.password = password;
            return this;
        }

        /**
         * The sender's address. Required.
         *
         * @param address such as {@code certpilot@example.com}
         * @return this builder
         */
        public Builder from(String address) {
            this.from = address("from", address);
            return this;
        }

        /**
         * The recipients, added to any given before. At least one is required.
         *
         * @param addresses such as {@code ops@example.com}
         * @return this builder
         */
        public Builder to(String... addresses) {
            for (var address : addresses) {
                to.add(address("to", address));
            }
            return this;
        }

        /**
         * How long connecting, and each read and write, may take; default 30 seconds.
         *
         * @param timeout the timeout, positive
         * @return this builder
         */
        public Builder timeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("The SMTP timeout must be positive, got " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        /**
         * The TLS context whose trust managers check the server's certificate; default the JDK's trust store. For
         * a server with a private CA's certificate.
         *
         * @param sslContext an initialized context
         * @return this builder
         */
        public Builder sslContext(SSLContext sslContext) {
            this.sslContext = Objects.requireNonNull(sslContext, "sslContext");
            return this;
        }

        /**
         * Builds the notifier.
         *
         * @return the notifier
         * @throws IllegalStateException if the sender or every recipient is missing
         */
        public MailNotifier build() {
            if (from == null || to.isEmpty()) {
                throw new IllegalStateException("A mail notifier needs from(...) and to(...): the addresses that "
                        + "send and receive certpilot's notices");
            }
            return new MailNotifier(this);
        }

        private static InternetAddress address(String field, String address) {
            try {
                var parsed = new InternetAddress(address, true);
                parsed.validate();
                return parsed;
            } catch (AddressException | NullPointerException e) {
                throw new IllegalArgumentException("The mail " + field + " address must be an address such as "
                        + "ops@example.com, got '" + address + "'");
            }
        }
    }
}
