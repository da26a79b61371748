package dev.certpilot.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import com.sun.net.httpserver.HttpServer;

import dev.certpilot.core.CertificateManager;
import dev.certpilot.core.WebhookNotifier;
import dev.certpilot.test.LoopbackPorts;

/**
 * The README's {@code certpilot.notify.*} block in an application context, with a real SMTP server (GreenMail) and a
 * real HTTP receiver in place of the README's, and a CA that cannot be reached: after two failed attempts at a first
 * certificate, one mail and one signed webhook call say so, with the fix. A wrong value names its property.
 */
class NotifyPropertiesTest {

    @TempDir
    Path storage;

    private GreenMail smtp;
    private HttpServer receiver;
    private final BlockingQueue<String[]> calls = new LinkedBlockingQueue<>();

    @AfterEach
    void stop() {
        if (smtp != null) {
            smtp.stop();
        }
        if (receiver != null) {
            receiver.stop(0);
        }
    }

    private ApplicationContextRunner runner() {
        return CertpilotContexts.runner(storage).withPropertyValues("certpilot.renewal.retry-initial=1s",
                "certpilot.renewal.retry-max=2s");
    }

    /** The README's block, the SMTP server and webhook replaced by the test's, as property values. */
    private String[] theReadmesBlock(int smtpPort, int webhookPort) throws Exception {
        var readme = Files.readString(Path.of("../README.md"));
        var matcher = Pattern.compile("```properties\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        String block = null;
        while (matcher.find()) {
            if (matcher.group(1).contains("certpilot.notify.mail.host=")) {
                block = matcher.group(1);
            }
        }
        assertThat(block).as("the README's certpilot.notify block").isNotNull();
        assertThat(block).contains("smtp.example.com", "https://hooks.slack.com/services/T000/B000/XXXX");
        block = block.replace("certpilot.notify.mail.host=smtp.example.com", "certpilot.notify.mail.host=127.0.0.1")
                .replace("https://hooks.slack.com/services/T000/B000/XXXX", "http://127.0.0.1:" + webhookPort
                        + "/hook");
        var values = new ArrayList<String>();
        block.lines().filter(line -> !line.isBlank() && !line.startsWith("#")).forEach(values::add);
        // the test's server speaks plain SMTP on a port of its own; the secrets come from the environment
        values.add("certpilot.notify.mail.port=" + smtpPort);
        values.add("certpilot.notify.mail.security=none");
        values.add("SMTP_PASSWORD=smtp-password");
        values.add("WEBHOOK_SECRET=webhook-secret-of-the-test-0123456789");
        return values.toArray(String[]::new);
    }

    @Test
    void theReadmesBlockTellsByMailAndWebhookThatNoCertificateCameFromTheCa() throws Exception {
        int smtpPort = LoopbackPorts.free();
        smtp = new GreenMail(new ServerSetup(smtpPort, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.setUser("certpilot@example.com", "certpilot@example.com", "smtp-password");
        smtp.start();
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", exchange -> {
            calls.add(new String[] {new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8),
                    exchange.getRequestHeaders().getFirst(WebhookNotifier.SIGNATURE_HEADER)});
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        receiver.start();

        runner().withPropertyValues(theReadmesBlock(smtpPort, receiver.getAddress().getPort())).run(context -> {
            assertThat(context).hasNotFailed();
            try (var manager = context.getBean(CertificateManager.class)) {
                manager.start();
                var call = calls.poll(30, TimeUnit.SECONDS);
                assertThat(call).as("a webhook call").isNotNull();
                assertThat(call[0]).contains("\"kind\":\"NOT_OBTAINED\"", "app.example.test");
                var time = Long.parseLong(call[1].substring(2, call[1].indexOf(',')));
                assertThat(call[1]).isEqualTo(WebhookNotifier.signature("webhook-secret-of-the-test-0123456789",
                        time, call[0]));
                assertThat(smtp.waitForIncomingEmail(10_000, 1)).isTrue();
                var mail = smtp.getReceivedMessages()[0];
                assertThat(mail.getSubject()).isEqualTo("[certpilot] app.example.test: no certificate from the CA "
                        + "yet: clients get the self-signed bootstrap certificate");
                assertThat((String) mail.getContent()).contains("What to do: Check that this host reaches the CA");
                assertThat(mail.getFrom()[0].toString()).isEqualTo("certpilot@example.com");
            }
        });
    }

    @Test
    void aWrongValueNamesItsProperty() {
        CertpilotContexts.expectFault(runner(), "certpilot.notify.webhook.secret", "at least 16 characters",
                "certpilot.notify.webhook.url=https://hooks.example.test/x", "certpilot.notify.webhook.secret=short");
        CertpilotContexts.expectFault(runner(), "certpilot.notify.mail.to", "recipients' addresses",
                "certpilot.notify.mail.host=smtp.example.test", "certpilot.notify.mail.from=certpilot@example.test",
                "certpilot.notify.mail.to=not an address");
        CertpilotContexts.expectFault(runner(), "certpilot.notify.mail.security", "starttls, smtps or none",
                "certpilot.notify.mail.host=smtp.example.test", "certpilot.notify.mail.security=ssl");
    }
}
