package dev.certpilot.core;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.function.Function;
import java.util.function.Supplier;

import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.StandardConstants;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Server-side key manager over the manager's current snapshot: picks the certificate for the handshake's SNI
 * name (exact before wildcard), or the default one when the client sends none or an unknown name. Only reads an
 * immutable snapshot: no I/O, no locks. Thread-safe.
 */
final class SniKeyManager extends X509ExtendedKeyManager {

    private final Supplier<CertificateIndex> index;
    private final Function<CertificateIndex, CertificateBundle> fallback;

    SniKeyManager(Supplier<CertificateIndex> index, Function<CertificateIndex, CertificateBundle> fallback) {
        this.index = index;
        this.fallback = fallback;
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return choose(keyType, engine == null ? null : engine.getHandshakeSession());
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return choose(keyType, socket instanceof SSLSocket ssl ? ssl.getHandshakeSession() : null);
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
        return index.get().byAlias(alias).map(b -> b.chain().toArray(X509Certificate[]::new)).orElse(null);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
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
