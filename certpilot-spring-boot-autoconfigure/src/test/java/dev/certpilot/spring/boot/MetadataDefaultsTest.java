package dev.certpilot.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.boot.configurationprocessor.json.JSONObject;

import dev.certpilot.core.CertificateManagerBuilder;

/**
 * The defaults an IDE shows for {@code certpilot.*} (the metadata the build generates) are the builder's own: the
 * properties take their defaults from {@link CertificateManagerBuilder}, and the metadata written beside them is
 * checked here against the same constants.
 */
class MetadataDefaultsTest {

    @Test
    void theMetadataShowsTheBuildersDefaults() throws Exception {
        JSONObject metadata;
        try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            metadata = new JSONObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        var defaults = new HashMap<String, Object>();
        var properties = metadata.getJSONArray("properties");
        for (int i = 0; i < properties.length(); i++) {
            var entry = properties.getJSONObject(i);
            defaults.put(entry.getString("name"), entry.opt("defaultValue"));
        }
        assertThat(duration(defaults, "certpilot.renewal.check-interval"))
                .isEqualTo(CertificateManagerBuilder.DEFAULT_CHECK_INTERVAL);
        assertThat(duration(defaults, "certpilot.renewal.expiry-warning"))
                .isEqualTo(CertificateManagerBuilder.DEFAULT_EXPIRY_WARNING);
        assertThat(duration(defaults, "certpilot.renewal.retry-initial"))
                .isEqualTo(CertificateManagerBuilder.DEFAULT_RETRY_INITIAL);
        assertThat(duration(defaults, "certpilot.renewal.retry-max"))
                .isEqualTo(CertificateManagerBuilder.DEFAULT_RETRY_MAX);
        assertThat(duration(defaults, "certpilot.storage.lease-duration"))
                .isEqualTo(CertificateManagerBuilder.DEFAULT_LEASE_DURATION);
        assertThat(duration(defaults, "certpilot.storage.poll-interval"))
                .isEqualTo(CertificateManagerBuilder.DEFAULT_STORE_POLL_INTERVAL);
        assertThat(defaults.get("certpilot.key-type")).isEqualTo(
                CertificateManagerBuilder.DEFAULT_KEY_TYPE.name().toLowerCase(Locale.ROOT).replace('_', '-'));
    }

    @Test
    void thePropertiesStartFromTheBuildersDefaults() {
        var properties = new CertpilotProperties();
        assertThat(properties.getKeyType()).isEqualTo(CertificateManagerBuilder.DEFAULT_KEY_TYPE);
        assertThat(properties.getRenewal().getCheckInterval())
                .isEqualTo(CertificateManagerBuilder.DEFAULT_CHECK_INTERVAL);
        assertThat(properties.getRenewal().getRetryMax()).isEqualTo(CertificateManagerBuilder.DEFAULT_RETRY_MAX);
    }

    private static Duration duration(Map<String, Object> defaults, String name) {
        assertThat(defaults).as("metadata of %s", name).containsKey(name);
        assertThat(defaults.get(name)).as("default of %s", name).isNotNull();
        return DurationStyle.detectAndParse((String) defaults.get(name));
    }
}
