package dev.certpilot.spring.boot;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;

import dev.certpilot.core.CertificateEvent;
import dev.certpilot.core.CertificateManager;

/**
 * Tomcat's view of a JSSE context whose key manager is the certificate manager's: each handshake gets the
 * certificate for its SNI name, the current one, so Tomcat serves every managed name and each renewal without a
 * reload (a key store, as Boot's bundle gives Tomcat, holds one certificate and goes stale). When a certificate is
 * obtained, renewed or revoked, new connections get a fresh JSSE context: a TLS session resumed from the old one
 * would keep the previous certificate. Trusts no client. Thread-safe.
 */
final class ManagerTomcatSslContext implements org.apache.tomcat.util.net.SSLContext {

    private final X509ExtendedKeyManager keyManager;
    private volatile SSLContext context;

    ManagerTomcatSslContext(CertificateManager manager) {
        this.keyManager = manager.keyManager();
        this.context = newContext();
        manager.addListener(event -> {
            if (event instanceof CertificateEvent.Obtained || event instanceof CertificateEvent.Renewed
                    || event instanceof CertificateEvent.Revoked) {
                context = newContext();
            }
        });
    }

    private SSLContext newContext() {
        try {
            var fresh = SSLContext.getInstance("TLS");
            fresh.init(new KeyManager[] {keyManager}, new TrustManager[0], null);
            return fresh;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("The JDK cannot make a TLS context: " + e.getMessage(), e);
        }
    }

    /** Tomcat initializes only the contexts it makes; this one is made whole above. */
    @Override
    public void init(KeyManager[] keyManagers, TrustManager[] trustManagers, SecureRandom random) {
    }

    @Override
    public void destroy() {
    }

    @Override
    public SSLSessionContext getServerSessionContext() {
        return context.getServerSessionContext();
    }

    @Override
    public SSLEngine createSSLEngine() {
        return context.createSSLEngine();
    }

    @Override
    public SSLServerSocketFactory getServerSocketFactory() {
        return context.getServerSocketFactory();
    }

    @Override
    public SSLParameters getSupportedSSLParameters() {
        return context.getSupportedSSLParameters();
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        return keyManager.getCertificateChain(alias);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
