package dev.certpilot.tomcat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.apache.catalina.Lifecycle;
import org.apache.catalina.LifecycleEvent;
import org.apache.catalina.LifecycleListener;
import org.apache.catalina.Server;
import org.apache.catalina.connector.Connector;
import org.apache.tomcat.util.net.SSLHostConfig;
import org.apache.tomcat.util.net.SSLHostConfigCertificate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.certpilot.core.CertificateAuthority;
import dev.certpilot.core.CertificateManager;
import dev.certpilot.core.Hsts;
import dev.certpilot.core.InMemoryHttp01Responder;
import dev.certpilot.core.KeyType;
import dev.certpilot.core.TlsDefaults;
import dev.certpilot.servlet.AcmeChallengeFilter;

/**
 * Automatic HTTPS for a standalone Tomcat 10.1 or 11, configured in {@code server.xml} alone: a {@code Listener}
 * element on the {@code Server} whose attributes are the settings. Before the connectors start it builds a
 * {@link CertificateManager}, serves a bootstrap certificate, and gives every connector with
 * {@code SSLEnabled="true"} and no {@code SSLHostConfig} of its own certpilot's (through a
 * {@link CertificateManagerSslContext}: every managed name by SNI, each renewal at the next handshake, no key file,
 * no reload); it puts a {@link FrontDoorValve} on each engine, which answers HTTP-01 on the plain connector for every
 * web application, redirects the rest to HTTPS and sends HSTS. Once Tomcat has started it obtains the certificates;
 * when Tomcat stops it closes the manager.
 *
 * <pre>{@code
 * <Listener className="dev.certpilot.tomcat.CertpilotListener"
 *           domains="example.com www.example.com" email="ops@example.com"
 *           ca="lets-encrypt-staging" acceptTerms="true"/>
 * }</pre>
 *
 * <p>Attributes: {@code domains} (required; each its own certificate), {@code acceptTerms} (required, {@code true}:
 * you accept the CA's terms of service), {@code ca} ({@code lets-encrypt-staging}, the default, {@code lets-encrypt},
 * {@code zerossl} or the https URL of an ACME directory), {@code email}, {@code caTrust} (a PEM file of the roots
 * that sign the CA's own TLS certificate, for private and test CAs), {@code eabKeyId} and {@code eabHmacKey},
 * {@code storage} (default {@code ${catalina.base}/certpilot}), {@code keyType} ({@code ec-p256}, the default,
 * {@code ec-p384}, {@code rsa-2048}, {@code rsa-3072}, {@code rsa-4096}), {@code renewalWindow} (the fraction of the
 * lifetime left when a certificate is renewed, between 0 and 1), {@code redirect} ({@code true}, the default, or
 * {@code false}), {@code redirectPort} (default: the HTTPS connector's port), {@code hstsMaxAgeSeconds} (default:
 * no HSTS). A wrong or unknown attribute stops Tomcat's start with a message that names it.
 *
 * <p>Not thread-safe while Tomcat configures it; afterwards it only reacts to Tomcat's lifecycle events, which come
 * one at a time.
 */
public final class CertpilotListener implements LifecycleListener {

    private static final Logger LOG = LoggerFactory.getLogger("dev.certpilot.tomcat");
    private static final Set<String> ATTRIBUTES = Set.of("domains", "acceptTerms", "ca", "email", "caTrust",
            "eabKeyId", "eabHmacKey", "storage", "keyType", "renewalWindow", "redirect", "redirectPort",
            "hstsMaxAgeSeconds");

    private final Map<String, String> attributes = new LinkedHashMap<>();
    private CertificateManager manager;

    /** Created by Tomcat from {@code server.xml}. */
    public CertpilotListener() {
    }

    /**
     * Takes one attribute of the {@code Listener} element, as Tomcat's {@code server.xml} reader gives it; all are
     * checked when Tomcat initializes.
     *
     * @param name the attribute's name
     * @param value its value, as written
     * @return true: the attribute is kept
     */
    public boolean setProperty(String name, String value) {
        attributes.put(name, value);
        return true;
    }

    @Override
    public void lifecycleEvent(LifecycleEvent event) {
        if (!(event.getLifecycle() instanceof Server server)) {
            throw new IllegalStateException(describe() + " belongs on the Server element of server.xml, as its "
                    + "Listener, not inside " + event.getLifecycle());
        }
        switch (event.getType()) {
            case Lifecycle.BEFORE_INIT_EVENT -> install(server);
            case Lifecycle.AFTER_START_EVENT -> {
                if (manager != null) {
                    manager.start();
                }
            }
            case Lifecycle.BEFORE_STOP_EVENT -> close();
            default -> {
            }
        }
    }

