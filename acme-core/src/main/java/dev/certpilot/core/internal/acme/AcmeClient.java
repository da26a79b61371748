package dev.certpilot.core.internal.acme;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpTimeoutException;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.regex.Pattern;

import javax.net.ssl.SSLHandshakeException;

import org.shredzone.acme4j.AccountBuilder;
import org.shredzone.acme4j.Certificate;
import org.shredzone.acme4j.Identifier;
import org.shredzone.acme4j.Login;
import org.shredzone.acme4j.Order;
import org.shredzone.acme4j.OrderBuilder;
import org.shredzone.acme4j.Session;
import org.shredzone.acme4j.Status;
import org.shredzone.acme4j.connector.Resource;
import org.shredzone.acme4j.exception.AcmeException;
import org.shredzone.acme4j.exception.AcmeLazyLoadingException;
import org.shredzone.acme4j.exception.AcmeNetworkException;
import org.shredzone.acme4j.exception.AcmeProtocolException;
import org.shredzone.acme4j.exception.AcmeRateLimitedException;
import org.shredzone.acme4j.toolbox.AcmeUtils;
import org.shredzone.acme4j.toolbox.JoseUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.certpilot.core.AcmeServerException;
import dev.certpilot.core.CaTimeoutException;
import dev.certpilot.core.CaUnreachableException;
import dev.certpilot.core.CertificateAuthority;
import dev.certpilot.core.CertpilotException;
import dev.certpilot.core.KeyType;
import dev.certpilot.core.ManagedCertificate;
import dev.certpilot.core.PersistentDnsRecord;
import dev.certpilot.core.RateLimitedException;
import dev.certpilot.core.RevocationReason;
import dev.certpilot.core.SerialNumbers;
import dev.certpilot.core.internal.base.IpAddresses;
import dev.certpilot.core.spi.CertificateStore;
import dev.certpilot.core.spi.ChallengeResponder;
import dev.certpilot.core.spi.DnsPersist01Responder;

/**
 * One CA, spoken to through acme4j: the account (its keys kept in the store by {@link AccountKeys}, a registration
 * looked up before one is created) and certificate orders. Translates acme4j's exceptions into certpilot's.
 * Thread-safe.
 */
public final class AcmeClient implements Issuer {

    private static final Logger LOG = LoggerFactory.getLogger("dev.certpilot.acme");
    private static final String PROBLEM_PREFIX = "urn:ietf:params:acme:error:";

    private final CertificateAuthority ca;
    private final String email;
    private final AccountKeys keys;
    /** Created at the first call to the CA: its HTTP client and TLS set-up are not paid by a restart. */
    private volatile Session session;
    private final Duration networkTimeout;
    private final Object loginGuard = new Object();
    private CompletableFuture<Login> login; // guarded by loginGuard; completed by the one thread that logs in

    public AcmeClient(CertificateAuthority ca, String email, CertificateStore store, Duration networkTimeout,
               KeyType accountKeyType) {
        this.ca = ca;
        this.email = email;
        this.keys = new AccountKeys(store, ca.directory(), accountKeyType);
        this.networkTimeout = networkTimeout;
    }

    private Session session() {
        var current = session;
        if (current == null) {
            synchronized (loginGuard) {
                current = session;
                if (current == null) {
                    current = new Session(ca.directory(), new TrustingAcmeProvider(ca.trustedCertificates()));
                    current.networkSettings().setTimeout(networkTimeout);
                    session = current;
                }
            }
        }
        return current;
    }

    /**
     * Connects to the CA ahead of the first order: its directory, the account (registered if new) and a nonce, so
     * that an order started later begins at once. A failure is only logged at debug level: the order meets it again
     * and reports it.
     */
    @Override
    public Set<String> accountThumbprints() {
        try {
            var result = new HashSet<String>();
            for (var key : keys.stored()) {
                result.add(AcmeUtils.base64UrlEncode(JoseUtils.thumbprint(key.getPublic())));
            }
            return result;
        } catch (RuntimeException e) {
            LOG.warn("Cannot read the account keys of {} from the store: {}", ca.directory(), e.toString());
            return Set.of();
        }
    }

