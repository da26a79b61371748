package dev.certpilot.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.certpilot.core.Hsts;
import dev.certpilot.core.HttpFrontDoor;
import dev.certpilot.core.InMemoryHttp01Responder;
import dev.certpilot.servlet.AcmeChallengeFilter;

/**
 * One hostile and ordinary matrix of raw requests, sent to the servlet filter (in Jetty's servlet container) and
 * to the Jetty handler configured alike: both give the same status and the same front-door headers, never a 5xx,
 * never a key authorization to the wrong host or path.
 */
class FrontDoorParityTest {

    private static final String TOKEN = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA";
    private static final String KEY_AUTHORIZATION = TOKEN + ".9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI";
    private static final List<String> COMPARED = List.of("location", "allow", "strict-transport-security",
            "cache-control");

    private static final InMemoryHttp01Responder RESPONDER = new InMemoryHttp01Responder();
    private static Server servlet;
    private static Server jetty;

    @BeforeAll
    static void start() throws Exception {
        RESPONDER.deploy("localhost", TOKEN, KEY_AUTHORIZATION);
        var hsts = Hsts.maxAge(Duration.ofDays(1));

        var filter = AcmeChallengeFilter.builder(RESPONDER).redirectToHttps(8443).hsts(hsts).build();
        servlet = server();
        var context = new ServletContextHandler("/");
        context.addServlet(new ServletHolder(new HttpServlet() {
            @Override
            protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
                response.setContentType("text/plain");
                response.getWriter().print("app");
            }
        }), "/*");
        context.addFilter(new FilterHolder(filter), "/*", EnumSet.of(DispatcherType.REQUEST));
        servlet.setHandler(context);
        servlet.start();

        jetty = server();
        jetty.setHandler(new AcmeChallengeHandler(HttpFrontDoor.builder(RESPONDER).redirectToHttps(8443).hsts(hsts)
                .build(), new Handler.Abstract() {
                    @Override
                    public boolean handle(org.eclipse.jetty.server.Request request,
                                          org.eclipse.jetty.server.Response response,
                                          org.eclipse.jetty.util.Callback callback) {
                        response.write(true, java.nio.ByteBuffer.wrap("app".getBytes(StandardCharsets.UTF_8)),
                                callback);
                        return true;
                    }
                }));
        jetty.start();
    }

    private static Server server() {
        var server = new Server();
        var config = new HttpConfiguration();
        config.setRequestHeaderSize(32 * 1024);
        var connector = new ServerConnector(server, new HttpConnectionFactory(config));
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        return server;
    }

    @AfterAll
    static void stop() throws Exception {
        servlet.stop();
        jetty.stop();
    }

    static Stream<String> requests() {
        var prefix = HttpFrontDoor.CHALLENGE_PATH;
        var targets = List.of(prefix + TOKEN, prefix + "unknown", prefix + "../../../../etc/passwd",
                prefix + "%2e%2e%2f%2e%2e%2fetc%2fpasswd", prefix + TOKEN + "%2F..%2F..%2Fetc%2Fpasswd",
                prefix + "..%2F" + TOKEN, prefix + "./" + TOKEN, prefix + "%2E/" + TOKEN, prefix + TOKEN + "/",
                prefix + TOKEN + "/extra", prefix + TOKEN + "%00", prefix + TOKEN + "%20",
                prefix + "%65vaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA", prefix + TOKEN.replace('-', '+'),
                prefix + "A".repeat(10_000), prefix + "<script>alert(1)</script>", prefix,
                "/.well-known/acme-challenge//" + TOKEN, "/.well-known/acme-challenge%2F" + TOKEN,
                "/.well-known/%61cme-challenge/" + TOKEN, "/.WELL-KNOWN/ACME-CHALLENGE/" + TOKEN,
                "/static/../.well-known/acme-challenge/" + TOKEN, "/shop/a%20b?item=1&q=%2F", "/");
        var requests = new ArrayList<String>();
        for (var target : targets) {
            requests.add("GET " + target + " HTTP/1.1\r\nHost: localhost");
        }
        requests.add("HEAD " + prefix + TOKEN + " HTTP/1.1\r\nHost: localhost");
        requests.add("GET " + prefix + TOKEN + " HTTP/1.1\r\nHost: LOCALHOST:80");
        requests.add("GET " + prefix + TOKEN + " HTTP/1.1\r\nHost: evil.test");
        requests.add("GET " + prefix + TOKEN + " HTTP/1.0");
        requests.add("POST " + prefix + TOKEN + " HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\n\r\nabc");
        requests.add("DELETE /account HTTP/1.1\r\nHost: localhost");
        requests.add("GET /private HTTP/1.0");
        requests.add("OPTIONS * HTTP/1.1\r\nHost: localhost");
        requests.add("GET / HTTP/1.1\r\nHost: evil.test@localhost");
        requests.add("GET / HTTP/1.1\r\nHost: localhost\r\nX-Forwarded-Proto: https");
        requests.add("GET / HTTP/1.1\r\nHost: [::1]:80");
        return requests.stream();
    }

    @ParameterizedTest
    @MethodSource("requests")
    void theServletFilterAndTheJettyHandlerAnswerAlike(String request) throws Exception {
        var fromServlet = exchange(servlet, request);
        var fromJetty = exchange(jetty, request);
        if (request.startsWith("OPTIONS * ")) {
            // a servlet container answers OPTIONS * itself: no context, so no filter, ever sees it
            assertThat(status(fromServlet)).isLessThan(500);
            assertThat(status(fromJetty)).isEqualTo(200);
            assertThat(header(fromJetty, "allow")).isEqualTo("GET, HEAD, OPTIONS");
            return;
        }

        assertThat(status(fromJetty)).as("%s%nservlet:%n%s%njetty:%n%s", request, fromServlet, fromJetty)
                .isEqualTo(status(fromServlet)).isLessThan(500);
        for (var header : COMPARED) {
            assertThat(header(fromJetty, header)).as(header + " for " + request).isEqualTo(header(fromServlet, header));
        }
        var keyAuthorizationExpected = request.startsWith("GET " + HttpFrontDoor.CHALLENGE_PATH + TOKEN + " ")
                && request.toLowerCase(Locale.ROOT).contains("host: localhost");
        for (var response : List.of(fromServlet, fromJetty)) {
            assertThat(response.contains(KEY_AUTHORIZATION)).as(response).isEqualTo(keyAuthorizationExpected);
            assertThat(response).doesNotContain("127.0.0.1");
        }
    }

    private static String exchange(Server server, String request) throws IOException {
        var port = ((ServerConnector) server.getConnectors()[0]).getLocalPort();
        try (var socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(10_000);
            var head = request.contains("\r\n\r\n") ? request.replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n")
                    : request + "\r\nConnection: close\r\n\r\n";
            socket.getOutputStream().write(head.getBytes(StandardCharsets.ISO_8859_1));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    private static int status(String response) {
        return Integer.parseInt(response.substring(9, 12));
    }

    private static String header(String response, String name) {
        for (var line : response.split("\r\n")) {
            if (line.isEmpty()) {
                break;
            }
            if (line.toLowerCase(Locale.ROOT).startsWith(name + ":")) {
                return line.substring(name.length() + 1).trim();
            }
        }
        return null;
    }
}
