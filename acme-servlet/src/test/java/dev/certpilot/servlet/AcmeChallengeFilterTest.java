package dev.certpilot.servlet;

import static dev.certpilot.servlet.ServletServer.status;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.eclipse.jetty.http.UriCompliance;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.certpilot.core.Hsts;
import dev.certpilot.core.InMemoryHttp01Responder;

/** The filter in a real Jetty servlet server, over plain HTTP. */
class AcmeChallengeFilterTest {

    static final String TOKEN = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA";
    static final String KEY_AUTHORIZATION = TOKEN + ".9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI";
    static final String CHALLENGE = AcmeChallengeFilter.CHALLENGE_PATH + TOKEN;

    private final InMemoryHttp01Responder responder = new InMemoryHttp01Responder();
    private final HttpClient client = HttpClient.newHttpClient();
    private ServletServer server;

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void answersAPendingChallengeAsPlainTextToItsHostOnly() throws Exception {
        responder.deploy("localhost", TOKEN, KEY_AUTHORIZATION);
        server = ServletServer.start(new AcmeChallengeFilter(responder));

        var answer = get("http://localhost:" + server.port() + CHALLENGE);
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).isEqualTo(KEY_AUTHORIZATION);
        assertThat(answer.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("text/plain"));
        assertThat(answer.headers().firstValue("Cache-Control")).hasValue("no-store");

        var otherHost = get("http://127.0.0.1:" + server.port() + CHALLENGE);
        assertThat(otherHost.statusCode()).isEqualTo(404);
        assertThat(otherHost.body()).doesNotContain(KEY_AUTHORIZATION);

