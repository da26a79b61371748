package dev.certpilot.mail;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

import javax.tools.ToolProvider;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.shredzone.acme4j.toolbox.JSON;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import com.sun.net.httpserver.HttpServer;

import dev.certpilot.core.CertificateAuthority;
import dev.certpilot.core.CertificateEvent;
import dev.certpilot.core.CertificateManager;
import dev.certpilot.core.CertificateManagerBuilder;
import dev.certpilot.core.InMemoryHttp01Responder;
import dev.certpilot.core.WebhookNotifier;
import dev.certpilot.test.Http01Server;
import dev.certpilot.test.LoopbackPorts;
import dev.certpilot.test.Pebble;
import dev.certpilot.test.PebbleExtension;

/**
 * The README's "Being told" Java block, compiled as written (the SMTP server, the webhook URL and the secrets replaced
 * by the test's), on a manager that renews 90-second certificates from Pebble, with a real SMTP server (GreenMail)
 * and a real HTTP receiver. When the CA cannot reach the challenge, the renewal keeps failing: one mail and one
 * signed webhook call say so, and nothing more while it goes on; when it works again, one all-clear each.
 */
class NoticesIT {

    @RegisterExtension
    static final PebbleExtension PEBBLE = PebbleExtension.withSettings(b -> b
            .certificateValidity(Duration.ofSeconds(90)).nonceRejectPercent(0).authorizationReusePercent(0));

    private static final String SECRET = "webhook-secret-of-the-test-0123456789";

    @TempDir
    Path work;

    private final InMemoryHttp01Responder http01 = new InMemoryHttp01Responder();
    private final AtomicBoolean answering = new AtomicBoolean(true);
    private final BlockingQueue<String[]> webhookCalls = new LinkedBlockingQueue<>();
    private final AtomicInteger failures = new AtomicInteger();
    private GreenMail smtp;
    private HttpServer receiver;
    private Http01Server challenges;

    @AfterEach
    void stop() {
        if (challenges != null) {
            challenges.close();
        }
        if (smtp != null) {
            smtp.stop();
        }
        if (receiver != null) {
            receiver.stop(0);
        }
    }

