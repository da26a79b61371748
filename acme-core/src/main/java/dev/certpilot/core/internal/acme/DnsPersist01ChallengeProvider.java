package dev.certpilot.core.internal.acme;

import org.shredzone.acme4j.Login;
import org.shredzone.acme4j.challenge.Challenge;
import org.shredzone.acme4j.provider.ChallengeProvider;
import org.shredzone.acme4j.provider.ChallengeType;
import org.shredzone.acme4j.toolbox.JSON;

/**
 * Makes acme4j create {@link DnsPersist01Challenge}s; registered through {@code ServiceLoader}
 * ({@code META-INF/services}). Internal to certpilot. Stateless.
 */
@ChallengeType(DnsPersist01Challenge.TYPE)
public final class DnsPersist01ChallengeProvider implements ChallengeProvider {

    @Override
    public Challenge create(Login login, JSON data) {
        return new DnsPersist01Challenge(login, data);
    }
}
