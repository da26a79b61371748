package dev.certpilot.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

/** The front door's decisions, as a pure function; the adapters' parity is tested in certpilot-jetty. */
class HttpFrontDoorTest {

    private static final String TOKEN = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA";

    private final InMemoryHttp01Responder responder = new InMemoryHttp01Responder();

    private HttpFrontDoor.Builder door() {
        responder.deploy("shop.test", TOKEN, TOKEN + ".key");
        return HttpFrontDoor.builder(responder).redirectToHttps(443).hsts(Hsts.maxAge(Duration.ofDays(1)))
                .servedHosts(host -> host.equals("shop.test"));
    }

    private static HttpFrontDoor.Request get(String host, String path) {
        return new HttpFrontDoor.Request("GET", host, path, null, false, null, null);
    }

    @Test
    void aChallengeIsAnsweredForItsHostWhateverTheCaseOrPort() {
        var decision = door().build().decide(get("SHOP.test:80", HttpFrontDoor.CHALLENGE_PATH + TOKEN));

        assertThat(decision.pass()).isFalse();
        assertThat(decision.status()).isEqualTo(200);
        assertThat(decision.body()).isEqualTo(TOKEN + ".key");
        assertThat(decision.header("Cache-Control")).isEqualTo("no-store");
        assertThat(door().build().decide(get("blog.test", HttpFrontDoor.CHALLENGE_PATH + TOKEN)).status())
                .isEqualTo(404);
    }

    @Test
    void onlyServedHostsAreRedirectedAndOnlyToTheirOwnName() {
        var frontDoor = door().build();

        var redirect = frontDoor.decide(new HttpFrontDoor.Request("POST", "shop.test.", "/cart", "a=1", false, null,
                null));
        assertThat(redirect.status()).isEqualTo(308);
        assertThat(redirect.header("Location")).isEqualTo("https://shop.test/cart?a=1");
        assertThat(frontDoor.decide(get("evil.example", "/")).status()).as("not authoritative").isEqualTo(421);
        assertThat(frontDoor.decide(get(null, "/")).status()).as("no Host: never our own address").isEqualTo(400);
        assertThat(frontDoor.decide(get("shop.test:http", "/")).status()).isEqualTo(400);
        assertThat(frontDoor.decide(get("a@shop.test", "/")).status()).isEqualTo(400);
    }

    @Test
    void httpsPassesWithHstsAndForwardedProtoCountsOnlyWhenTrusted() {
        var proxied = new HttpFrontDoor.Request("GET", "shop.test", "/", null, false, null, "https");
        var forwarded = new HttpFrontDoor.Request("GET", "shop.test", "/", null, false, "for=1.2.3.4;proto=https",
                null);

        assertThat(door().build().decide(proxied).status()).as("forged unless trusted").isEqualTo(308);
        var trusted = door().trustForwardedHeaders().build();
        for (var request : new HttpFrontDoor.Request[] {proxied, forwarded}) {
            var decision = trusted.decide(request);
            assertThat(decision.pass()).isTrue();
            assertThat(decision.header("Strict-Transport-Security")).isEqualTo("max-age=86400");
        }
        assertThat(door().build().decide(new HttpFrontDoor.Request("GET", null, "/", null, true, null, null))
                .header("Strict-Transport-Security")).isEqualTo("max-age=86400");
    }

    @Test
    void optionsAsteriskAndDisguisedChallengePathsAreAnsweredHere() {
        var frontDoor = door().build();

        var options = frontDoor.decide(new HttpFrontDoor.Request("OPTIONS", "shop.test", "*", null, false, null, null));
        assertThat(options.status()).isEqualTo(200);
        assertThat(options.header("Allow")).isEqualTo("GET, HEAD, OPTIONS");
        assertThat(frontDoor.decide(get("shop.test", "/.well-known/%61cme-challenge/" + TOKEN)).status())
                .isEqualTo(400);
        assertThat(frontDoor.decide(new HttpFrontDoor.Request("PUT", "shop.test", HttpFrontDoor.CHALLENGE_PATH + TOKEN,
                null, false, null, null)).header("Allow")).isEqualTo("GET, HEAD");
    }
}