    @Test
    void aFailingRenewalIsToldOnceByMailAndWebhookAndItsEndToo(Pebble pebble) throws Exception {
        int smtpPort = LoopbackPorts.free();
        smtp = new GreenMail(new ServerSetup(smtpPort, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.setUser("certpilot@example.com", "certpilot@example.com", "smtp-password");
        smtp.start();
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", exchange -> {
            var body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            webhookCalls.add(new String[] {body, exchange.getRequestHeaders().getFirst("X-Certpilot-Signature")});
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        challenges = Http01Server.start(pebble.httpPort(),
                (host, token) -> answering.get() ? http01.keyAuthorization(host, token) : Optional.empty());

        var builder = CertificateManager.builder()
                .certificateAuthority(CertificateAuthority.of(pebble.directory().toString())
                        .withTrustedCertificates(pebble.listenerCaFile()))
                .agreeToTermsOfService()
                .certificate("shop", "shop.notices.test")
                .challenges(http01)
                .storageDirectory(work.resolve("storage"))
                .renewalWindow(0.8)                                  // renew with 72 of the 90 seconds left
                .expiryWarning(Duration.ofSeconds(60))               // 36 s: half the renewal window
                .retryBackoff(Duration.ofSeconds(1), Duration.ofSeconds(4))
                .listener(event -> {
                    if (event instanceof CertificateEvent.Failed) {
                        failures.incrementAndGet();
                    }
                });
        theReadmesBlock(smtpPort, URI.create("http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook"))
                .invoke(null, builder);

        try (var manager = builder.build()) {
            manager.start();
            manager.awaitCertificates(Duration.ofSeconds(60));
            answering.set(false);

            var told = webhookCalls.poll(150, TimeUnit.SECONDS);
            assertThat(told).as("a webhook call while the renewal keeps failing").isNotNull();
            var notice = JSON.parse(told[0]).get("certpilot").asObject();
            assertThat(notice.get("kind").asString()).isEqualTo("EXPIRING");
            assertThat(notice.get("certificate").asString()).isEqualTo("shop");
            assertThat(notice.get("detail").asString()).contains("shop.notices.test");
            assertThat(notice.get("fix").asString()).contains("/.well-known/acme-challenge/");
            checkSignature(told);
            assertThat(smtp.waitForIncomingEmail(10_000, 1)).isTrue();
            var mail = smtp.getReceivedMessages()[0];
            assertThat(mail.getSubject()).startsWith("[certpilot] shop: renewal keeps failing, and the certificate "
                    + "expires in ");
            assertThat(mail.getAllRecipients()[0].toString()).isEqualTo("ops@example.com");

            // it goes on failing: nothing more is told within the reminder interval
            var failuresThen = failures.get();
            var deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (failures.get() < failuresThen + 2 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(failures.get()).as("two more failed attempts").isGreaterThanOrEqualTo(failuresThen + 2);
            assertThat(webhookCalls).as("no second webhook call").isEmpty();
            assertThat(smtp.getReceivedMessages()).as("no second mail").hasSize(1);

            answering.set(true);
            var clear = webhookCalls.poll(60, TimeUnit.SECONDS);
            assertThat(clear).as("the all-clear").isNotNull();
            assertThat(JSON.parse(clear[0]).get("certpilot").asObject().get("kind").asString())
                    .isEqualTo("RECOVERED");
            checkSignature(clear);
            assertThat(smtp.waitForIncomingEmail(10_000, 2)).isTrue();
            assertThat(smtp.getReceivedMessages()[1].getSubject()).startsWith("[certpilot] shop: resolved: "
                    + "certificate ");
            var counted = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (manager.notificationCounts().sent() < 4 && System.nanoTime() < counted) {
                Thread.sleep(10); // counted once the notifier returns, just after the server has the message
            }
            assertThat(manager.notificationCounts().sent()).isEqualTo(4);
            assertThat(manager.notificationCounts().failed()).isZero();
        }
    }

    private static void checkSignature(String[] call) {
        var signature = call[1];
        assertThat(signature).matches("t=\\d+,v1=[0-9a-f]{64}");
        var time = Long.parseLong(signature.substring(2, signature.indexOf(',')));
        assertThat(Instant.ofEpochSecond(time)).isBetween(Instant.now().minusSeconds(300), Instant.now());
        assertThat(signature).isEqualTo(WebhookNotifier.signature(SECRET, time, call[0]));
    }

    /** The README's block, compiled into {@code configure(builder)} with the test's server and secrets. */
    private Method theReadmesBlock(int smtpPort, URI webhook) throws Exception {
        var readme = Files.readString(Path.of("../README.md"));
        var matcher = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        String block = null;
        while (matcher.find()) {
            if (matcher.group(1).contains("builder.notifications(Notifications.to(mail, webhook));")) {
                block = matcher.group(1);
            }
        }
        assertThat(block).as("the README's notification block").isNotNull();
        block = replace(block, "MailNotifier.builder(\"smtp.example.com\", 587)", "MailNotifier.builder(\"127.0.0.1\", "
                + smtpPort + ").security(MailNotifier.Security.NONE)");
        block = replace(block, "System.getenv(\"SMTP_PASSWORD\")", "\"smtp-password\"");
        block = replace(block, "https://hooks.slack.com/services/T000/B000/XXXX", webhook.toString());
        block = replace(block, "System.getenv(\"WEBHOOK_SECRET\")", "\"" + SECRET + "\"");
        var source = work.resolve("src/ReadmeNotifications.java");
        Files.createDirectories(source.getParent());
        Files.writeString(source, """
                import java.net.URI;
                import dev.certpilot.core.*;
                import dev.certpilot.mail.*;

                public class ReadmeNotifications {
                    public static void configure(CertificateManagerBuilder builder) {
                %s
                    }
                }
                """.formatted(block.indent(8)));
        var classes = work.resolve("classes");
        Files.createDirectories(classes);
        var compiler = ToolProvider.getSystemJavaCompiler();
        var output = new ByteArrayOutputStream();
        var result = compiler.run(null, output, output, "-d", classes.toString(), "-cp",
                System.getProperty("java.class.path"), source.toString());
        assertThat(result).as(output.toString()).isZero();
        var loader = new URLClassLoader(new URL[] {classes.toUri().toURL()}, getClass().getClassLoader());
        return loader.loadClass("ReadmeNotifications").getMethod("configure", CertificateManagerBuilder.class);
    }

    private static String replace(String text, String from, String to) {
        assertThat(text).as("the README's block still holds %s", from).contains(from);
        return text.replace(from, to);
    }
}
