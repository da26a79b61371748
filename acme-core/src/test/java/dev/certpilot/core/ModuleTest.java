package dev.certpilot.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.module.ModuleDescriptor;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

/**
 * The module's boundary, read from the descriptor the tests run it with: the API and the SPIs are exported, the
 * engine's packages are not, and acme4j finds certpilot's challenge types through the module system.
 */
class ModuleTest {

    private final ModuleDescriptor descriptor = CertificateManager.class.getModule().getDescriptor();

    @Test
    void onlyTheApiAndTheSpisAreExportedAndToEveryone() {
        assertThat(descriptor).as("the tests run certpilot as a named module").isNotNull();
        assertThat(descriptor.name()).isEqualTo("dev.certpilot.core");
        assertThat(descriptor.exports()).allSatisfy(export -> assertThat(export.isQualified()).isFalse());
        assertThat(descriptor.exports().stream().map(ModuleDescriptor.Exports::source).collect(Collectors.toSet()))
                .containsExactlyInAnyOrder("dev.certpilot.core", "dev.certpilot.core.spi");
        assertThat(descriptor.packages()).contains("dev.certpilot.core.internal.acme",
                "dev.certpilot.core.internal.renewal", "dev.certpilot.core.internal.tls",
                "dev.certpilot.core.internal.store");
        assertThat(descriptor.opens()).isEmpty();
    }

    @Test
    void theChallengeProviderIsDeclaredForAcme4jsServiceLoader() {
        assertThat(descriptor.provides()).singleElement().satisfies(provides -> {
            assertThat(provides.service()).isEqualTo("org.shredzone.acme4j.provider.ChallengeProvider");
            assertThat(provides.providers())
                    .containsExactly("dev.certpilot.core.internal.acme.DnsPersist01ChallengeProvider");
        });
    }
}
