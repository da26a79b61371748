package dev.certpilot.spring.boot;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.util.ClassUtils;

import dev.certpilot.core.CertificateAuthority;
import dev.certpilot.core.CertificateListener;
import dev.certpilot.core.CertificateManager;
import dev.certpilot.core.CertificateManagerBuilder;
import dev.certpilot.core.InMemoryHttp01Responder;
import dev.certpilot.core.InMemoryTlsAlpn01Responder;
import dev.certpilot.core.ManagedCertificate;
import dev.certpilot.core.Notifications;
import dev.certpilot.core.Preflight;
import dev.certpilot.core.PreflightReport;
import dev.certpilot.core.WebhookNotifier;
import dev.certpilot.core.spi.CertificateStore;
import dev.certpilot.core.spi.ChallengeResponder;
import dev.certpilot.core.spi.Dns01Responder;
import dev.certpilot.core.spi.DnsPersist01Responder;
import dev.certpilot.core.spi.Notifier;
import dev.certpilot.spring.boot.CertpilotProperties.Challenge;

/**
 * Turns {@link CertpilotProperties} into a manager, naming the property behind every fault: the builder's own
 * checks are reported against the property that fed them.
 */
final class ManagerFactory {

    private static final Logger LOG = LoggerFactory.getLogger("dev.certpilot.spring");

    private final CertpilotProperties properties;
    private final WebServerKind server;

    ManagerFactory(CertpilotProperties properties, WebServerKind server) {
        this.properties = properties;
        this.server = server;
    }

    /** The challenge types in effect: those configured, else http-01 and, on Jetty, tls-alpn-01. */
    List<Challenge> challenges() {
        var configured = properties.getChallenges();
        if (configured == null || configured.isEmpty()) {
            return server == WebServerKind.JETTY ? List.of(Challenge.HTTP_01, Challenge.TLS_ALPN_01)
                    : List.of(Challenge.HTTP_01);
        }
        if (configured.contains(Challenge.TLS_ALPN_01) && server != WebServerKind.JETTY) {
            throw new InvalidCertpilotPropertyException("certpilot.challenges", "tls-alpn-01 needs the server's TLS "
                    + "handshake, which Spring Boot's " + server.name().toLowerCase(Locale.ROOT)
                    + " server does not let certpilot answer",
                    "Use certpilot.challenges=http-01, or run on Jetty (spring-boot-starter-jetty with "
                            + "dev.certpilot:certpilot-jetty), where tls-alpn-01 is answered on the HTTPS port");
        }
        return List.copyOf(new LinkedHashSet<>(configured));
    }