    /** Builds the manager and hands its certificates and front door to the server's connectors and engines. */
    private void install(Server server) {
        var settings = new ListenerSettings(attributes, ATTRIBUTES, describe());
        var http01 = new InMemoryHttp01Responder();
        var builder = CertificateManager.builder();
        var named = settings.value("ca", "lets-encrypt-staging", "lets-encrypt-staging, lets-encrypt, zerossl or the "
                + "https URL of an ACME directory", CertificateAuthority::named);
        var trusted = settings.optional("caTrust", "a readable PEM file of the roots of the CA's TLS certificate",
                value -> named.withTrustedCertificates(Path.of(value)));
        var ca = trusted != null ? trusted : named;
        var keyId = settings.optional("eabKeyId", "the key id from the CA's console", value -> value);
        var eab = settings.optional("eabHmacKey", "the base64url HMAC key from the CA's console",
                value -> ca.withExternalAccountBinding(keyId, value));
        if ((keyId == null) != (eab == null)) {
            throw settings.wrong(keyId == null ? "eabKeyId" : "eabHmacKey", "is missing",
                    "eabKeyId and eabHmacKey go together: set both, from the CA's console, or neither");
        }
        builder.certificateAuthority(eab != null ? eab : ca);
        if (!"true".equals(attributes.get("acceptTerms"))) {
            throw settings.wrong("acceptTerms", attributes.containsKey("acceptTerms")
                    ? "is '" + attributes.get("acceptTerms") + "'" : "is missing",
                    "read the CA's terms of service (linked from " + ca.directory() + ") and set acceptTerms=\"true\"");
        }
        builder.agreeToTermsOfService();
        settings.optional("email", "an address such as ops@example.com", builder::email);
        var domains = settings.value("domains", null, "names separated by spaces or commas, such as "
                + "\"example.com www.example.com\"", value -> {
                    var names = ListenerSettings.names(value);
                    names.forEach(builder::domain);
                    return names;
                });
        var catalinaBase = System.getProperty("catalina.base", ".");
        var storage = settings.value("storage", Path.of(catalinaBase, "certpilot").toString(),
                "a directory Tomcat's user may write", Path::of);
        builder.storageDirectory(storage);
        builder.keyType(settings.value("keyType", "ec-p256", "ec-p256, ec-p384, rsa-2048, rsa-3072 or rsa-4096",
                value -> KeyType.valueOf(value.toUpperCase(Locale.ROOT).replace('-', '_'))));
        settings.optional("renewalWindow", "a fraction between 0 and 1 such as 0.33",
                value -> builder.renewalWindow(Double.parseDouble(value)));
        builder.challenges(http01);
        manager = builder.build();
        try {
            manager.prepare();
            var https = secureConnectors(server);
            configureFrontDoor(server, settings, http01, https);
            var context = new CertificateManagerSslContext(manager);
            for (var connector : https) {
                var host = new SSLHostConfig();
                host.setHostName(String.valueOf(connector.getProperty("defaultSSLHostConfigName")));
                host.setProtocols(String.join(",", TlsDefaults.PROTOCOLS));
                host.setCiphers(String.join(":", TlsDefaults.CIPHER_SUITES));
                host.setHonorCipherOrder(true);
                var certificate = new SSLHostConfigCertificate(host, SSLHostConfigCertificate.Type.UNDEFINED);
                certificate.setSslContext(context);
                host.addCertificate(certificate);
                connector.addSslHostConfig(host);
            }
            LOG.info("certpilot serves {} on {}; certificates in {}", domains, describe(https), storage);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private void configureFrontDoor(Server server, ListenerSettings settings, InMemoryHttp01Responder http01,
                                    List<Connector> https) {
        var filter = AcmeChallengeFilter.builder(http01).servedHosts(manager);
        var redirect = settings.value("redirect", "true", "true or false", ListenerSettings::bool);
        if (redirect) {
            var firstHttps = https.isEmpty() ? 443 : https.get(0).getPortWithOffset();
            filter.redirectToHttps(settings.value("redirectPort", String.valueOf(firstHttps),
                    "a port number such as 443", ListenerSettings::port));
        }
        settings.optional("hstsMaxAgeSeconds", "a positive number of seconds such as 31536000",
                value -> filter.hsts(Hsts.maxAge(Duration.ofSeconds(Long.parseLong(value)))));
        var valve = filter.build();
        for (var service : server.findServices()) {
            service.getContainer().getPipeline().addValve(new FrontDoorValve(valve));
        }
    }

    /** The connectors certpilot serves: SSL enabled, with no SSLHostConfig of their own. */
    private static List<Connector> secureConnectors(Server server) {
        var connectors = new ArrayList<Connector>();
        for (var service : server.findServices()) {
            for (var connector : service.findConnectors()) {
                if (Boolean.parseBoolean(String.valueOf(connector.getProperty("SSLEnabled")))
                        && connector.findSslHostConfigs().length == 0) {
                    connectors.add(connector);
                }
            }
        }
        return connectors;
    }

    private static String describe(List<Connector> connectors) {
        return connectors.isEmpty() ? "no connector (none has SSLEnabled=\"true\" without an SSLHostConfig)"
                : connectors.stream().map(c -> "port " + c.getPortWithOffset()).toList().toString();
    }

    private void close() {
        if (manager != null) {
            manager.close();
            manager = null;
        }
    }

    private static String describe() {
        return "server.xml <Listener className=\"" + CertpilotListener.class.getName() + "\">";
    }
}
