package dev.certpilot.core;

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

import dev.certpilot.core.spi.TlsAlpn01Responder;

/**
 * Server-side key manager over the manager's current snapshot: picks the certificate for the handshake's SNI
 * name (exact before wildcard), or the default one when the client sends none or an unknown name. A handshake
 * that negotiated {@code acme-tls/1} gets the pending TLS-ALPN-01 validation certificate for its SNI name and
 * nothing else; the JDK negotiates ALPN before choosing the key only under TLS 1.3, which is what validating CAs
 * use. Only reads immutable or concurrent state: no I/O, no locks. Thread-safe.
 */
final class SniKeyManager extends X509ExtendedKeyManager {

    private static final String CHALLENGE_ALIAS = TlsAlpn01Responder.ACME_TLS_PROTOCOL + "@";

    private final Supplier<CertificateIndex> index;
    private final Function<CertificateIndex, CertificateBundle> fallback;
    private final TlsAlpn01Responder challenges;

    SniKeyManager(Supplier<CertificateIndex> index, Function<CertificateIndex, CertificateBundle> fallback,
                  TlsAlpn01Responder challenges) {
        this.index = index;
        this.fallback = fallback;
        this.challenges = challenges;
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        if (engine == null) {
            return choose(keyType, null);
        }
        if (TlsAlpn01Responder.ACME_TLS_PROTOCOL.equals(engine.getHandshakeApplicationProtocol())) {
            return chooseChallenge(keyType, engine.getHandshakeSession());
        }
        return choose(keyType, engine.getHandshakeSession());
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        if (!(socket instanceof SSLSocket ssl)) {
            return choose(keyType, null);
        }
        if (TlsAlpn01Responder.ACME_TLS_PROTOCOL.equals(ssl.getHandshakeApplicationProtocol())) {
            return chooseChallenge(keyType, ssl.getHandshakeSession());
        }
        return choose(keyType, ssl.getHandshakeSession());
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        var aliases = new ArrayList<String>();
        var snapshot = index.get();
        for (var bundle : snapshot.all()) {
            if (bundle.privateKey().getAlgorithm().equals(keyType)) {
                aliases.add(snapshot.aliasOf(bundle));
            }
        }
        return aliases.isEmpty() ? null : aliases.toArray(String[]::new);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        if (alias != null && alias.startsWith(CHALLENGE_ALIAS)) {
            return challenge(alias).map(c -> new X509Certificate[] {c.certificate()}).orElse(null);
        }
        return index.get().byAlias(alias).map(b -> b.chain().toArray(X509Certificate[]::new)).orElse(null);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        if (alias != null && alias.startsWith(CHALLENGE_ALIAS)) {
            return challenge(alias).map(TlsAlpn01Responder.ValidationCertificate::privateKey).orElse(null);
        }
        return index.get().byAlias(alias).map(CertificateBundle::privateKey).orElse(null);
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

    private String choose(String keyType, SSLSession session) {
        var snapshot = index.get();
        var bundle = snapshot.forHost(sniHost(session)).orElseGet(() -> fallback.apply(snapshot));
        if (bundle == null || !bundle.privateKey().getAlgorithm().equals(keyType)) {
            return null;
        }
        return snapshot.aliasOf(bundle);
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