    CertificateManager build(InMemoryHttp01Responder http01, InMemoryTlsAlpn01Responder tlsAlpn01,
                             List<ChallengeResponder> userResponders, CertificateStore userStore,
                             Supplier<DataSource> dataSource, List<CertificateListener> listeners,
                             List<CertificateManagerBuilderCustomizer> customizers) {
        var builder = CertificateManager.builder();
        var ca = certificateAuthority();
        var fallback = blankToNull(properties.getFallbackCa());
        if (fallback == null) {
            builder.certificateAuthority(ca);
        } else {
            builder.certificateAuthorities(ca, withEab(call("certpilot.fallback-ca", "Set certpilot.fallback-ca to "
                    + "lets-encrypt, zerossl, or the https URL of an ACME directory, or leave it out",
                    () -> CertificateAuthority.named(fallback)), properties.getFallbackEab(), "certpilot.fallback-eab"));
        }
        if (ca.directory().equals(CertificateAuthority.LETS_ENCRYPT_STAGING.directory())) {
            LOG.warn("certpilot.ca is Let's Encrypt's staging CA: browsers do not trust its certificates. Set "
                    + "certpilot.ca=lets-encrypt once this works.");
        }
        if (!properties.isAcceptTerms()) {
            throw new InvalidCertpilotPropertyException("certpilot.accept-terms", "the CA's terms of service are not "
                    + "accepted, and every public CA requires it",
                    "Read the terms linked from " + ca.directory()
                            + " and set certpilot.accept-terms=true");
        }
        builder.agreeToTermsOfService();
        if (properties.getEmail() != null && !properties.getEmail().isBlank()) {
            apply("certpilot.email", "Set certpilot.email to an address such as ops@example.com, or leave it out",
                    () -> builder.email(properties.getEmail().trim()));
        }

        var dns = userResponders.stream().anyMatch(Dns01Responder.class::isInstance)
                || challenges().contains(Challenge.DNS_PERSIST_01);
        var certificates = certificates();
        if (certificates.isEmpty()) {
            throw new InvalidCertpilotPropertyException("certpilot.domains", "no certificate is configured",
                    "Set certpilot.domains=example.com,www.example.com for one certificate, or "
                            + "certpilot.certificates[0].domains=... for several");
        }
        for (var entry : certificates) {
            apply(entry.property(), "Correct " + entry.property(), () -> builder.certificate(entry.certificate()));
            for (var domain : entry.certificate().domains()) {
                if (domain.startsWith("*.") && !dns) {
                    throw new InvalidCertpilotPropertyException(entry.property(), "the wildcard " + domain
                            + " can only be validated by dns-01 or dns-persist-01",
                            "Define a Dns01Responder bean (RFC 2136, your DNS provider's module, or your own), add "
                                    + "dns-persist-01 to certpilot.challenges, or list the names one by one");
                }
            }
        }
        if (properties.getDefaultCertificate() != null) {
            var name = properties.getDefaultCertificate();
            if (certificates.stream().noneMatch(c -> c.certificate().name().equals(name))) {
                throw new InvalidCertpilotPropertyException("certpilot.default-certificate", "'" + name
                        + "' names no certificate", "Set it to one of " + certificates.stream()
                        .map(c -> c.certificate().name()).toList());
            }
            builder.defaultCertificate(name);
        }

        var responders = new ArrayList<ChallengeResponder>();
        for (var challenge : challenges()) {
            responders.add(switch (challenge) {
                case HTTP_01 -> http01;
                case TLS_ALPN_01 -> tlsAlpn01;
                case DNS_PERSIST_01 -> DnsPersist01Responder.create();
            });
        }
        responders.addAll(userResponders);
        builder.challenges(responders.toArray(ChallengeResponder[]::new));
        builder.keyType(properties.getKeyType());
        store(builder, userStore, dataSource);
        var storage = properties.getStorage();
        if (storage.getLeaseDuration() != null) {
            apply("certpilot.storage.lease-duration", "Set a duration of at least 3s, such as 1m",
                    () -> builder.leaseDuration(storage.getLeaseDuration()));
        }
        if (storage.getPollInterval() != null) {
            apply("certpilot.storage.poll-interval", "Set a positive duration such as 2s",
                    () -> builder.storePollInterval(storage.getPollInterval()));
        }

        var renewal = properties.getRenewal();
        if (renewal.getWindow() != null) {
            apply("certpilot.renewal.window", "Set it between 0 and 1, e.g. 0.33 to renew with a third of the "
                    + "lifetime left, or leave it out", () -> builder.renewalWindow(renewal.getWindow()));
        }
        apply("certpilot.renewal.check-interval", "Set a positive duration such as 1h",
                () -> builder.checkInterval(renewal.getCheckInterval()));
        apply("certpilot.renewal.expiry-warning", "Set a positive duration such as 7d",
                () -> builder.expiryWarning(renewal.getExpiryWarning()));
        apply("certpilot.renewal.retry-initial", "Set positive durations with retry-initial <= retry-max, such as "
                + "1m and 6h", () -> builder.retryBackoff(renewal.getRetryInitial(), renewal.getRetryMax()));
        notifications(builder);
        preflight(builder);
        listeners.forEach(builder::listener);
        customizers.forEach(customizer -> customizer.customize(builder));
        try {
            return builder.build();
        } catch (IllegalStateException e) {
            throw new InvalidCertpilotPropertyException("certpilot", e.getMessage(), "Correct the setting it names",
                    e);
        }
    }