    @Override
    public void warmUp() {
        try {
            login();
            LOG.debug("Connected to {} ahead of the first order", ca.directory());
        } catch (AcmeException | RuntimeException e) {
            LOG.debug("Connecting to {} ahead of the first order failed; the order will try again: {}",
                    ca.directory(), e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public CertificateAuthority ca() {
        return ca;
    }

    /**
     * Orders a certificate for {@code certificate}'s domains with {@code domainKey}.
     *
     * @return the chain, leaf first
     */
    @Override
    public List<X509Certificate> issue(ManagedCertificate certificate, KeyPair domainKey,
                                       List<ChallengeResponder> responders, Duration timeout,
                                       X509Certificate replacing) throws InterruptedException {
        var deadline = Instant.now().plus(timeout);
        return call("Ordering certificate " + certificate.name() + " " + certificate.domains(), timeout,
                () -> withAccount(login -> order(login, certificate, domainKey, new DomainValidation(responders,
                        deadline, certificate.domains()), deadline,
                        replacing != null && supportsRenewalInfo() ? replacing : null)));
    }

    /** A call into acme4j. */
    interface AcmeCall<T> {
        T run() throws AcmeException, InterruptedException;
    }

    /**
     * The one boundary to acme4j: runs {@code call} and translates whatever it throws, checked or not (acme4j
     * loads resources lazily and throws unchecked exceptions there), into a {@link CertpilotException} saying
     * what {@code action} failed.
     *
     * @param timeout the timeout that applies, named when it passes
     */
    <T> T call(String action, Duration timeout, AcmeCall<T> call) throws InterruptedException {
        try {
            return call.run();
        } catch (CertpilotException | InterruptedException e) {
            throw e;
        } catch (AcmeException e) {
            throw translate(e, action, timeout);
        } catch (AcmeLazyLoadingException e) {
            var cause = e.getCause() instanceof AcmeException acme ? acme : new AcmeException(e.getMessage());
            throw translate(cause, action + " (loading " + e.getType().getSimpleName() + " " + e.getLocation() + ")",
                    timeout);
        } catch (AcmeProtocolException e) {
            throw new AcmeServerException(action + " failed: the CA " + ca.directory() + " sent an answer that is "
                    + "not valid ACME (" + e.getMessage() + ")", ca.directory(), null, e);
        } catch (RuntimeException e) {
            throw new AcmeServerException(action + " failed at " + ca.directory() + ": " + e, ca.directory(), null,
                    e);
        }
    }

    /** {@link #call(String, Duration, AcmeCall)} for calls that cannot be interrupted midway. */
    private <T> T callUninterruptibly(String action, AcmeCall<T> call) {
        try {
            return call(action, networkTimeout, call);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CertpilotException(action + " was interrupted", e);
        }
    }

    private List<X509Certificate> order(Login login, ManagedCertificate certificate, KeyPair domainKey,
                                        DomainValidation validation, Instant deadline, X509Certificate replaces)
            throws AcmeException, InterruptedException {
        while (true) {
            var order = newOrder(login, certificate, replaces);
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
            return Chains.select(order.getCertificate(), ca, certificate.name(), domainKey);
        }
    }

    /** An operation on the account. */
    private interface AccountCall<T> {
        T run(Login login) throws AcmeException, InterruptedException;
    }

    /**
     * Runs {@code call} with the account; if the CA no longer knows the account (it lost its state) or it was
     * deactivated, registers again and runs it once more, instead of failing with a dead account for ever.
     */
    private <T> T withAccount(AccountCall<T> call) throws AcmeException, InterruptedException {
        var current = login();
        try {
            return call.run(current);
        } catch (org.shredzone.acme4j.exception.AcmeServerException e) {
            var gone = accountGone(e);
            if (gone == null) {
                throw e;
            }
            LOG.warn("The CA {} {} ({}); registering again", ca.directory(), gone, detail(e));
            forget(current, gone == DEACTIVATED);
            return call.run(login());
        }
    }

    private static final String DEACTIVATED = "reports the account as deactivated";

    /** Why the account is unusable: it does not exist, or it was deactivated; null when {@code e} says neither. */
    private static String accountGone(org.shredzone.acme4j.exception.AcmeServerException e) {
        var type = e.getType().toString();
        if (type.equals(PROBLEM_PREFIX + "accountDoesNotExist")) {
            return "no longer knows the account";
        }
        var detail = e.getProblem().getDetail().orElse("").toLowerCase(Locale.ROOT);
        if (type.equals(PROBLEM_PREFIX + "unauthorized") && detail.contains("deactivated")) {
            return DEACTIVATED;
        }
        return null;
    }

    /**
     * Drops {@code stale} so that the next {@link #login()} registers again: with the same key when the CA forgot
     * the account, with a new one when the account was deactivated (a CA never revives it).
     */
    private void forget(Login stale, boolean newKey) {
        synchronized (loginGuard) {
            if (login == null || login.getNow(null) != stale) {
                return; // another thread is logging in again, or has
            }
            login = null;
            if (newKey) {
                keys.replaceDeactivated(stale.getKeyPair());
            }
        }
    }

    private Order newOrder(Login login, ManagedCertificate certificate, X509Certificate replaces)
            throws AcmeException {
        var profile = certificate.profile() != null ? certificate.profile() : ca.profile();
        if (profile != null) {
            var offered = login.getSession().getMetadata().getProfiles();
            if (!offered.contains(profile)) {
                throw new CertpilotException("Certificate " + certificate.name() + " asks for profile '" + profile
                        + "', which the CA " + ca.directory() + (offered.isEmpty() ? " does not offer: it offers no "
                        + "profiles. Leave the profile out" : " does not offer. It offers " + new TreeSet<>(offered)));
            }
        }
        if (replaces != null) {
            try {
                return orderBuilder(login, certificate, profile).replaces(replaces).create();
            } catch (org.shredzone.acme4j.exception.AcmeServerException e) {
                if (!refusesReplaces(e)) {
                    throw e; // a rate limit, an outage...: honoured by the back-off, not retried at once
                }
                // another instance renewed it already, or the CA cannot tell what it replaces: a plain order is right
                LOG.info("The CA refused an order replacing serial {} ({}); ordering without 'replaces'",
                        SerialNumbers.hex(replaces.getSerialNumber()), detail(e));
            }
        }
        return orderBuilder(login, certificate, profile).create();
    }

    /** "ARI" as a word in a CA's problem detail. */
    private static final Pattern ARI = Pattern.compile("\\bari\\b");

    /**
     * Whether {@code e} refuses the order for its {@code replaces} field alone, so that an order without it is right:
     * {@code alreadyReplaced} (RFC 9773), or a {@code malformed} problem about what it replaces (a certificate the
     * CA does not know, as CAs answered before {@code alreadyReplaced} existed).
     */
    static boolean refusesReplaces(org.shredzone.acme4j.exception.AcmeServerException e) {
        var type = String.valueOf(e.getType());
        var detail = e.getProblem().getDetail().orElse("").toLowerCase(Locale.ROOT);
        return type.endsWith(":alreadyReplaced")
                || type.endsWith(":malformed") && (detail.contains("replace") || ARI.matcher(detail).find());
    }

    private static OrderBuilder orderBuilder(Login login, ManagedCertificate certificate, String profile) {
        var builder = login.newOrder().identifiers(certificate.domains().stream()
                .map(name -> IpAddresses.looksLikeIp(name) ? Identifier.ip(name) : Identifier.dns(name)).toList());
        return profile == null ? builder : builder.profile(profile);
    }

    @Override
    public Optional<SuggestedWindow> suggestedWindow(X509Certificate certificate) {
        return callUninterruptibly("Fetching renewal information for serial "
                + SerialNumbers.hex(certificate.getSerialNumber()), () -> {
                    if (!supportsRenewalInfo()) {
                        return Optional.empty();
                    }
                    return withAccount(login -> {
                        var info = login.bindRenewalInfo(certificate);
                        var retryAfter = info.fetch().orElse(null);
                        return Optional.of(new SuggestedWindow(info.getSuggestedWindowStart(),
                                info.getSuggestedWindowEnd(), retryAfter, info.getExplanation().map(url -> {
                                    try {
                                        return url.toURI();
                                    } catch (URISyntaxException e) {
                                        return null; // an explanation is a courtesy: the window stands without it
                                    }
                                }).orElse(null)));
                    });
                });
    }

    @Override
    public List<PersistentDnsRecord> persistentDnsRecords(List<String> domains, DnsPersist01Responder settings) {
        return callUninterruptibly("Computing dns-persist-01 records", () -> withAccount(login -> {
            var offered = PersistentRecords.advertised(login);
            if (offered.isEmpty()) {
                throw new PersistentRecords.NotAdvertised("The CA " + ca.directory() + " does not advertise "
                        + "dns-persist-01 (its directory lists no issuerDomainNames), so no persistent record can be "
                        + "computed for it: "
                        + "validate with dns-01, http-01 or tls-alpn-01 there");
            }
            var records = new ArrayList<PersistentDnsRecord>();
            for (var base : PersistentRecords.bases(domains).entrySet()) {
                records.add(PersistentRecords.record(login, base.getKey(), base.getValue(), settings, offered));
            }
            return List.copyOf(records);
        }));
    }

    @Override
    public List<String> caaIdentities() {
        return callUninterruptibly("Reading the CA's CAA identities",
                () -> List.copyOf(session().getMetadata().getCaaIdentities()));
    }

    @Override
    public URI accountUri() {
        return callUninterruptibly("Logging in to read the account's URL", () -> withAccount(login -> {
            var location = login.getAccount().getLocation();
            try {
                return location.toURI();
            } catch (URISyntaxException e) {
                return null;
            }
        }));
    }

    @Override
    public void revoke(X509Certificate certificate, RevocationReason reason) {
        callUninterruptibly("Revoking serial " + SerialNumbers.hex(certificate.getSerialNumber()), () -> withAccount(
                login -> {
                    Certificate.revoke(login, certificate,
                            org.shredzone.acme4j.RevocationReason.valueOf(reason.name()));
                    return null;
                }));
    }

    /**
     * Replaces the account key. The new key is saved under {@code <id>.next} before the CA learns it, so that a
     * crash between the two leaves a key that {@link #login()} can still use.
     */
    @Override
    public void rollOverAccountKey() {
        callUninterruptibly("Rolling over the account key", () -> {
            var login = login();
            var newKey = keys.newNext();
            login.getAccount().changeKey(newKey);
            keys.makeCurrent(newKey);
            LOG.info("Rolled over the account key of {} at {}", login.getAccountLocation(), ca.directory());
            return null;
        });
    }

    private boolean supportsRenewalInfo() throws AcmeException {
        return session().resourceUrlOptional(Resource.RENEWAL_INFO).isPresent();
    }

    /**
     * The account's login. The first caller logs in (network I/O under no lock); callers meanwhile wait for its
     * outcome, and a failure lets the next caller try again.
     */
    private Login login() throws AcmeException, InterruptedException {
        return login(true);
    }

    /**
     * The account's login, logging in on this thread unless another thread is doing so; if that other thread fails,
     * tries once more on this one (when {@code again}), so that a failure is reported with its own type, such as a
     * network timeout, not as a failure seen second hand.
     */
    private Login login(boolean again) throws AcmeException, InterruptedException {
        CompletableFuture<Login> pending;
        var mine = false;
        synchronized (loginGuard) {
            if (login == null) {
                login = new CompletableFuture<>();
                mine = true;
            }
            pending = login;
        }
        if (mine) {
            try {
                pending.complete(logIn());
            } catch (AcmeException | RuntimeException e) {
                synchronized (loginGuard) {
                    login = null;
                }
                pending.completeExceptionally(e);
                throw e;
            }
        }
        try {
            return pending.get();
        } catch (ExecutionException e) {
            // thrown by the thread that logged in: wrapped, so that each thread throws its own instance
            if (e.getCause() instanceof CertpilotException certpilot) {
                throw certpilot.rethrown();
            }
            if (again) {
                return login(false);
            }
            throw new AcmeException("Logging in to " + ca.directory() + " failed: " + e.getCause().getMessage(),
                    e.getCause());
        }
    }

    private Login logIn() throws AcmeException {
        checkDirectory();
        var keyPair = keys.currentOrFirst();
        var existing = existing(keyPair);
        if (existing == null) {
            var next = keys.next();
            if (next != null && (existing = existing(next)) != null) {
                LOG.warn("Completing an interrupted account key rollover at {}", ca.directory());
                keys.makeCurrent(next);
            }
        }
        return existing != null ? existing : register(keyPair);
    }

    /**
     * Fetches the CA's directory before anything is generated or stored for it, so that a wrong URL is reported
     * as such and leaves no account key behind.
     */
    private void checkDirectory() throws AcmeException {
        try {
            session().getMetadata();
        } catch (AcmeNetworkException e) {
            throw e;
        } catch (AcmeException e) {
            throw new AcmeServerException("The ACME directory " + ca.directory() + " does not answer as one ("
                    + e.getMessage() + "): check the directory URL; Let's Encrypt's is "
                    + CertificateAuthority.LETS_ENCRYPT.directory() + ", its staging one "
                    + CertificateAuthority.LETS_ENCRYPT_STAGING.directory(), ca.directory(), null, e);
        }
    }

    /** The login of the account registered with {@code keyPair}, or null if the CA knows no such account. */
    private Login existing(KeyPair keyPair) throws AcmeException {
        try {
            var existing = new AccountBuilder().onlyExisting().useKeyPair(keyPair).createLogin(session());
            LOG.info("Using ACME account {} at {}", existing.getAccountLocation(), ca.directory());
            return existing;
        } catch (org.shredzone.acme4j.exception.AcmeServerException e) {
            if (e.getType().toString().equals(PROBLEM_PREFIX + "accountDoesNotExist")) {
                return null;
            }
            throw e;
        }
    }

    private Login register(KeyPair keyPair) throws AcmeException {
        var eab = ca.eab();
        if (eab == null && session().getMetadata().isExternalAccountRequired()) {
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
            var created = builder.createLogin(session());
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

    private CertpilotException translate(AcmeException e, String action, Duration timeout) {
        if (e instanceof Poller.TimedOut) {
            return new CaTimeoutException(action + " failed: the CA " + ca.directory() + " did not finish within "
                    + timeout + " (" + e.getMessage() + "); raise issuanceTimeout if it is slow", ca.directory(),
                    timeout, e);
        }
        if (e instanceof AcmeNetworkException && e.getCause() instanceof HttpTimeoutException) {
            return new CaTimeoutException(action + " failed: the CA " + ca.directory() + " did not answer within "
                    + "the network timeout of " + networkTimeout + "; raise networkTimeout if it is slow",
                    ca.directory(), networkTimeout, e);
        }
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
            return new CaUnreachableException(action + " failed: the CA " + ca.directory() + " could not be reached ("
                    + describe(cause) + "). Check the directory URL, DNS, firewall and proxy settings",
                    ca.directory(), e);
        }
        return new AcmeServerException(action + " failed at " + ca.directory() + ": " + e.getMessage(),
                ca.directory(), null, e);
    }

    private static String describe(Throwable cause) {
        var message = cause.getMessage();
        var type = cause.getClass().getSimpleName();
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
}
