package dev.certpilot.core;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.UnaryOperator;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.certpilot.core.internal.acme.AcmeClient;
import dev.certpilot.core.internal.acme.Issuer;
import dev.certpilot.core.internal.acme.PersistentRecords;
import dev.certpilot.core.internal.acme.SharedChallenges;
import dev.certpilot.core.internal.notify.NoticeDispatcher;
import dev.certpilot.core.internal.preflight.Preflighter;
import dev.certpilot.core.internal.renewal.ManagerSettings;
import dev.certpilot.core.internal.renewal.OnDemandIssuer;
import dev.certpilot.core.internal.renewal.Renewer;
import dev.certpilot.core.internal.tls.CertificateLoader;
import dev.certpilot.core.internal.tls.RenewingSslContext;
import dev.certpilot.core.internal.tls.ServedCertificates;
import dev.certpilot.core.internal.tls.SniKeyManager;
import dev.certpilot.core.spi.CertificateStore;
import dev.certpilot.core.spi.ChallengeResponder;
import dev.certpilot.core.spi.DnsPersist01Responder;
import dev.certpilot.core.spi.SharingResponder;
import dev.certpilot.core.spi.StoreDiagnostics;
import dev.certpilot.core.spi.TlsAlpn01Responder;

/**
 * Obtains certificates from an ACME CA for the configured domains, keeps them in a {@link CertificateStore},
 * serves them to TLS servers, and renews them before they expire.
 *
 * <pre>{@code
 * var http01 = new InMemoryHttp01Responder();          // serve it with AcmeChallengeFilter on port 80
 * var manager = CertificateManager.builder()
 *         .certificateAuthority(CertificateAuthority.LETS_ENCRYPT_STAGING)
 *         .email("ops@example.com")
 *         .agreeToTermsOfService()
 *         .certificate("shop", "shop.example.com", "www.shop.example.com")
 *         .challenges(http01)
 *         .storageDirectory(Path.of("/var/lib/myapp/certificates"))
 *         .build();
 * manager.start();              // stored certificates at once, a self-signed one until the first is issued
 * SSLContext tls = manager.sslContext();   // give it to the HTTPS server; close the manager when that stops
 * manager.awaitCertificates(Duration.ofMinutes(2));
 * }</pre>
 *
 * <p>On {@link #start()}, a stored certificate that is still valid and covers the configured domains is served
 * at once, with no call to the CA; the others are obtained in the background. From then on one scheduler renews
 * each certificate when due, retries failures with back-off (and the next CA, if several are configured), and
 * tells {@link CertificateListener}s. Instances of an application that share one store (a database store such as
 * {@code certpilot-jdbc}'s) form a cluster: each certificate is ordered by one of them under the store's lease, any
 * of them answers the CA's HTTP-01 and TLS-ALPN-01 requests (through their {@link InMemoryHttp01Responder} and
 * {@link InMemoryTlsAlpn01Responder}), and all serve a new certificate within a {@link
 * CertificateManagerBuilder#storePollInterval
 * poll}. Thread-safe: reads ({@link #certificate}, {@link #certificateForHost},
 * {@link #status()}, the {@link #keyManager()}) see an immutable snapshot or volatile state and never block.
 */