    private CertificateAuthority certificateAuthority() {
        var ca = call("certpilot.ca", "Set certpilot.ca to lets-encrypt, lets-encrypt-staging, zerossl, or the https "
                + "URL of an ACME directory", () -> CertificateAuthority.named(properties.getCa()));
        ca = withEab(ca, properties.getEab(), "certpilot.eab");
        var profile = blankToNull(properties.getProfile());
        if (profile != null) {
            var base = ca;
            ca = call("certpilot.profile", "Set a profile name the CA offers, such as tlsserver or shortlived, or "
                    + "leave it out", () -> base.withProfile(profile));
        }
        var preferredChain = blankToNull(properties.getPreferredChain());
        if (preferredChain != null) {
            ca = ca.withPreferredChain(preferredChain);
        }
        if (properties.getCaTrust() != null) {
            var base = ca;
            ca = call("certpilot.ca-trust", "Point it at a readable PEM file of the CA's HTTPS root certificate",
                    () -> base.withTrustedCertificates(properties.getCaTrust()));
        }
        return ca;
    }

    private record Configured(String property, ManagedCertificate certificate) {
    }

    private List<Configured> certificates() {
        var all = new ArrayList<Configured>();
        var domains = properties.getDomains().stream().map(String::trim).filter(d -> !d.isEmpty()).toList();
        if (!domains.isEmpty()) {
            all.add(new Configured("certpilot.domains", call("certpilot.domains", "Set certpilot.domains to "
                    + "host names such as example.com,www.example.com", () -> ManagedCertificate.of(domains.toArray(String[]::new)))));
        }
        var list = properties.getCertificates();
        for (int i = 0; i < list.size(); i++) {
            var property = "certpilot.certificates[" + i + "]";
            var entry = list.get(i);
            var names = entry.getDomains().stream().map(String::trim).filter(d -> !d.isEmpty()).toList();
            if (names.isEmpty()) {
                throw new InvalidCertpilotPropertyException(property + ".domains", "the certificate has no domain",
                        "Set " + property + ".domains=example.com,www.example.com");
            }
            var name = blankToNull(entry.getName());
            var profile = blankToNull(entry.getProfile());
            all.add(new Configured(property, call(property, "Correct " + property + ".name, .domains and .profile",
                    () -> {
                        var certificate = name == null ? ManagedCertificate.of(names.toArray(String[]::new))
                                : new ManagedCertificate(name, names);
                        return profile == null ? certificate : certificate.withProfile(profile);
                    })));
        }
        return all;
    }

    private void store(CertificateManagerBuilder builder, CertificateStore userStore,
                       Supplier<DataSource> dataSource) {
        var storage = properties.getStorage();
        var jdbc = storage.getType() == CertpilotProperties.StorageType.JDBC;
        if (!jdbc && storage.getEncryptionKey() != null && !storage.getEncryptionKey().isBlank()) {
            // silently ignored, private keys would be kept in plaintext while the operator believes otherwise
            throw new InvalidCertpilotPropertyException("certpilot.storage.encryption-key", "is set, but private keys "
                    + "are kept " + (userStore != null && storage.getType() == CertpilotProperties.StorageType.AUTO
                    ? "by your own CertificateStore bean, which it does not configure"
                    : "in files (certpilot.storage.type=" + storage.getType().name().toLowerCase(Locale.ROOT)
                    + "), which it does not encrypt"), "Set certpilot.storage.type=jdbc to keep them encrypted in "
                    + "the database; or remove certpilot.storage.encryption-key (the file store keeps each key in a "
                    + "file only its owner can read, mode 0600)");
        }
        switch (storage.getType()) {
            case AUTO -> {
                if (userStore != null) {
                    builder.store(userStore);
                } else if (storage.getDirectory() != null) {
                    builder.storageDirectory(storage.getDirectory());
                }
            }
            case FILE -> {
                if (storage.getDirectory() != null) {
                    builder.storageDirectory(storage.getDirectory());
                }
            }
            case JDBC -> {
                if (!ClassUtils.isPresent("dev.certpilot.jdbc.JdbcCertificateStore", getClass().getClassLoader())) {
                    throw new InvalidCertpilotPropertyException("certpilot.storage.type", "jdbc needs "
                            + "dev.certpilot:certpilot-jdbc, which is not on the class path",
                            "Add the dependency dev.certpilot:certpilot-jdbc");
                }
                var source = dataSource.get();
                if (source == null) {
                    throw new InvalidCertpilotPropertyException("certpilot.storage.type", "jdbc needs a DataSource "
                            + "bean, and there is none", "Set spring.datasource.url=jdbc:postgresql://host:5432/db "
                            + "(with spring-boot-starter-jdbc and the PostgreSQL driver)");
                }
                builder.store(JdbcStores.create(source, storage.getEncryptionKey(), storage.isMigratePlaintextKeys()));
            }
        }
    }

