package dev.certpilot.core.internal.tls;

import java.security.GeneralSecurityException;
import java.security.KeyManagementException;
import java.security.SecureRandom;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * A server {@code SSLContext} over a key manager whose JSSE context is replaced by {@link #renew()}: engines and
 * factories made after it come from a fresh context, with an empty session cache, so that no client resumes a TLS
 * session of the previous certificate. Already made by its constructor: {@code init} is refused. Trusts no client.
 * Thread-safe.
 */
public final class RenewingSslContext extends SSLContext {

    private final Spi spi;

    private RenewingSslContext(Spi spi) {
        // the JDK's own provider, which made the context it delegates to: code that asks (Netty does) finds it
        super(spi, spi.current.getProvider(), "TLS");
        this.spi = spi;
    }

    /** A context presenting what {@code keyManager} chooses. */
    public static RenewingSslContext over(X509ExtendedKeyManager keyManager) {
        return new RenewingSslContext(new Spi(keyManager));
    }

    /** Makes a fresh JSSE context for what is made from now on. */
    public void renew() {
        spi.current = spi.fresh();
    }

    /** The JSSE context engines and factories come from now. */
    public SSLContext current() {
        return spi.current;
    }

    private static final class Spi extends SSLContextSpi {

        private final X509ExtendedKeyManager keyManager;
        private volatile SSLContext current;

        Spi(X509ExtendedKeyManager keyManager) {
            this.keyManager = keyManager;
            this.current = fresh();
        }

        SSLContext fresh() {
            try {
                var context = SSLContext.getInstance("TLS");
                context.init(new KeyManager[] {keyManager}, new TrustManager[0], null);
                return context;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("The JDK cannot make a TLS context: " + e.getMessage(), e);
            }
        }

        @Override
        protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom sr) throws KeyManagementException {
            throw new KeyManagementException("This context is made by the CertificateManager: use it as it is");
        }

        @Override
        protected SSLSocketFactory engineGetSocketFactory() {
            return current.getSocketFactory();
        }

        @Override
        protected SSLServerSocketFactory engineGetServerSocketFactory() {
            return current.getServerSocketFactory();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine() {
            return current.createSSLEngine();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine(String host, int port) {
            return current.createSSLEngine(host, port);
        }

        @Override
        protected SSLSessionContext engineGetServerSessionContext() {
            return current.getServerSessionContext();
        }

        @Override
        protected SSLSessionContext engineGetClientSessionContext() {
            return current.getClientSessionContext();
        }

        @Override
        protected SSLParameters engineGetDefaultSSLParameters() {
            return current.getDefaultSSLParameters();
        }

        @Override
        protected SSLParameters engineGetSupportedSSLParameters() {
            return current.getSupportedSSLParameters();
        }
    }
}
