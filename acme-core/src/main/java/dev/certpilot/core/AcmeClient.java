package dev.certpilot.core;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;

import javax.net.ssl.SSLHandshakeException;

import org.shredzone.acme4j.AccountBuilder;
import org.shredzone.acme4j.Login;
import org.shredzone.acme4j.Session;
import org.shredzone.acme4j.Status;
import org.shredzone.acme4j.exception.AcmeException;
import org.shredzone.acme4j.exception.AcmeNetworkException;
import org.shredzone.acme4j.exception.AcmeRateLimitedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.certpilot.core.spi.CertificateStore;
import dev.certpilot.core.spi.ChallengeResponder;

/**
 * One CA, spoken to through acme4j: the account (key kept in the store, registration looked up before one is
 * created) and certificate orders. Translates acme4j's exceptions into certpilot's. Thread-safe.
 */
final class AcmeClient {

    private static final Logger LOG = LoggerFactory.getLogger("dev.certpilot.acme");
    private static final String PROBLEM_PREFIX = "urn:ietf:params:acme:error:";

    private final CertificateAuthority ca;
    private final String email;
    private final CertificateStore store;
    private final Session session;
    private Login login;

    AcmeClient(CertificateAuthority ca, String email, CertificateStore store, Duration networkTimeout) {
        this.ca = ca;
        this.email = email;
        this.store = store;
        this.session = new Session(ca.directory(), new TrustingAcmeProvider(ca.trustedCertificates()));
        session.networkSettings().setTimeout(networkTimeout);
    }

    CertificateAuthority ca() {
        return ca;
    }

    /**
     * Orders a certificate for {@code certificate}'s domains with {@code domainKey}.
     *
     * @return the chain, leaf first
     */
    List<X509Certificate> issue(ManagedCertificate certificate, KeyPair domainKey, List<ChallengeResponder> responders,
                                Duration timeout) throws InterruptedException {
        var deadline = Instant.now().plus(timeout);
        try {
            var login = login();
            var validation = new DomainValidation(responders, deadline);
            while (true) {
                var order = login.newOrder().domains(certificate.domains()).create();
                LOG.debug("Order {} created for {}", order.getLocation(), certificate.domains());
                if (!validation.validate(order)) {
                    continue; // a challenge type failed and another is left: the CA needs a new order
                }
                Poller.await(order, EnumSet.of(Status.READY, Status.VALID, Status.INVALID), deadline,
                        "order of " + certificate.name() + " to become ready");
                order.execute(domainKey);
                var status = Poller.await(order, EnumSet.of(Status.VALID, Status.INVALID), deadline,
                        "the certificate of " + certificate.name() + " to be issued");
                if (status != Status.VALID) {
                    var problem = order.getError().map(Object::toString).orElse("no reason given");
                    throw new AcmeServerException("The CA " + ca.directory() + " refused to issue the certificate "
                            + certificate.name() + ": " + problem, ca.directory(), null, null);
                }
                return order.getCertificate().getCertificateChain();
            }
        } catch (AcmeException e) {
            throw translate(e, "Ordering certificate " + certificate.name() + " " + certificate.domains());
        }
    }

    private synchronized Login login() throws AcmeException {
        if (login != null) {
            return login;
        }
        var accountId = accountId(ca.directory());
        KeyPair keyPair;
        try {
            keyPair = store.loadAccountKey(accountId).orElse(null);
            if (keyPair == null) {
                keyPair = KeyType.EC_P256.generate();
                store.saveAccountKey(accountId, keyPair);
                LOG.info("Generated a new ACME account key for {}", ca.directory());
            }
        } catch (IOException e) {
            throw new StorageException("Cannot load or save the ACME account key for " + ca.directory() + " in "
                    + store + ": " + e.getMessage(), store + " " + accountId, e);
        }
        try {
            login = new AccountBuilder().onlyExisting().useKeyPair(keyPair).createLogin(session);
            LOG.info("Using ACME account {} at {}", login.getAccountLocation(), ca.directory());
            return login;
        } catch (org.shredzone.acme4j.exception.AcmeServerException e) {
            if (!e.getType().toString().equals(PROBLEM_PREFIX + "accountDoesNotExist")) {
                throw e;
            }
        }
        login = register(keyPair);
        return login;
    }