    private void preflight(CertificateManagerBuilder builder) {
        var preflight = properties.getPreflight();
        var settings = Preflight.builder().mode(preflight.getMode());
        apply("certpilot.preflight.http-port", "Set the port the CA fetches HTTP-01 answers from: 80",
                () -> settings.httpPort(preflight.getHttpPort()));
        for (var check : preflight.getSkip()) {
            var name = check.trim().toUpperCase(Locale.ROOT).replace('-', '_');
            try {
                settings.skip(PreflightReport.Check.valueOf(name));
            } catch (IllegalArgumentException e) {
                throw new InvalidCertpilotPropertyException("certpilot.preflight.skip", "'" + check + "' is not a "
                        + "check", "Set dns, caa, http-01, tls-alpn-01 or dns-01", e);
            }
        }
        builder.preflight(settings.build());
    }

    private void notifications(CertificateManagerBuilder builder) {
        var notify = properties.getNotify();
        var notifiers = new ArrayList<Notifier>();
        if (notify.getWebhook().getUrl() != null) {
            var webhook = call("certpilot.notify.webhook.url", "Set the https URL of the webhook",
                    () -> WebhookNotifier.builder(notify.getWebhook().getUrl()));
            if (notify.getWebhook().getSecret() != null) {
                apply("certpilot.notify.webhook.secret", "Set a secret of at least 16 characters, such as the output "
                        + "of: openssl rand -hex 32", () -> webhook.secret(notify.getWebhook().getSecret()));
            }
            notifiers.add(webhook.build());
        }
        if (blankToNull(notify.getMail().getHost()) != null) {
            if (!ClassUtils.isPresent("dev.certpilot.mail.MailNotifier", getClass().getClassLoader())) {
                throw new InvalidCertpilotPropertyException("certpilot.notify.mail.host", "mail notices need "
                        + "dev.certpilot:certpilot-mail, which is not on the class path",
                        "Add the dependency dev.certpilot:certpilot-mail");
            }
            notifiers.add(MailNotifiers.create(notify.getMail()));
        }
        if (notifiers.isEmpty()) {
            return;
        }
        var settings = Notifications.builder(notifiers.toArray(Notifier[]::new));
        apply("certpilot.notify.reminder-interval", "Set a duration of at least 1m, such as 1d",
                () -> settings.reminderInterval(notify.getReminderInterval()));
        if (notify.isIssuance()) {
            settings.onIssuance();
        }
        builder.notifications(settings.build());
    }

    /** {@code ca} with the credentials of {@code eab} (the properties under {@code prefix}), which ZeroSSL needs. */
    private static CertificateAuthority withEab(CertificateAuthority ca, EabProperties eab, String prefix) {
        var keyId = blankToNull(eab.getKeyId());
        var hmacKey = blankToNull(eab.getHmacKey());
        if ((keyId == null) != (hmacKey == null)) {
            throw new InvalidCertpilotPropertyException(prefix + (keyId == null ? ".key-id" : ".hmac-key"),
                    "External Account Binding needs both the key id and the HMAC key", "Set both " + prefix
                    + ".key-id and " + prefix + ".hmac-key, from the CA's console");
        }
        if (keyId != null) {
            return call(prefix + ".hmac-key", "Copy the HMAC key exactly as the CA's console shows it",
                    () -> ca.withExternalAccountBinding(keyId, hmacKey));
        }
        if (ca.equals(CertificateAuthority.ZEROSSL)) {
            throw new InvalidCertpilotPropertyException(prefix + ".key-id", "ZeroSSL requires External Account "
                    + "Binding", "Create EAB credentials in ZeroSSL's developer console and set " + prefix
                    + ".key-id and " + prefix + ".hmac-key");
        }
        return ca;
    }

    private static void apply(String property, String action, Runnable step) {
        call(property, action, () -> {
            step.run();
            return null;
        });
    }

    private static <T> T call(String property, String action, Supplier<T> step) {
        try {
            return step.get();
        } catch (IllegalArgumentException e) {
            throw new InvalidCertpilotPropertyException(property, e.getMessage(), action, e);
        }
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.trim();
    }
}
