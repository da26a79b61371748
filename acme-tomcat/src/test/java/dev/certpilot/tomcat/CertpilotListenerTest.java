package dev.certpilot.tomcat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.file.Path;
import java.util.Map;

import org.apache.catalina.startup.Tomcat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each wrong attribute of the listener stops Tomcat's initialization with a message that names the attribute and the
 * fix, on a real (embedded) Tomcat. No CA is contacted: nothing gets as far as an order.
 */
class CertpilotListenerTest {

    @TempDir
    Path storage;

    @Test
    void eachWrongAttributeIsNamedWithItsFix() {
        var good = Map.of("domains", "shop.test", "acceptTerms", "true", "ca", "https://127.0.0.1:1/dir",
                "storage", storage.toString());
        assertThat(failure(good, "domain", "shop.test")).contains("unknown attribute domain; the attributes are [");
        assertThat(failure(good, "ca", "letsencrypt")).contains("attribute ca is 'letsencrypt'")
                .contains("lets-encrypt-staging, lets-encrypt, zerossl or the https URL");
        assertThat(failure(good, "acceptTerms", "yes")).contains("attribute acceptTerms is 'yes'")
                .contains("set acceptTerms=\"true\"");
        assertThat(failure(good, "renewalWindow", "2")).contains("attribute renewalWindow is '2'")
                .contains("a fraction between 0 and 1");
        assertThat(failure(good, "keyType", "rsa-1024")).contains("attribute keyType is 'rsa-1024'")
                .contains("ec-p256, ec-p384, rsa-2048, rsa-3072 or rsa-4096");
        assertThat(failure(good, "eabKeyId", "kid-1")).contains("attribute eabHmacKey is missing");
        assertThat(failure(good, "redirectPort", "https")).contains("attribute redirectPort is 'https'");
        assertThat(failure(good, "caTrust", storage.resolve("missing.pem").toString()))
                .contains("attribute caTrust is '").contains("a readable PEM file");
    }

    @Test
    void goodAttributesInitializeTomcatWithCertpilotsHttpsConnector() throws Exception {
        var tomcat = tomcat(Map.of("domains", "shop.test www.shop.test", "acceptTerms", "true",
                "ca", "https://127.0.0.1:1/dir", "storage", storage.toString()));
        try {
            tomcat.init();
            var https = tomcat.getService().findConnectors()[1];
            assertThat(https.findSslHostConfigs()).singleElement().satisfies(host -> assertThat(host
                    .getCertificates()).singleElement().satisfies(certificate -> assertThat(certificate
                    .getSslContext()).isInstanceOf(CertificateManagerSslContext.class)));
            assertThat(tomcat.getEngine().getPipeline().getValves()).hasAtLeastOneElementOfType(FrontDoorValve.class);
        } finally {
            tomcat.destroy();
        }
    }

    private String failure(Map<String, String> good, String name, String value) {
        var attributes = new java.util.HashMap<>(good);
        if (name.equals("domain")) {
            attributes.remove("domains");
        }
        attributes.put(name, value);
        var tomcat = tomcat(attributes);
        try {
            var thrown = catchThrowable(tomcat::init);
            assertThat(thrown).as("%s=%s", name, value).isNotNull();
            var messages = new StringBuilder();
            for (var cause = thrown; cause != null; cause = cause.getCause()) {
                messages.append(cause.getMessage()).append('\n');
            }
            assertThat(messages.toString()).contains("server.xml <Listener className=\""
                    + CertpilotListener.class.getName() + "\">");
            return messages.toString();
        } finally {
            try {
                tomcat.destroy();
            } catch (Exception ignored) {
                // a Tomcat that failed to initialize
            }
        }
    }

    private Tomcat tomcat(Map<String, String> attributes) {
        var tomcat = new Tomcat();
        tomcat.setBaseDir(storage.resolve("tomcat").toString());
        var listener = new CertpilotListener();
        attributes.forEach(listener::setProperty);
        tomcat.getServer().addLifecycleListener(listener);
        var plain = new org.apache.catalina.connector.Connector();
        plain.setPort(0);
        plain.setProperty("bindOnInit", "false");
        tomcat.getService().addConnector(plain);
        var https = new org.apache.catalina.connector.Connector();
        https.setPort(8443);
        https.setProperty("bindOnInit", "false"); // initialized only: nothing is bound
        https.setProperty("SSLEnabled", "true");
        https.setSecure(true);
        https.setScheme("https");
        tomcat.getService().addConnector(https);
        tomcat.getHost();
        return tomcat;
    }
}
