package dev.certpilot.core.internal.acme;

import java.io.IOException;
import java.net.http.HttpClient;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.shredzone.acme4j.connector.NetworkSettings;
import org.shredzone.acme4j.provider.GenericAcmeProvider;

/**
 * acme4j provider for any https directory, trusting given certificates instead of the JDK's when asked. Immutable
 * and thread-safe, as acme4j calls it from any thread.
 */
public final class TrustingAcmeProvider extends GenericAcmeProvider {

    private final SSLContext sslContext;

    public TrustingAcmeProvider(List<X509Certificate> trusted) {
        this.sslContext = trusted.isEmpty() ? null : sslContext(trusted);
    }

    @Override
    public HttpClient createHttpClient(NetworkSettings settings) {
        var builder = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(settings.getTimeout())
                .proxy(settings.getProxySelector());
        if (settings.getAuthenticator() != null) {
            builder.authenticator(settings.getAuthenticator());
        }
        if (sslContext != null) {
            builder.sslContext(sslContext);
        }
        return builder.build();
    }

    private static SSLContext sslContext(List<X509Certificate> trusted) {
        try {
            var store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            for (int i = 0; i < trusted.size(); i++) {
                store.setCertificateEntry("trusted-" + i, trusted.get(i));
            }
            var factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            var context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("Cannot trust the given CA certificates: " + e.getMessage(), e);
        }
    }
}
