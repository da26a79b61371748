package dev.certpilot.servlet;

import static dev.certpilot.servlet.ServletServer.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletContainerInitializer;
import jakarta.servlet.ServletException;

import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.http.UriCompliance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.certpilot.core.CertificateAuthority;
import dev.certpilot.core.CertificateManager;
import dev.certpilot.core.InMemoryHttp01Responder;

/** The ways of registering the filter that its Javadoc shows, each in a real Jetty. */
class RegistrationTest {

    private static final String TOKEN = AcmeChallengeFilterTest.TOKEN;
    private static final String KEY_AUTHORIZATION = AcmeChallengeFilterTest.KEY_AUTHORIZATION;

    private final InMemoryHttp01Responder responder = new InMemoryHttp01Responder();

    @Test
    void webXmlFormTakesTheResponderFromTheContextAndOptionsFromInitParameters() throws Exception {
        responder.deploy("localhost", TOKEN, KEY_AUTHORIZATION);
        try (var server = ServletServer.start(UriCompliance.DEFAULT, 0, s -> {
            s.context.setAttribute(AcmeChallengeFilter.RESPONDER_ATTRIBUTE, responder);
            s.context.addFilter(webXmlFilter(Map.of(
                    "redirect-to-https-port", "8443",
                    "redirect-status", "308",
                    "hsts-max-age-seconds", "31536000",
                    "hsts-include-subdomains", "true",
                    "hsts-preload", "true",
                    "trust-forwarded-headers", "true")), "/*", EnumSet.of(DispatcherType.REQUEST));
        })) {
            assertThat(server.exchange("GET " + AcmeChallengeFilterTest.CHALLENGE + " HTTP/1.1\r\nHost: localhost"))
                    .startsWith("HTTP/1.1 200").endsWith(KEY_AUTHORIZATION);
            var redirect = server.exchange("GET /x?y HTTP/1.1\r\nHost: localhost");
            assertThat(status(redirect)).isEqualTo(308);
            assertThat(redirect).contains("Location: https://localhost:8443/x?y");
            assertThat(server.exchange("GET /x HTTP/1.1\r\nHost: localhost\r\nX-Forwarded-Proto: https"))
                    .contains("Strict-Transport-Security: max-age=31536000; includeSubDomains; preload");
        }
    }

    @Test
    void webXmlFormTakesTheManagerFromTheContextSoThatOtherHostsGet421(@TempDir Path storage) throws Exception {
        try (var manager = CertificateManager.builder().certificateAuthority(CertificateAuthority.of(
                "https://127.0.0.1:1/dir")).agreeToTermsOfService().challenges(responder).storageDirectory(storage)
                .domain("shop.test").build();
             var server = ServletServer.start(UriCompliance.DEFAULT, 0, s -> {
                 s.context.setAttribute(AcmeChallengeFilter.RESPONDER_ATTRIBUTE, responder);
                 s.context.setAttribute(AcmeChallengeFilter.MANAGER_ATTRIBUTE, manager);
                 s.context.addFilter(webXmlFilter(Map.of("redirect-to-https-port", "443")), "/*",
                         EnumSet.of(DispatcherType.REQUEST));
             })) {
            assertThat(status(server.exchange("GET /x HTTP/1.1\r\nHost: shop.test"))).isEqualTo(308);
            assertThat(status(server.exchange("GET /x HTTP/1.1\r\nHost: other.test"))).as("not served here")
                    .isEqualTo(421);
        }
        assertThatThrownBy(() -> ServletServer.start(UriCompliance.DEFAULT, 0, s -> {
            s.context.setAttribute(AcmeChallengeFilter.RESPONDER_ATTRIBUTE, responder);
            s.context.setAttribute(AcmeChallengeFilter.MANAGER_ATTRIBUTE, "a manager");
            s.context.addFilter(webXmlFilter(Map.of()), "/*", EnumSet.of(DispatcherType.REQUEST));
        }).close()).isInstanceOf(ServletException.class)
                .hasMessageContaining("'" + AcmeChallengeFilter.MANAGER_ATTRIBUTE + "' holds a java.lang.String");
    }

    @Test
    void webXmlFormNamesAWrongInitParameter() {
        assertThatThrownBy(() -> startWebXml(Map.of("redirect-status", "302")))
                .hasRootCauseInstanceOf(IllegalArgumentException.class)
                .isInstanceOf(ServletException.class)
                .hasMessageContaining("redirectStatus must be 301 or 308, got 302");
        assertThatThrownBy(() -> startWebXml(Map.of("redirect-to-https-port", "https")))
                .hasMessageContaining("redirect-to-https-port must be a whole number, got 'https'");
        assertThatThrownBy(() -> startWebXml(Map.of("hsts-max-age-seconds", "60", "hsts-preload", "true",
                "hsts-include-subdomains", "yes")))
                .hasMessageContaining("hsts-include-subdomains must be true or false, got 'yes'");
        assertThatThrownBy(() -> startWebXml(Map.of("hsts-max-age-seconds", "60", "hsts-preload", "true",
                "hsts-include-subdomains", "true")))
                .hasMessageContaining("preload requires a maxAge of at least 365 days");
        assertThatThrownBy(() -> startWebXml(Map.of("hsts-preload", "true")))
                .hasMessageContaining("need hsts-max-age-seconds");
    }

    @Test
    void webXmlFormWithoutTheContextAttributeSaysHowToSetIt() {
        assertThatThrownBy(() -> ServletServer.start(UriCompliance.DEFAULT, 0, s -> s.context.addFilter(
                webXmlFilter(Map.of()), "/*", EnumSet.of(DispatcherType.REQUEST))).close())
                .isInstanceOf(ServletException.class)
                .hasMessageContaining("servlet context attribute '" + AcmeChallengeFilter.RESPONDER_ATTRIBUTE + "'")
                .hasMessageContaining("ServletContextListener");
    }

    @Test
    void servletContainerInitializerFormUsesServletContextAddFilter() throws Exception {
        responder.deploy("localhost", TOKEN, KEY_AUTHORIZATION);
        ServletContainerInitializer initializer = (Set<Class<?>> classes, jakarta.servlet.ServletContext context) ->
                context.addFilter("acme", AcmeChallengeFilter.builder(responder).redirectToHttps(443).build())
                        .addMappingForUrlPatterns(null, false, "/*");
        try (var server = ServletServer.start(UriCompliance.DEFAULT, 0,
                s -> s.context.addServletContainerInitializer(initializer))) {
            assertThat(server.exchange("GET " + AcmeChallengeFilterTest.CHALLENGE + " HTTP/1.1\r\nHost: localhost"))
                    .startsWith("HTTP/1.1 200").endsWith(KEY_AUTHORIZATION);
            assertThat(server.exchange("GET /a HTTP/1.1\r\nHost: localhost")).startsWith("HTTP/1.1 308")
                    .contains("Location: https://localhost/a");
        }
    }

    private void startWebXml(Map<String, String> parameters) throws Exception {
        ServletServer.start(UriCompliance.DEFAULT, 0, s -> {
            s.context.setAttribute(AcmeChallengeFilter.RESPONDER_ATTRIBUTE, responder);
            s.context.addFilter(webXmlFilter(parameters), "/*", EnumSet.of(DispatcherType.REQUEST));
        }).close();
    }

    /** What a {@code <filter>} element in web.xml declares: the class and its init parameters. */
    private static FilterHolder webXmlFilter(Map<String, String> parameters) {
        var holder = new FilterHolder(AcmeChallengeFilter.class);
        holder.setName("acme");
        holder.setInitParameters(parameters);
        return holder;
    }
}
