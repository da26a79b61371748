package dev.certpilot.examples.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.certpilot.test.HAProxy;

/**
 * The README's HAProxy health check is the one {@code ClusterIT} runs the cluster behind
 * ({@link HAProxy#roundRobinCheckingReadiness}): its check lines, word for word, in both backends, and the servers'
 * check options.
 */
class ReadmeHealthCheckTest {

    @Test
    void theReadmesHaproxyBlockChecksAsTheClusterTestDoes() throws Exception {
        var readme = Files.readString(Path.of("../../README.md"));
        var matcher = Pattern.compile("```haproxy\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        assertThat(matcher.find()).as("a haproxy block in the README").isTrue();
        var backends = matcher.group(1).split("\\n\\n");

        assertThat(backends).hasSize(2);
        for (var backend : backends) {
            assertThat(backend.lines()).as(backend).containsSubsequence(HAProxy.healthCheck("shop.example.com"));
        }
        assertThat(backends[0]).contains("mode http")
                .contains(":80" + HAProxy.checkedServer("shop.example.com", 443) + "\n");
        assertThat(backends[1]).contains("mode tcp")
                .contains(":443" + HAProxy.checkedServer("shop.example.com", 0) + "\n");
    }
}
