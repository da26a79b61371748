package dev.certpilot.spring.boot;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.web.server.ConfigurableWebServerFactory;
import org.springframework.boot.web.server.Ssl;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;

/**
 * Serves HTTPS on {@code server.port} with certpilot's SSL bundle, after Boot's own customizers, unless the
 * application set {@code server.ssl.*} itself (a bundle, a key store, a certificate, or {@code enabled=false}).
 */
final class SslCustomizer implements WebServerFactoryCustomizer<ConfigurableWebServerFactory>, Ordered {

    private final String bundle;
    private final ObjectProvider<SslBundles> bundles;
    private final Environment environment;

    SslCustomizer(String bundle, ObjectProvider<SslBundles> bundles, Environment environment) {
        this.bundle = bundle;
        this.bundles = bundles;
        this.environment = environment;
    }

    @Override
    public void customize(ConfigurableWebServerFactory factory) {
        if (environment.containsProperty("server.ssl.bundle") || environment.containsProperty("server.ssl.key-store")
                || environment.containsProperty("server.ssl.certificate")
                || !environment.getProperty("server.ssl.enabled", Boolean.class, true)) {
            return;
        }
        var ssl = new Ssl();
        ssl.setBundle(bundle);
        factory.setSsl(ssl);
        factory.setSslBundles(bundles.getObject());
    }

    @Override
    public int getOrder() {
        return 1;
    }
}
