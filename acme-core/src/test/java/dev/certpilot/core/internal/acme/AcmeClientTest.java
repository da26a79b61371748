package dev.certpilot.core.internal.acme;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.shredzone.acme4j.Order;
import org.shredzone.acme4j.exception.AcmeLazyLoadingException;
import org.shredzone.acme4j.exception.AcmeNetworkException;
import org.shredzone.acme4j.exception.AcmeProtocolException;

import dev.certpilot.core.AcmeServerException;
import dev.certpilot.core.CaTimeoutException;
import dev.certpilot.core.CaUnreachableException;
import dev.certpilot.core.CertificateAuthority;
import dev.certpilot.core.CertpilotException;
import dev.certpilot.core.FileCertificateStore;
import dev.certpilot.core.KeyType;

/**
 * The one boundary to acme4j: whatever it throws, checked or not, becomes a certpilot exception that says what
 * failed. Faults a real CA cannot produce on demand (a connection reset while a resource loads lazily) are thrown
 * here as acme4j throws them.
 */
class AcmeClientTest {

    private static final String CA = "https://ca.test/dir";

    @TempDir
    Path storage;

    private AcmeClient client() {
        return new AcmeClient(CertificateAuthority.of(CA), null, new FileCertificateStore(storage),
                Duration.ofSeconds(7), KeyType.EC_P256);
    }

    private CertpilotException thrownBy(AcmeClient.AcmeCall<Object> call) {
        return catchThrowableOfType(CertpilotException.class, () -> client().call("Ordering certificate shop",
                Duration.ofMinutes(3), call));
    }

    @Test
    void aNetworkErrorWhileALazyResourceLoadsIsACaUnreachableFailure() throws Exception {
        var lazy = new AcmeLazyLoadingException(Order.class, URI.create("https://ca.test/order/1").toURL(),
                new AcmeNetworkException(new IOException("Connection reset")));

        var failure = thrownBy(() -> {
            throw lazy;
        });

        assertThat(failure).isInstanceOf(CaUnreachableException.class)
                .hasMessageContaining("Ordering certificate shop (loading Order https://ca.test/order/1)")
                .hasMessageContaining("could not be reached").hasMessageContaining("Connection reset");
        assertThat(((AcmeServerException) failure).directory()).hasToString(CA);
    }

    @Test
    void anAnswerThatIsNotAcmeIsAServerFailure() {
        var failure = thrownBy(() -> {
            throw new AcmeProtocolException("Unexpected content type text/html");
        });

        assertThat(failure).isExactlyInstanceOf(AcmeServerException.class)
                .hasMessageContaining("not valid ACME (Unexpected content type text/html)");
    }

    @Test
    void timeoutsHaveATypeOfTheirOwnThatNamesTheTimeout() {
        var network = thrownBy(() -> {
            throw new AcmeNetworkException(new HttpTimeoutException("request timed out"));
        });
        var order = thrownBy(() -> {
            throw new Poller.TimedOut("Timed out waiting for order of shop to become ready (status still PENDING)");
        });

        assertThat(network).isInstanceOf(CaTimeoutException.class).hasMessageContaining("PT7S")
                .hasMessageContaining("networkTimeout");
        assertThat(((CaTimeoutException) network).timeout()).isEqualTo(Duration.ofSeconds(7));
        assertThat(order).isInstanceOf(CaTimeoutException.class).hasMessageContaining("PT3M")
                .hasMessageContaining("status still PENDING").hasMessageContaining("issuanceTimeout");
        assertThat(((CaTimeoutException) order).timeout()).isEqualTo(Duration.ofMinutes(3));
    }

    @Test
    void anyOtherUncheckedExceptionIsTranslatedWithItsCause() {
        var bug = new IllegalStateException("unexpected");

        var failure = thrownBy(() -> {
            throw bug;
        });

        assertThat(failure).isInstanceOf(AcmeServerException.class).hasCause(bug);
    }

    @Test
    void onlyARefusalOfWhatTheOrderReplacesIsRetriedWithoutReplaces() throws Exception {
        assertThat(AcmeClient.refusesReplaces(problem("alreadyReplaced", "serial 1234 was replaced already"))).isTrue();
        assertThat(AcmeClient.refusesReplaces(problem("malformed", "Unable to find the certificate it replaces")))
                .isTrue();
        assertThat(AcmeClient.refusesReplaces(problem("rateLimited", "too many new orders"))).as("honour the limit")
                .isFalse();
        assertThat(AcmeClient.refusesReplaces(problem("serverInternal", "oops"))).isFalse();
        assertThat(AcmeClient.refusesReplaces(problem("malformed", "bad CSR"))).isFalse();
        assertThat(AcmeClient.refusesReplaces(problem("malformed", "a variable of the request is invalid"))).as("'ari' only "
                + "as a word").isFalse();
        assertThat(AcmeClient.refusesReplaces(problem("malformed", "ARI is not supported for this certificate")))
                .isTrue();
    }

    private static org.shredzone.acme4j.exception.AcmeServerException problem(String type, String detail)
            throws Exception {
        return new org.shredzone.acme4j.exception.AcmeServerException(new org.shredzone.acme4j.Problem(
                org.shredzone.acme4j.toolbox.JSON.parse("{\"type\": \"urn:ietf:params:acme:error:" + type
                        + "\", \"detail\": \"" + detail + "\"}"), URI.create(CA).toURL()));
    }
}