    private Login register(KeyPair keyPair) throws AcmeException {
        var eab = ca.eab();
        if (eab == null && session.getMetadata().isExternalAccountRequired()) {
            throw new AcmeServerException("The CA " + ca.directory() + " requires External Account Binding (EAB): "
                    + "configure CertificateAuthority.withExternalAccountBinding(keyId, hmacKey) with the "
                    + "credentials from the CA's console", ca.directory(), PROBLEM_PREFIX + "externalAccountRequired",
                    null);
        }
        var builder = new AccountBuilder().agreeToTermsOfService().useKeyPair(keyPair);
        if (email != null) {
            builder.addEmail(email);
        }
        if (eab != null) {
            builder.withKeyIdentifier(eab.keyId(), eab.hmacKey());
        }
        try {
            var created = builder.createLogin(session);
            LOG.info("Registered ACME account {} at {}", created.getAccountLocation(), ca.directory());
            return created;
        } catch (org.shredzone.acme4j.exception.AcmeServerException e) {
            if (eab != null) {
                throw new AcmeServerException("The CA " + ca.directory() + " rejected the External Account Binding "
                        + "(EAB key id '" + eab.keyId() + "'): " + detail(e) + ". Check the EAB key id and HMAC key "
                        + "against the CA's console", ca.directory(), e.getType().toString(), e);
            }
            throw e;
        }
    }

    private CertpilotException translate(AcmeException e, String action) {
        if (e instanceof AcmeRateLimitedException limited) {
            var retryAfter = limited.getRetryAfter().orElse(null);
            return new RateLimitedException(action + " was refused by the rate limits of " + ca.directory() + ": "
                    + detail(limited) + (retryAfter != null ? "; retry after " + retryAfter : ""),
                    ca.directory(), retryAfter, e);
        }
        if (e instanceof org.shredzone.acme4j.exception.AcmeServerException server) {
            return new AcmeServerException(action + " failed: the CA " + ca.directory() + " answered "
                    + detail(server), ca.directory(), server.getType().toString(), e);
        }
        if (e instanceof AcmeNetworkException) {
            var cause = e.getCause() != null ? e.getCause() : e;
            return new AcmeServerException(action + " failed: the CA " + ca.directory() + " could not be reached ("
                    + describe(cause) + "). Check the directory URL, DNS, firewall and proxy settings",
                    ca.directory(), null, e);
        }
        return new AcmeServerException(action + " failed at " + ca.directory() + ": " + e.getMessage(),
                ca.directory(), null, e);
    }

    private static String describe(Throwable cause) {
        var message = cause.getMessage();
        var type = cause.getClass().getSimpleName();
        if (cause instanceof HttpTimeoutException) {
            return "no answer within the network timeout";
        }
        if (cause instanceof SSLHandshakeException) {
            return "its TLS certificate is not trusted: " + message + "; for a private or test CA, give its root "
                    + "with CertificateAuthority.withTrustedCertificates(...)";
        }
        return message == null ? type : type + ": " + message;
    }

    private static String detail(org.shredzone.acme4j.exception.AcmeServerException e) {
        var problem = e.getProblem();
        var type = e.getType().toString();
        var shortType = type.startsWith(PROBLEM_PREFIX) ? type.substring(PROBLEM_PREFIX.length()) : type;
        return shortType + problem.getDetail().map(d -> " (" + d + ")").orElse("");
    }

    /** A file-name-safe id of a CA directory, such as {@code acme-v02.api.letsencrypt.org-directory}. */
    static String accountId(URI directory) {
        var text = directory.getHost() + (directory.getPort() > 0 ? "-" + directory.getPort() : "")
                + (directory.getPath() == null ? "" : directory.getPath());
        var id = text.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]+", "-").replaceAll("^[-._]+|[-._]+$", "");
        return id.length() > 200 ? id.substring(0, 200) : id;
    }

}
