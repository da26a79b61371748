package dev.certpilot.tomcat;

import java.security.SecureRandom;
import java.security.cert.X509Certificate;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.TrustManager;

import dev.certpilot.core.CertificateManager;

/**
 * Tomcat's view of the manager's {@link CertificateManager#sslContext()}: each handshake gets the certificate for
 * its SNI name, the current one, so Tomcat serves every managed name and each renewal without a reload (a key store
 * holds one certificate and goes stale); after each renewal, new connections resume no session of the previous
 * certificate.
 * Trusts no client. Give it to each certificate of an {@code SSLHostConfig}
 * ({@code SSLHostConfigCertificate.setSslContext}): Tomcat then loads no key file. The {@link CertpilotListener}
 * does so in a standalone Tomcat, the Spring Boot starter on embedded Tomcat. Thread-safe.
 */
public final class CertificateManagerSslContext implements org.apache.tomcat.util.net.SSLContext {

    private final CertificateManager manager;
    private final SSLContext context;

    /**
     * A context serving {@code manager}'s certificates ({@link CertificateManager#sslContext()}).
     *
     * @param manager the manager whose certificates are served
     */
    public CertificateManagerSslContext(CertificateManager manager) {
        this.manager = manager;
        this.context = manager.sslContext();
    }

    /** Tomcat initializes only the contexts it makes; this one is made whole by the manager. */
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
        return manager.keyManager().getCertificateChain(alias);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
