package dev.certpilot.core.internal.acme;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DomainValidationTest {

    @Test
    void challengeTokensAreRedactedFromTheCasExplanation() {
        var detail = "Non-200 status code from HTTP: http://nobody.test:40643/.well-known/acme-challenge/"
                + "0X1GRh9rjC-ksLsuqSFoVuQdAtqqo5y9i35u2f6Md74 returned 404";

        assertThat(DomainValidation.redact(detail))
                .isEqualTo("Non-200 status code from HTTP: http://nobody.test:40643/.well-known/acme-challenge/"
                        + "<token> returned 404");
    }
}