        var head = client.send(HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + CHALLENGE))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValueAsLong("Content-Length")).hasValue(KEY_AUTHORIZATION.length());

        responder.remove("localhost", TOKEN);
        assertThat(get("http://localhost:" + server.port() + CHALLENGE).statusCode()).isEqualTo(404);
    }

    @Test
    void everyOtherRequestPassesDownTheChainUntouched() throws Exception {
        server = ServletServer.start(new AcmeChallengeFilter(responder));

        var answer = get("http://localhost:" + server.port() + "/shop/cart?item=1");
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).isEqualTo("app /shop/cart");
        assertThat(answer.headers().firstValue("Strict-Transport-Security")).isEmpty();
    }

    @Test
    void otherMethodsOnTheChallengePathGet405() throws Exception {
        responder.deploy("localhost", TOKEN, KEY_AUTHORIZATION);
        server = ServletServer.start(new AcmeChallengeFilter(responder));

        for (var method : List.of("POST", "PUT", "DELETE", "OPTIONS")) {
            var answer = client.send(HttpRequest.newBuilder(URI.create("http://localhost:" + server.port()
                    + CHALLENGE)).method(method, HttpRequest.BodyPublishers.ofString("x")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(answer.statusCode()).as(method).isEqualTo(405);
            assertThat(answer.headers().firstValue("Allow")).hasValue("GET, HEAD");
            assertThat(answer.body()).doesNotContain(KEY_AUTHORIZATION);
        }
    }

    static Stream<Arguments> hostileRequests() {
        var prefix = AcmeChallengeFilter.CHALLENGE_PATH;
        var targets = List.of(
                prefix + "../../../../etc/passwd",
                prefix + "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
                prefix + TOKEN + "%2F..%2F..%2Fetc%2Fpasswd",
                prefix + "..%2F" + TOKEN,
                prefix + "./" + TOKEN,
                prefix + "%2E/" + TOKEN,
                prefix + TOKEN + "/",
                prefix + TOKEN + "/extra",
                prefix + TOKEN + ";jsessionid=1",
                prefix + TOKEN + "%00",
                prefix + TOKEN + "%20",
                prefix + "%65vaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA",
                prefix + TOKEN.replace('-', '+'),
                prefix + "A".repeat(10_000),
                prefix + "%41".repeat(3_000),
                prefix + "<script>alert(1)</script>",
                prefix + "\u00e9t\u00e9",
                prefix,
                "/.well-known/acme-challenge//" + TOKEN,
                "/.well-known/acme-challenge%2F" + TOKEN,
                "/.well-known/./acme-challenge/" + TOKEN + "/..",
                "/.well-known/%61cme-challenge/" + TOKEN,
                "/.WELL-KNOWN/ACME-CHALLENGE/" + TOKEN,
                "/static/../.well-known/acme-challenge/" + TOKEN);
        var cases = new ArrayList<Arguments>();
        for (var compliance : List.of(UriCompliance.DEFAULT, UriCompliance.UNSAFE)) {
            for (var target : targets) {
                cases.add(Arguments.of(compliance, "GET " + target + " HTTP/1.1\r\nHost: localhost"));
            }
            cases.add(Arguments.of(compliance, "GET " + prefix + TOKEN + " HTTP/1.1\r\nHost: evil.test"));
            cases.add(Arguments.of(compliance, "GET " + prefix + TOKEN + " HTTP/1.1\r\nHost: localhost.evil.test"));
            cases.add(Arguments.of(compliance, "GET " + prefix + TOKEN + " HTTP/1.0"));
            cases.add(Arguments.of(compliance, "POST " + prefix + TOKEN + " HTTP/1.1\r\nHost: localhost\r\n"
                    + "Content-Length: 3\r\n\r\nabc"));
            cases.add(Arguments.of(compliance, "GET /" + "%2e%2e/".repeat(5) + "etc/passwd HTTP/1.1\r\nHost: localhost"));
        }
        return cases.stream();
    }

    @ParameterizedTest
    @MethodSource("hostileRequests")
    void hostileRequestsNeverGet5xxNorAKeyAuthorization(UriCompliance compliance, String request) throws Exception {
        responder.deploy("localhost", TOKEN, KEY_AUTHORIZATION);
        server = ServletServer.start(compliance, 0, s -> s.add(new AcmeChallengeFilter(responder)));

        var response = server.exchange(request);

        assertThat(status(response)).as(response).isBetween(400, 499);
        assertThat(response).doesNotContain(KEY_AUTHORIZATION).doesNotContain("root:");
    }

    @Test
    void redirectsPlainHttpToHttpsKeepingPathAndQueryButNotTheChallengePath() throws Exception {
        responder.deploy("localhost", TOKEN, KEY_AUTHORIZATION);
        server = ServletServer.start(AcmeChallengeFilter.builder(responder).redirectToHttps(8443).build());
        var base = "http://localhost:" + server.port();

        var redirect = get(base + "/shop/a%20b?item=1&q=%2F");
        assertThat(redirect.statusCode()).isEqualTo(308);
        assertThat(redirect.headers().firstValue("Location")).hasValue("https://localhost:8443/shop/a%20b?item=1&q=%2F");

        var challenge = get(base + CHALLENGE);
        assertThat(challenge.statusCode()).isEqualTo(200);
        assertThat(challenge.body()).isEqualTo(KEY_AUTHORIZATION);
        assertThat(get(base + AcmeChallengeFilter.CHALLENGE_PATH + "unknown").statusCode())
                .as("an unknown challenge is not redirected either").isEqualTo(404);
    }

    @Test
    void redirectTo443Uses308WhenAskedAndOmitsThePort() throws Exception {
        server = ServletServer.start(AcmeChallengeFilter.builder(responder).redirectToHttps(443).redirectStatus(308)
                .build());

        var redirect = client.send(HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + "/form"))
                .POST(HttpRequest.BodyPublishers.ofString("a=1")).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(redirect.statusCode()).isEqualTo(308);
        assertThat(redirect.headers().firstValue("Location")).hasValue("https://localhost/form");
    }

    @Test
    void aMalformedHostIsRefusedRatherThanRedirectedTo() throws Exception {
        server = ServletServer.start(AcmeChallengeFilter.builder(responder).redirectToHttps(443).build());

        var response = server.exchange("GET / HTTP/1.1\r\nHost: evil.test@localhost");

        assertThat(status(response)).isEqualTo(400);
        assertThat(response).doesNotContain("Location");
    }

    @Test
    void http10WithoutHostIsRefusedRatherThanRedirectedToTheServersOwnAddress() throws Exception {
        server = ServletServer.start(AcmeChallengeFilter.builder(responder).redirectToHttps(443).build());

        var response = server.exchange("GET /private HTTP/1.0");

        assertThat(status(response)).isEqualTo(400);
        assertThat(response).doesNotContain("Location").doesNotContain("127.0.0.1");
    }

    @Test
    void optionsAsteriskIsNeitherAServerErrorNorARedirect() throws Exception {
        server = ServletServer.start(AcmeChallengeFilter.builder(responder).redirectToHttps(443).build());

        var response = server.exchange("OPTIONS * HTTP/1.1\r\nHost: localhost");

        assertThat(status(response)).as(response).isLessThan(500);
        assertThat(response).doesNotContain("Location");
    }

    @Test
    void forwardedProtoIsHonouredOnlyWhenTrusted() throws Exception {
        var hsts = Hsts.maxAge(java.time.Duration.ofDays(365)).includingSubDomains();
        server = ServletServer.start(AcmeChallengeFilter.builder(responder).redirectToHttps(443).hsts(hsts)
                .trustForwardedHeaders().build());

        for (var header : List.of("X-Forwarded-Proto: https", "Forwarded: for=192.0.2.1;proto=https",
                "Forwarded: for=\"[2001:db8::1]\";Proto=\"HTTPS\", for=10.0.0.1;proto=http")) {
            var response = server.exchange("GET /page HTTP/1.1\r\nHost: localhost\r\n" + header);
            assertThat(status(response)).as(header).isEqualTo(200);
            assertThat(response).as(header).contains("Strict-Transport-Security: max-age=31536000; includeSubDomains")
                    .endsWith("app /page");
        }
        var plain = server.exchange("GET /page HTTP/1.1\r\nHost: localhost\r\nX-Forwarded-Proto: http");
        assertThat(status(plain)).isEqualTo(308);
        assertThat(plain).doesNotContain("Strict-Transport-Security");
        server.close();

        server = ServletServer.start(AcmeChallengeFilter.builder(responder).redirectToHttps(443).hsts(hsts).build());
        var untrusted = server.exchange("GET /page HTTP/1.1\r\nHost: localhost\r\nX-Forwarded-Proto: https");
        assertThat(status(untrusted)).as("forged header ignored").isEqualTo(308);
        assertThat(untrusted).doesNotContain("Strict-Transport-Security");
    }

    private HttpResponse<String> get(String url) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
