package dev.certpilot.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.shredzone.acme4j.toolbox.AcmeUtils;
import org.shredzone.acme4j.toolbox.JoseUtils;

import dev.certpilot.core.internal.acme.AccountKeys;
import dev.certpilot.core.internal.tls.SelfSigned;
import dev.certpilot.core.spi.Pem;

/**
 * Challenge answers planted in a shared store by someone who can write to it but holds none of the application's
 * keys (a database role, say) are not served: only answers for this cluster's account keys are. The planting is done
 * by the test, as such an attacker would, through the store's own operations; no CA is involved (an instance of the
 * cluster answers from the store without ordering).
 */
class SharedChallengeTrustTest {

    private static final URI CA = URI.create("https://ca.test/dir");
    private static final String TOKEN = "a-valid-token_123";

    @TempDir
    Path storage;

    private FileCertificateStore store;
    private String ours;
    private String theirs;
    private CertificateManager manager;
    private InMemoryHttp01Responder http01;
    private InMemoryTlsAlpn01Responder tlsAlpn01;

    @BeforeEach
    void instanceOfACluster() throws Exception {
        store = new FileCertificateStore(storage);
        var account = KeyType.EC_P256.generate();
        store.saveAccountKey(AccountKeys.id(CA), account); // what the instance that registered left
        ours = thumbprint(account);
        theirs = thumbprint(KeyType.EC_P256.generate());
        http01 = new InMemoryHttp01Responder();
        tlsAlpn01 = new InMemoryTlsAlpn01Responder();
        manager = CertificateManager.builder().certificateAuthority(CertificateAuthority.of(CA.toString()))
                .agreeToTermsOfService().store(store).challenges(http01, tlsAlpn01).domain("shop.test").build();
        manager.prepare(); // serves, answers; orders nothing
    }

    @AfterEach
    void close() {
        manager.close();
    }

    private static String thumbprint(KeyPair key) {
        return AcmeUtils.base64UrlEncode(JoseUtils.thumbprint(key.getPublic()));
    }

    @Test
    void anHttp01AnswerIsServedOnlyForThisClustersAccountKey() throws Exception {
        store.putChallenge("http-01/shop.test/" + TOKEN, TOKEN + "." + theirs, Duration.ofMinutes(5));
        assertThat(http01.keyAuthorization("shop.test", TOKEN)).as("planted for another account").isEmpty();

        store.putChallenge("http-01/shop.test/" + TOKEN, "other-token." + ours, Duration.ofMinutes(5));
        assertThat(http01.keyAuthorization("shop.test", TOKEN)).as("not for this token").isEmpty();

        store.putChallenge("http-01/shop.test/" + TOKEN, TOKEN + "." + ours, Duration.ofMinutes(5));
        assertThat(http01.keyAuthorization("shop.test", TOKEN)).as("published by an instance of this cluster")
                .contains(TOKEN + "." + ours);
    }

    @Test
    void aTlsAlpn01AnswerIsServedOnlyForThisClustersAccountKeyTheNameAndItsDigest() throws Exception {
        var key = KeyType.EC_P256.generate();
        var theirAuthorization = TOKEN + "." + theirs;
        store.putChallenge("tls-alpn-01/shop.test", Pem.privateKey(key.getPrivate())
                + Pem.certificates(List.of(validation("shop.test", key, theirAuthorization))), Duration.ofMinutes(5));
        assertThat(tlsAlpn01.validationCertificate("shop.test")).as("planted without a key authorization").isEmpty();

        plant(theirAuthorization, validation("shop.test", key, theirAuthorization), key);
        assertThat(tlsAlpn01.validationCertificate("shop.test")).as("planted for another account").isEmpty();

        var ourAuthorization = TOKEN + "." + ours;
        plant(ourAuthorization, validation("shop.test", key, theirAuthorization), key);
        assertThat(tlsAlpn01.validationCertificate("shop.test")).as("our key authorization, another's digest")
                .isEmpty();
        plant(ourAuthorization, validation("evil.test", key, ourAuthorization), key);
        assertThat(tlsAlpn01.validationCertificate("shop.test")).as("a certificate for another name").isEmpty();

        var good = validation("shop.test", key, ourAuthorization);
        plant(ourAuthorization, good, key);
        assertThat(tlsAlpn01.validationCertificate("shop.test")).as("published by an instance of this cluster")
                .hasValueSatisfying(v -> assertThat(v.certificate()).isEqualTo(good));
    }

    private void plant(String keyAuthorization, java.security.cert.X509Certificate certificate, KeyPair key)
            throws Exception {
        store.putChallenge("tls-alpn-01/shop.test", keyAuthorization + "\n" + Pem.privateKey(key.getPrivate())
                + Pem.certificates(List.of(certificate)), Duration.ofMinutes(5));
    }

    private static java.security.cert.X509Certificate validation(String name, KeyPair key, String keyAuthorization)
            throws Exception {
        var digest = MessageDigest.getInstance("SHA-256").digest(keyAuthorization.getBytes(StandardCharsets.UTF_8));
        return SelfSigned.tlsAlpn01(name, key, digest, Instant.now());
    }
}
