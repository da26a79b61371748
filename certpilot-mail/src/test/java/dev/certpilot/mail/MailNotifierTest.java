package dev.certpilot.mail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.FileInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import jakarta.mail.MessagingException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;

import dev.certpilot.core.Notice;
import dev.certpilot.test.LoopbackPorts;

/**
 * The mail notifier against a real SMTP server started by the test (GreenMail), over SMTPS with a login and a
 * certificate for {@code localhost} that the test made with the JDK's keytool, and over plain SMTP: the message
 * arrives with the notice's subject and text; a certificate that does not name the host is refused; STARTTLS is
 * required when chosen; bad settings name the field.
 */
class MailNotifierTest {

    @TempDir
    static Path keys;
    private static SSLContext trustingTheServer;

    private GreenMail server;

    @BeforeAll
    static void aCertificateForLocalhost() throws Exception {
        var keyStore = keys.resolve("smtp.p12");
        keytool("-genkeypair", "-alias", "smtp", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
                "-ext", "SAN=dns:localhost", "-validity", "2", "-keystore", keyStore.toString(),
                "-storetype", "PKCS12", "-storepass", "changeit", "-keypass", "changeit");
        keytool("-exportcert", "-rfc", "-alias", "smtp", "-keystore", keyStore.toString(), "-storepass", "changeit",
                "-file", keys.resolve("smtp.pem").toString());
        // GreenMail's TLS server reads its key from these, once per JVM
        System.setProperty("greenmail.tls.keystore.file", keyStore.toString());
        System.setProperty("greenmail.tls.keystore.password", "changeit");
        System.setProperty("greenmail.tls.key.password", "changeit");
        var trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (var in = new FileInputStream(keys.resolve("smtp.pem").toFile())) {
            trust.setCertificateEntry("smtp", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        var factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        trustingTheServer = SSLContext.getInstance("TLS");
        trustingTheServer.init(null, factory.getTrustManagers(), null);
    }

    private static void keytool(String... arguments) throws Exception {
        var command = new ArrayList<String>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(arguments));
        var process = new ProcessBuilder(command).redirectErrorStream(true).start();
        var output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop();
        }
    }

    private static Notice expiring() {
        return new Notice(Notice.Kind.EXPIRING, "shop", List.of("shop.test", "www.shop.test"),
                "renewal keeps failing, and the certificate expires in 2 days", "Validation of shop.test failed; "
                + "http-01: couldn't download http://shop.test/.well-known/acme-challenge/abc", 4,
                Instant.parse("2027-03-01T12:00:00Z"), "Make sure the CA reaches this process",
                Instant.parse("2027-03-01T10:00:00Z"), List.of());
    }

    @Test
    void overSmtpsWithALoginTheNoticeArrivesAsWritten() throws Exception {
        int port = LoopbackPorts.free();
        server = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTPS));
        server.setUser("certpilot@example.test", "certpilot", "s3cret-password");
        server.start();

        var mail = MailNotifier.builder("localhost", port).security(MailNotifier.Security.SMTPS)
                .credentials("certpilot", "s3cret-password").sslContext(trustingTheServer)
                .from("certpilot@example.test").to("ops@example.test", "oncall@example.test").build();
        mail.send(expiring());

        assertThat(server.waitForIncomingEmail(10_000, 2)).isTrue();
        var message = server.getReceivedMessages()[0];
        assertThat(message.getSubject()).isEqualTo("[certpilot] shop: renewal keeps failing, and the certificate "
                + "expires in 2 days");
        assertThat(message.getFrom()[0].toString()).isEqualTo("certpilot@example.test");
        assertThat(message.getHeader("Auto-Submitted")).containsExactly("auto-generated");
        assertThat(((String) message.getContent()).replace("\r\n", "\n"))
                .contains("shop (shop.test, www.shop.test): renewal keeps failing")
                .contains("What failed: Validation of shop.test failed; http-01: couldn't download")
                .contains("Attempts that failed in a row: 4", "Next attempt: 2027-03-01T12:00:00Z",
                        "What to do: Make sure the CA reaches this process");
        assertThat(mail.toString()).contains("SMTPS localhost:" + port).doesNotContain("s3cret");
    }

    @Test
    void aServerCertificateForAnotherNameIsRefused() throws Exception {
        int port = LoopbackPorts.free();
        server = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTPS));
        server.start();
        // the same server, reached by its address, which its certificate does not name
        var mail = MailNotifier.builder("127.0.0.1", port).security(MailNotifier.Security.SMTPS)
                .sslContext(trustingTheServer).from("certpilot@example.test").to("ops@example.test").build();
        assertThatThrownBy(() -> mail.send(expiring())).isInstanceOf(MessagingException.class);
        assertThat(server.getReceivedMessages()).isEmpty();
    }

    @Test
    void starttlsIsRequiredNotOnlyTried() throws Exception {
        int port = LoopbackPorts.free();
        server = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        server.start();
        var mail = MailNotifier.builder("localhost", port).sslContext(trustingTheServer)
                .from("certpilot@example.test").to("ops@example.test").build();
        try {
            mail.send(expiring());
        } catch (MessagingException e) {
            assertThat(e).hasMessageContaining("STARTTLS");
            assertThat(server.getReceivedMessages()).as("nothing said in clear").isEmpty();
            return;
        }
        // a server that offers STARTTLS: the message went over TLS
        assertThat(server.waitForIncomingEmail(10_000, 1)).isTrue();
    }

    @Test
    void plainSmtpWhenChosenForALocalRelay() throws Exception {
        int port = LoopbackPorts.free();
        server = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        server.start();
        MailNotifier.builder("127.0.0.1", port).security(MailNotifier.Security.NONE).from("certpilot@example.test")
                .to("ops@example.test").build().send(expiring());
        assertThat(server.waitForIncomingEmail(10_000, 1)).isTrue();
        assertThat(server.getReceivedMessages()[0].getAllRecipients()[0].toString()).isEqualTo("ops@example.test");
    }

    @Test
    void badSettingsNameTheFieldAndTheFix() {
        assertThatThrownBy(() -> MailNotifier.builder("smtp.example.test", 587).from("not an address"))
                .hasMessage("The mail from address must be an address such as ops@example.com, got 'not an address'");
        assertThatThrownBy(() -> MailNotifier.builder("smtp.example.test", 70000))
                .hasMessageContaining("SMTP port must be 1 to 65535");
        assertThatThrownBy(() -> MailNotifier.builder("smtp.example.test", 587).from("a@example.test").build())
                .hasMessageContaining("needs from(...) and to(...)");
        assertThat(Files.exists(keys.resolve("smtp.p12"))).isTrue();
    }
}
