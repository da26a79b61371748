package dev.certpilot.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** JDKs installed beside the one running, as Debian and Temurin's packages put them. Stateless. */
final class Jdks {

    private static final Pattern VERSION = Pattern.compile("JAVA_VERSION=\"(\\d+)[^\"]*\"");

    private Jdks() {
    }

    /** The {@code java} of the newest JDK under {@code /usr/lib/jvm} of at least {@code feature}, or null. */
    static Path atLeast(int feature) throws IOException {
        var root = Path.of("/usr/lib/jvm");
        if (!Files.isDirectory(root)) {
            return null;
        }
        Path best = null;
        var bestFeature = feature - 1;
        try (Stream<Path> homes = Files.list(root)) {
            for (var home : homes.toList()) {
                var release = home.resolve("release");
                var java = home.resolve("bin/java");
                if (!Files.isRegularFile(release) || !Files.isExecutable(java)) {
                    continue;
                }
                var matcher = VERSION.matcher(Files.readString(release));
                if (matcher.find() && Integer.parseInt(matcher.group(1)) > bestFeature) {
                    bestFeature = Integer.parseInt(matcher.group(1));
                    best = java;
                }
            }
        }
        return best;
    }
}
