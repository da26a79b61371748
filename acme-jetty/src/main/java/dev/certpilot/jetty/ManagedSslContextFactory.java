package dev.certpilot.jetty;

import java.io.IOException;
import java.net.InetAddress;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CRL;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.certpilot.core.CertificateEvent;
import dev.certpilot.core.CertificateListener;
import dev.certpilot.core.CertificateManager;
import dev.certpilot.core.TlsDefaults;

/**
 * A Jetty {@code SslContextFactory.Server} that serves a {@link CertificateManager}'s certificates: chosen per
 * handshake by SNI (exact before wildcard; for clients that send no name, as those connecting by IP address, the
 * certificate listing the address they connected to on connectors {@link JettyHttps} makes, else the default one), the
 * self-signed bootstrap certificate until the CA's arrives, and TLS-ALPN-01 validation certificates to
 * {@code acme-tls/1} handshakes when the manager has an {@code InMemoryTlsAlpn01Responder}.
 *
 * <p>On every issuance, renewal, revocation or unmanaging it reloads in place ({@link #reload}): open connections go on
 * untouched, the next handshake gets the new certificate, and TLS sessions made under the old one are not
 * resumed. A failed reload is logged and the factory keeps serving. Nothing restarts.
 *
 * <p>Its defaults are {@link TlsDefaults} (TLS 1.3 and 1.2 only, forward-secret AEAD cipher suites only), in
 * the server's cipher order, with no renegotiation: graded A by TLS scanners, A+ with HSTS. To accept older clients,
 * loosen them after construction, e.g. {@code setIncludeProtocols(...)} and {@code setIncludeCipherSuites(...)};
 * every other {@code SslContextFactory} setting is available too, except the key store, which the manager
 * replaces.
 *
 * <p>Thread-safe, as Jetty's factory is; a Jetty lifecycle component: it listens to the manager between start
 * and stop.
 */
public final class ManagedSslContextFactory extends SslContextFactory.Server {

    private static final Logger LOG = LoggerFactory.getLogger("dev.certpilot.jetty");

    private final CertificateManager manager;
    private final CertificateListener reloader = this::reloadOn;
    /** The local address of each open connection's engine, when its connection factory tells. */
    final Map<SSLEngine, InetAddress> localAddresses = new ConcurrentHashMap<>();

    /**
     * A factory serving {@code manager}'s certificates with the secure defaults above.
     *
     * @param manager the manager whose certificates are served
     */
    public ManagedSslContextFactory(CertificateManager manager) {
        this.manager = Objects.requireNonNull(manager, "manager");
        setKeyStore(emptyKeyStore());
        setIncludeProtocols(TlsDefaults.PROTOCOLS.toArray(String[]::new));
        setIncludeCipherSuites(TlsDefaults.CIPHER_SUITES.toArray(String[]::new));
        setUseCipherSuitesOrder(true);
        setRenegotiationAllowed(false);
    }

    /**
     * The manager whose certificates this factory serves.
     *
     * @return the manager
     */
    public CertificateManager manager() {
        return manager;
    }

    /**
     * The manager's key manager, which reads its current certificates on every handshake, and gives a client that
     * sends no SNI the certificate listing the local address it connected to (on connectors {@link JettyHttps}
     * makes).
     */
    @Override
    protected KeyManager[] getKeyManagers(KeyStore keyStore) {
        return new KeyManager[] {manager.keyManager(localAddresses::get)};
    }

    /**
     * No trust anchors unless a trust store is set or client certificates are asked for: a server that requests none
     * needs none, and otherwise the JDK reads its whole {@code cacerts} at every start and reload (about 50 ms in a
     * cold JVM).
     */
    @Override
    protected TrustManager[] getTrustManagers(KeyStore trustStore, Collection<? extends CRL> crls) throws Exception {
        if (trustStore != null || getNeedClientAuth() || getWantClientAuth()) {
            return super.getTrustManagers(trustStore, crls);
        }
        var none = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        none.init(emptyKeyStore());
        return none.getTrustManagers();
    }

    /**
     * Starts serving: the manager serves what it has stored and, if a certificate is missing, connects to the CA
     * while the rest of the server starts ({@link CertificateManager#prepare()}).
     */
    @Override
    protected void doStart() throws Exception {
        manager.prepare();
        manager.addListener(reloader);
        super.doStart();
    }

    @Override
    protected void doStop() throws Exception {
        manager.removeListener(reloader);
        super.doStop();
    }

    private void reloadOn(CertificateEvent event) {
        if (event instanceof CertificateEvent.Obtained || event instanceof CertificateEvent.Renewed
                || event instanceof CertificateEvent.Revoked || event instanceof CertificateEvent.Unmanaged) {
            try {
                reload(factory -> { });
                LOG.debug("Reloaded TLS context after {} of {}", event.getClass().getSimpleName(), event.name());
            } catch (Exception e) {
                LOG.warn("Could not reload the TLS context after {} of {}; new handshakes still get the current "
                        + "certificate, but sessions of the previous one may be resumed", event.getClass()
                        .getSimpleName(), event.name(), e);
            }
        }
    }

    private static KeyStore emptyKeyStore() {
        try {
            var keyStore = KeyStore.getInstance("PKCS12");
            keyStore.load(null, null);
            return keyStore;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("The JDK cannot create an empty PKCS12 key store", e);
        }
    }
}