public final class CertificateManager implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger("dev.certpilot.challenge");
    private static final Logger STORAGE_LOG = LoggerFactory.getLogger("dev.certpilot.storage");

    private final CertificateStore store;
    private final List<Issuer> issuers;
    private final Renewer renewer;
    private final SharedChallenges challenges;
    private final List<ChallengeResponder> responders;
    private final SniKeyManager keyManager;
    /** Made at the first {@link #sslContext()}: a JSSE context costs start-up time that adapters do not need. */
    private volatile RenewingSslContext sslContext;
    private final ServedCertificates served;
    private final OnDemandIssuer onDemand;
    private final OnDemandTls onDemandTls;
    private final NoticeDispatcher notices;
    private final Preflighter preflighter;
    private final Object lifecycle = new Object();
    private boolean prepared;
    private boolean started;
    private boolean closed;
    private Thread warmUp; // guarded by lifecycle

    CertificateManager(ManagerSettings settings, UnaryOperator<Issuer> issuerDecorator) {
        this.store = settings.store();
        var issuers = new ArrayList<Issuer>();
        for (var ca : settings.cas()) {
            issuers.add(issuerDecorator.apply(new AcmeClient(ca, settings.email(), store, settings.timeouts().network(),
                    settings.keyType())));
        }
        this.issuers = List.copyOf(issuers);
        var loader = new CertificateLoader(store, settings.keyType());
        this.served = new ServedCertificates(loader, settings.clock(), settings.defaultName(), settings.cacheSize(),
                settings.certificates().size());
        this.challenges = new SharedChallenges(store, this::accountThumbprints, served::hasDomain,
                settings.timeouts().issuance().plusMinutes(5));
        for (var responder : settings.responders()) {
            if (responder instanceof SharingResponder sharing) {
                sharing.serveShared(challenges);
            }
        }
        this.responders = settings.responders();
        var publishing = challenges.publishing(settings.responders());
        this.preflighter = new Preflighter(settings.preflight(), publishing);
        this.renewer = new Renewer(settings, this.issuers, served, loader, publishing);
        this.onDemandTls = settings.onDemand();
        this.onDemand = settings.onDemand() == null ? null
                : new OnDemandIssuer(settings.onDemand(), renewer, served, store, settings.clock());
        var tlsAlpn = settings.responders().stream().filter(TlsAlpn01Responder.class::isInstance)
                .map(TlsAlpn01Responder.class::cast).findFirst().orElse(null);
        this.keyManager = new SniKeyManager(served, onDemand, tlsAlpn, null);
        this.notices = settings.notifications() == null ? null
                : new NoticeDispatcher(settings.notifications(), settings.clock(), renewer::configured,
                        this::certificate);
        if (notices != null) {
            renewer.addListener(notices);
        }
        renewer.addListener(event -> {
            var context = sslContext;
            if (context != null && (event instanceof CertificateEvent.Obtained
                    || event instanceof CertificateEvent.Renewed || event instanceof CertificateEvent.Revoked)) {
                context.renew();
            }
        });
    }

    /**
     * On-demand TLS as configured, so that a server adapter can fit its deadlines to the handshake timeout; empty
     * when off.
     *
     * @return the on-demand settings, or empty
     */
    public Optional<OnDemandTls> onDemandTls() {
        return Optional.ofNullable(onDemandTls);
    }

    /** The thumbprints of the account keys stored for every configured CA. */
    private Set<String> accountThumbprints() {
        var result = new HashSet<String>();
        issuers.forEach(issuer -> result.addAll(issuer.accountThumbprints()));
        return result;
    }

    /**
     * Returns a builder; see its setters for every option and its default.
     *
     * @return a new builder
     */
    public static CertificateManagerBuilder builder() {
        return new CertificateManagerBuilder();
    }

    /**
     * Serves certificates without ordering: stored ones that are valid and cover their configured domains, and a
     * self-signed bootstrap certificate for the others, made at their first handshake. When a certificate is
     * missing (or on-demand TLS is on) it also connects to the CA in the background (directory, account, nonce),
     * so that the first order begins at once. Call it before starting the server (Jetty's
     * {@code ManagedSslContextFactory} does), then {@link #start()} once the server listens, so that the CA can
     * validate through it. {@link #start()} calls it if needed. Calling it again does nothing.
     *
     * <p>A store that cannot be read (a database restarting) is not a failure: bootstrap certificates are served,
     * {@link #status()} and the events tell of the store, and what it holds is served as soon as it answers, with no
     * new order. A corrupted entry is not a failure either: it is moved aside and obtained again.
     *
     * @throws StorageException      if the store is unfit to keep anything ({@link StoreDiagnostics}: a file store's
     *                               directory that is not writable, named with the fix), since every start would
     *                               order again
     * @throws IllegalStateException if the manager is closed
     */
    public void prepare() {
        synchronized (lifecycle) {
            if (closed) {
                throw new IllegalStateException("CertificateManager is closed; build a new one");
            }
            if (prepared) {
                return;
            }
            prepared = true;
        }
        if (store instanceof StoreDiagnostics diagnostics) {
            var unfit = diagnostics.unfit();
            if (unfit.isPresent()) {
                synchronized (lifecycle) {
                    prepared = false;
                }
                throw new StorageException(unfit.get(), store.toString(), null);
            }
            diagnostics.warnings().forEach(STORAGE_LOG::warn);
        }
        var waiting = renewer.prepare(onDemand != null);
        var persist = responders.stream().anyMatch(DnsPersist01Responder.class::isInstance);
        if (waiting > 0 || onDemand != null || persist) {
            warmUp(persist);
        }
    }

    /**
     * Connects to the first CA on a thread of its own (directory, account, nonce) while the server starts, so that
     * the first order begins at once: a new deployment is unreachable over HTTPS until it has its certificate. With
     * {@code persist}, then logs the dns-persist-01 records to set.
     */
    private void warmUp(boolean persist) {
        var issuer = issuers.get(0);
        var thread = new Thread(() -> {
            issuer.warmUp();
            if (persist) {
                PersistentRecords.log(issuer, responders, allDomains());
            }
        }, "certpilot-ca-warm-up");
        thread.setDaemon(true);
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            warmUp = thread;
        }
        thread.start();
    }

    /**
     * Starts maintaining the certificates, without blocking: after {@link #prepare()} (called here if needed),
     * missing certificates are obtained in the background, and from then on each certificate is renewed when
     * due, with retries and events. Calling it again does nothing. Use {@link #awaitCertificates(Duration)} to
     * wait for the CA's certificates.
     *
     * @throws StorageException      if a file store's directory is not writable; see {@link #prepare()}
     * @throws IllegalStateException if the manager is closed
     */
    public void start() {
        prepare();
        synchronized (lifecycle) {
            if (closed) {
                throw new IllegalStateException("CertificateManager is closed; build a new one");
            }
            if (started) {
                return;
            }
            started = true;
        }
        if (notices != null) {
            notices.start();
        }
        renewer.start();
    }

    /**
     * Waits until every managed certificate is served from the CA (not the bootstrap certificate).
     *
     * @param timeout how long to wait at most
     * @throws ChallengeFailedException if the CA could not validate a domain of a certificate that has none yet
     * @throws AcmeServerException      if the CA cannot be reached or refuses, for such a certificate
     * @throws StorageException         if the store fails for such a certificate
     * @throws CertpilotException       if {@code timeout} passes first; the manager keeps trying meanwhile
     * @throws IllegalStateException    if the manager is not started
     * @throws InterruptedException if the calling thread is interrupted while it waits
     */
    public void awaitCertificates(Duration timeout) throws InterruptedException {
        Objects.requireNonNull(timeout, "timeout");
        synchronized (lifecycle) {
            if (!started) {
                throw new IllegalStateException("Call start() before awaitCertificates()");
            }
        }
        renewer.awaitCertificates(timeout);
    }

    /**
     * Orders a new certificate for {@code name} now, on the calling thread, whatever its expiry. On failure the
     * current certificate stays served and retries follow the back-off schedule.
     *
     * @param name the managed certificate's name
     * @return the new certificate, already served
     * @throws IllegalArgumentException if no managed certificate has that name
     * @throws CertpilotException       if the renewal failed
     */
    public CertificateBundle renewNow(String name) {
        requireStarted();
        return renewer.renewNow(name);
    }

    /**
     * Revokes the certificate served for {@code name} at the CA, then orders a new one at once.
     *
     * @param name the managed certificate's name
     * @param reason the reason given to the CA
     * @return the new certificate, already served
     * @throws IllegalStateException if {@code name} has no certificate from the CA yet
     * @throws CertpilotException    if revocation or the new order fails
     */
    public CertificateBundle revoke(String name, RevocationReason reason) {
        Objects.requireNonNull(reason, "reason");
        requireStarted();
        renewer.revoke(name, reason);
        return certificate(name).orElseThrow();
    }

    /**
     * Replaces the ACME account key at every configured CA with a new one, and stores it. Certificates are not
     * affected.
     *
     * @throws CertpilotException if a CA refuses or the store fails; the previous key then still works
     */
    public void rollOverAccountKey() {
        renewer.rollOverAccountKeys();
    }

    /**
     * Registers {@code listener} for events from now on.
     *
     * @param listener the listener, called on the manager's threads
     */
    public void addListener(CertificateListener listener) {
        renewer.addListener(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * Unregisters {@code listener}.
     *
     * @param listener a listener registered before
     */
    public void removeListener(CertificateListener listener) {
        renewer.removeListener(listener);
    }

    /**
     * What is served for each managed certificate and when it is next checked, in configuration order.
     *
     * @return a status per certificate
     */
    public List<CertificateStatus> status() {
        return renewer.status();
    }

    /**
     * The certificate served for the managed certificate called {@code name}: the CA's, or the self-signed
     * bootstrap one until the first is obtained ({@link CertificateBundle#isSelfSigned()}); empty if no managed
     * certificate has that name. A certificate not in memory is read from the store.
     *
     * @param name the managed certificate's name
     * @return the certificate served, or empty
     */
    public Optional<CertificateBundle> certificate(String name) {
        return Optional.ofNullable(served.byName(name));
    }

    /**
     * Checks now what the CA will check for the managed certificate {@code name} (its DNS, CAA and an HTTP-01 probe
     * of each address, with the {@link CertificateManagerBuilder#preflight} settings, even when they are off before
     * orders), without ordering anything. Takes a few network round trips.
     *
     * @param name the managed certificate's name
     * @return what was found
     * @throws IllegalArgumentException if no managed certificate has that name
     */
    public PreflightReport preflight(String name) {
        var certificate = renewer.managed(name).orElseThrow(() -> new IllegalArgumentException(
                "No managed certificate is called '" + name + "'; the names are "
                        + managedCertificates().stream().map(ManagedCertificate::name).toList()));
        return preflighter.check(certificate, issuers.get(0));
    }

    /**
     * What the notifiers of {@link CertificateManagerBuilder#notifications} did since the start: notices sent,
     * failed and dropped; all zero without notifiers.
     *
     * @return the counts
     */
    public NotificationCounts notificationCounts() {
        return notices == null ? new NotificationCounts(0, 0, 0) : notices.counts();
    }

    /**
     * The current certificate to present for {@code host}: the one listing it exactly, else one whose wildcard
     * covers it.
     *
     * @param host a DNS name or IP address, as a client sends it
     * @return the certificate, or empty if none covers {@code host}
     */
    public Optional<CertificateBundle> certificateForHost(String host) {
        var entry = served.forHost(host);
        return entry == null ? Optional.empty() : Optional.ofNullable(served.bundle(entry));
    }

    /** Whether a handshake for {@code host} may get a certificate: one covers it, or on-demand TLS may obtain one. */
    boolean serves(String host) {
        return served.forHost(host) != null || onDemand != null && onDemand.mayServe(host);
    }

    /**
     * The dns-persist-01 TXT records to set once, for this account at each CA that advertises dns-persist-01 (the
     * first, and the fallbacks), so that every DNS name this manager keeps now validates without a DNS change at
     * whichever CA issues: one per name and CA, at {@code _validation-persist.<name>}, with {@code policy=wildcard}
     * where a certificate lists its wildcard, each following the draft its CA advertises ({@link
     * PersistentDnsRecord#draft()}). Logs in to the CAs (registering the account if new), which takes a network
     * round trip or two each.
     *
     * @return the records, one per DNS name and CA
     * @throws IllegalStateException if no {@link DnsPersist01Responder} is among the challenges
     * @throws CertpilotException    if no CA advertises dns-persist-01, a pinned draft is not the CA's, or a CA cannot
     *                               be reached
     */
    public List<PersistentDnsRecord> persistentDnsRecords() {
        return PersistentRecords.of(issuers, responders, allDomains());
    }

    private List<String> allDomains() {
        return managedCertificates().stream().flatMap(c -> c.domains().stream()).toList();
    }

    /**
     * The certificates this manager keeps now, in the order they were added.
     *
     * @return the certificates, in order
     */
    public List<ManagedCertificate> managedCertificates() {
        return renewer.managed();
    }

    /**
     * Manages {@code certificates} too, from now on, without a restart: each is served at once (what the store holds
     * for it, else a bootstrap certificate), obtained if needed and renewed like those given to the builder, with the
     * same events. Adding a certificate managed already with the same domains does nothing. Callable before and after
     * {@link #start()}.
     *
     * @param certificates the certificates to add
     * @throws IllegalArgumentException if a name is managed with other domains, a domain is in another certificate,
     * or no responder can validate a wildcard
     * (DNS-01) or an IP address (HTTP-01, TLS-ALPN-01); then none is added
     * @throws IllegalStateException    if the manager is closed
     */
    public void manage(Collection<ManagedCertificate> certificates) {
        Objects.requireNonNull(certificates, "certificates");
        synchronized (lifecycle) {
            if (closed) {
                throw new IllegalStateException("CertificateManager is closed; build a new one");
            }
        }
        for (var certificate : certificates) {
            Objects.requireNonNull(certificate, "certificate");
            var problem = certificate.unvalidatable(responders);
            if (problem != null) {
                throw new IllegalArgumentException(problem);
            }
        }
        renewer.manage(List.copyOf(certificates), false);
    }

    /**
     * Manages {@code certificates} too; see {@link #manage(Collection)}.
     *
     * @param certificates the certificates to add
     */
    public void manage(ManagedCertificate... certificates) {
        manage(List.of(certificates));
    }

    /**
     * Stops managing {@code names}: they are no longer renewed, and handshakes for their domains get what any
     * unknown name gets (the default certificate). With {@link StoredData#DELETE}, their certificates and keys are
     * also deleted from the store, under their lease (waiting for an order in progress); with {@link StoredData#KEEP}
     * they stay, and managing a name again serves its stored certificate without a new order. Unknown names are
     * ignored.
     *
     * @param names the names of managed certificates
     * @param stored whether their stored data is kept or deleted
     * @return the names that were managed
     * @throws StorageException if deleting fails; the names are unmanaged all the same
     */
    public List<String> unmanage(Collection<String> names, StoredData stored) {
        Objects.requireNonNull(names, "names");
        Objects.requireNonNull(stored, "stored");
        return renewer.unmanage(List.copyOf(names), stored == StoredData.DELETE);
    }

    /**
     * Stops managing {@code name} and keeps its stored certificate; see {@link #unmanage(Collection, StoredData)}.
     *
     * @param name the managed certificate's name
     * @return whether it was managed
     */
    public boolean unmanage(String name) {
        return !unmanage(List.of(name), StoredData.KEEP).isEmpty();
    }

    /**
     * A key manager for TLS servers that always presents the current certificates, choosing by SNI (exact
     * before wildcard) and presenting the {@linkplain CertificateManagerBuilder#defaultCertificate default certificate}
     * to clients
     * that send an unknown name. Clients that send none, as those connecting by IP address, get the certificate
     * listing the local address of an {@code SSLSocket}'s connection, else the default one. Use it in an
     * {@code SSLContext}; no reload is needed when certificates change. With a {@link TlsAlpn01Responder} among the
     * challenges (such as {@link InMemoryTlsAlpn01Responder}), it also answers TLS-ALPN-01 validation handshakes with
     * the certificate that responder holds.
     *
     * @return the key manager, which picks by SNI
     */
    public X509ExtendedKeyManager keyManager() {
        return keyManager;
    }

    /**
     * A server {@code SSLContext} presenting {@link #keyManager()}'s certificates, ready to use (do not {@code init}
     * it): give it to a server built on {@code SSLEngine}s (Netty, Jetty, the JDK's {@code HttpsServer}). Each time
     * a certificate is obtained, renewed or revoked, the engines it makes from then on come from a fresh JSSE context
     * with an empty session cache, so that no client resumes a TLS session of the previous certificate. (An
     * {@code SSLServerSocket} keeps the context it was made from.) Trusts no client certificate. Thread-safe.
     *
     * @return the context, shared by every caller
     */
    public SSLContext sslContext() {
        var context = sslContext;
        if (context == null) {
            synchronized (lifecycle) {
                context = sslContext;
                if (context == null) {
                    context = RenewingSslContext.over(keyManager);
                    sslContext = context;
                }
            }
        }
        return context;
    }

    /**
     * {@link #keyManager()} for a server built on {@code SSLEngine}s that knows each engine's local address:
     * {@code localAddress} is asked, on the handshake's thread, only for clients that send no SNI, and those get the
     * certificate listing that address (RFC 8738), else the default one. It must be fast and may return null.
     *
     * @param localAddress gives an engine's local address, or null
     * @return the key manager
     */
    public X509ExtendedKeyManager keyManager(Function<SSLEngine, InetAddress> localAddress) {
        return keyManager.withLocalAddresses(Objects.requireNonNull(localAddress, "localAddress"));
    }

    /**
     * Stops renewing: cancels scheduled checks and interrupts orders in progress (waiting up to 10 seconds for
     * them). Certificates stay in the store. Close it when the server that uses its {@link #keyManager()} stops:
     * the key manager still serves what it has after this, and its first handshake logs at WARN that nothing is
     * renewed any more. Idempotent.
     */
    @Override
    public void close() {
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            if (warmUp != null) {
                warmUp.interrupt();
            }
        }
        if (onDemand != null) {
            onDemand.close();
        }
        renewer.close();
        if (notices != null) {
            notices.close();
        }
        served.closed();
        for (var responder : responders) {
            if (responder instanceof SharingResponder sharing) {
                sharing.serveShared(null);
            }
        }
    }

    @Override
    public String toString() {
        return "CertificateManager[" + issuers.stream().map(i -> i.ca().toString()).toList() + ", "
                + renewer.size() + " certificates, " + store + (onDemand != null ? ", on demand" : "") + "]";
    }

    private void requireStarted() {
        synchronized (lifecycle) {
            if (!started || closed) {
                throw new IllegalStateException(closed ? "CertificateManager is closed" : "Call start() first");
            }
        }
    }
}
