package dev.certpilot.core.internal.tls;

import java.net.InetAddress;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.StandardConstants;
import javax.net.ssl.X509ExtendedKeyManager;

import dev.certpilot.core.CertificateBundle;
import dev.certpilot.core.internal.base.IpAddresses;
import dev.certpilot.core.spi.TlsAlpn01Responder;

/**
 * Server-side key manager over the served certificates: picks the certificate for the handshake's SNI name (exact
 * before wildcard), one obtained on demand for a name nothing covers (when on-demand TLS is on and allows it), or the
 * default one when the client sends an unknown name. A client that sends none (one connecting by IP address) gets the
 * certificate listing the local address it connected to, when the server tells it, else the default one. A handshake
 * that negotiated {@code acme-tls/1} gets the pending TLS-ALPN-01 validation certificate for its SNI name and nothing
 * else, and never waits; the JDK negotiates ALPN before choosing the key only under TLS 1.3, which is what validating
 * CAs use. Reads concurrent state; reads the store only for a certificate not in memory, and waits only for an
 * on-demand certificate. Thread-safe.
 */
public final class SniKeyManager extends X509ExtendedKeyManager {

    private static final String CHALLENGE_ALIAS = TlsAlpn01Responder.ACME_TLS_PROTOCOL + "@";

    private final ServedCertificates served;
    private final OnDemandCertificates onDemand;
    private final TlsAlpn01Responder challenges;
    private final Function<SSLEngine, InetAddress> localAddress;
    /**
     * The bundle this thread's handshake just chose: the JDK asks for its chain and key right after choosing, on the
     * same thread, and by then the name may have been renewed, evicted or unmanaged.
     */
    private final ThreadLocal<CertificateBundle> chosen = new ThreadLocal<>();

    /**
     * @param onDemand     null unless on-demand TLS is on
     * @param localAddress the local address an engine's connection came in on, or null if unknown
     */
    public SniKeyManager(ServedCertificates served, OnDemandCertificates onDemand, TlsAlpn01Responder challenges,
                  Function<SSLEngine, InetAddress> localAddress) {
        this.served = served;
        this.onDemand = onDemand;
        this.challenges = challenges;
        this.localAddress = localAddress;
    }

    /** This key manager, told the local address of each engine's connection by {@code localAddress}. */
    public SniKeyManager withLocalAddresses(Function<SSLEngine, InetAddress> localAddress) {
        return new SniKeyManager(served, onDemand, challenges, localAddress);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        if (engine == null) {
            return choose(keyType, null, null);
        }
        if (TlsAlpn01Responder.ACME_TLS_PROTOCOL.equals(engine.getHandshakeApplicationProtocol())) {
            return chooseChallenge(keyType, engine.getHandshakeSession());
        }
        return choose(keyType, engine.getHandshakeSession(),
                localAddress == null ? null : () -> localAddress.apply(engine));
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        if (!(socket instanceof SSLSocket ssl)) {
            return choose(keyType, null, null);
        }
        if (TlsAlpn01Responder.ACME_TLS_PROTOCOL.equals(ssl.getHandshakeApplicationProtocol())) {
            return chooseChallenge(keyType, ssl.getHandshakeSession());
        }
        return choose(keyType, ssl.getHandshakeSession(), ssl::getLocalAddress);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        var aliases = new ArrayList<String>();
        for (var bundle : served.inMemory()) {
            if (bundle.privateKey().getAlgorithm().equals(keyType)) {
                aliases.add(ServedCertificates.alias(bundle));
            }
        }
        return aliases.isEmpty() ? null : aliases.toArray(String[]::new);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        if (alias != null && alias.startsWith(CHALLENGE_ALIAS)) {
            return challenge(alias).map(c -> new X509Certificate[] {c.certificate()}).orElse(null);
        }
        var bundle = chosen(alias);
        return bundle == null ? null : bundle.chain().toArray(X509Certificate[]::new);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        if (alias != null && alias.startsWith(CHALLENGE_ALIAS)) {
            return challenge(alias).map(TlsAlpn01Responder.ValidationCertificate::privateKey).orElse(null);
        }
        var bundle = chosen(alias);
        return bundle == null ? null : bundle.privateKey();
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return null;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return null;
    }

    private String chooseChallenge(String keyType, SSLSession session) {
        var host = sniHost(session);
        var challenge = challenges == null || host == null ? null
                : challenges.validationCertificate(host.toLowerCase(Locale.ROOT)).orElse(null);
        if (challenge == null || !challenge.privateKey().getAlgorithm().equals(keyType)) {
            return null;
        }
        return CHALLENGE_ALIAS + host;
    }

    private Optional<TlsAlpn01Responder.ValidationCertificate> challenge(String alias) {
        return challenges == null ? Optional.empty()
                : challenges.validationCertificate(alias.substring(CHALLENGE_ALIAS.length()));
    }

    /** @param local the local address of the connection, asked only when the client sent no name; or null */
    private String choose(String keyType, SSLSession session, Supplier<InetAddress> local) {
        served.warnIfClosed();
        var host = sniHost(session);
        var entry = served.forHost(host);
        if (onDemand != null && host != null) {
            entry = onDemand.resolve(host, entry);
        }
        if (host == null && local != null) {
            var address = local.get();
            entry = address == null ? null : served.forHost(IpAddresses.text(address));
        }
        if (entry == null) {
            entry = served.fallback();
        }
        var bundle = entry == null ? null : served.bundle(entry);
        if (bundle != null && onDemand != null && host != null && !entry.hasIssued()) {
            // its stored certificate turned out unusable just now (moved aside as corrupted): a name obtained on
            // demand waits for its new one, as a new name does, rather than take a bootstrap certificate
            var resolved = onDemand.resolve(host, entry);
            if (resolved != null && resolved.hasIssued()) {
                entry = resolved;
                bundle = served.bundle(entry);
            }
        }
        if (bundle == null || !bundle.privateKey().getAlgorithm().equals(keyType)) {
            return null;
        }
        chosen.set(bundle);
        return ServedCertificates.alias(bundle);
    }

    private CertificateBundle chosen(String alias) {
        var bundle = chosen.get();
        if (bundle != null && ServedCertificates.alias(bundle).equals(alias)) {
            return bundle;
        }
        return served.byAlias(alias);
    }

    private static String sniHost(SSLSession session) {
        if (session instanceof ExtendedSSLSession extended) {
            for (var name : extended.getRequestedServerNames()) {
                if (name.getType() == StandardConstants.SNI_HOST_NAME) {
                    return ((SNIHostName) name).getAsciiName();
                }
            }
        }
        return null;
    }
}
