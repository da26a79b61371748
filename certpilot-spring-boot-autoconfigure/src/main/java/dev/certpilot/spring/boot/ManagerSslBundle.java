package dev.certpilot.spring.boot;

import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.util.Base64;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.KeyManagerFactorySpi;
import javax.net.ssl.ManagerFactoryParameters;
import javax.net.ssl.TrustManagerFactory;

import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundleKey;
import org.springframework.boot.ssl.SslManagerBundle;
import org.springframework.boot.ssl.SslOptions;
import org.springframework.boot.ssl.SslStoreBundle;

import dev.certpilot.core.CertificateManager;
import dev.certpilot.core.TlsDefaults;

/**
 * The SSL bundle a server is given: the default certificate in a key store that always holds the one served now
 * (what servers that read key stores get, and what Boot's {@code ssl} health reports) and, as its key manager, the
 * manager's own, which picks the certificate by SNI at every
 * handshake and so never goes stale (what Reactor Netty reads; Tomcat is given it directly). Protocols and cipher
 * suites are certpilot's {@link TlsDefaults}.
 */
final class ManagerSslBundle {

    private ManagerSslBundle() {
    }

    /** The bundle of {@code manager}, whose key store holds its certificate called {@code name}, as served. */
    static SslBundle of(CertificateManager manager, String name) {
        var password = new byte[18];
        new SecureRandom().nextBytes(password);
        var secret = Base64.getEncoder().encodeToString(password);
        var stores = SslStoreBundle.of(LiveKeyStore.of(manager, name), secret, null);
        var managers = SslManagerBundle.of(new LiveKeyManagerFactory(manager), noTrust());
        return SslBundle.of(stores, SslBundleKey.of(secret, name),
                SslOptions.of(TlsDefaults.CIPHER_SUITES.toArray(String[]::new),
                        TlsDefaults.PROTOCOLS.toArray(String[]::new)), SslBundle.DEFAULT_PROTOCOL, managers);
    }

    /**
     * A trust manager trusting no one: the bundle serves and asks no client for a certificate, but Boot wants a
     * factory. Cheaper than the JDK's trust store, which would be read again at every renewal.
     */
    private static TrustManagerFactory noTrust() {
        try {
            var empty = KeyStore.getInstance("PKCS12");
            empty.load(null, null);
            var trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(empty);
            return trust;
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("The JDK cannot make an empty trust manager", e);
        }
    }

    /** A key manager factory whose one key manager is the certificate manager's. */
    private static final class LiveKeyManagerFactory extends KeyManagerFactory {

        LiveKeyManagerFactory(CertificateManager manager) {
            super(new KeyManagerFactorySpi() {
                @Override
                protected void engineInit(KeyStore keyStore, char[] password) {
                }

                @Override
                protected void engineInit(ManagerFactoryParameters parameters) {
                }

                @Override
                protected KeyManager[] engineGetKeyManagers() {
                    return new KeyManager[] {manager.keyManager()};
                }
            }, null, "certpilot");
        }
    }
}
