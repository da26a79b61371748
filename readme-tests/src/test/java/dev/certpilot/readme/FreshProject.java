package dev.certpilot.readme;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A user's own project, made anew in a folder: a pom depending on installed certpilot artifacts (and
 * {@code slf4j-simple}, so that certpilot's log lines show), one {@code Main} class, built by Maven from the local
 * repository and run as its own JVM. Not thread-safe.
 */
final class FreshProject {

    private final Path dir;

    private FreshProject(Path dir) {
        this.dir = dir;
    }

    /**
     * Writes the project: {@code main} as {@code src/main/java/Main.java}, and {@code artifacts} (artifact ids of
     * {@code dev.certpilot}, version 0.1.0-SNAPSHOT, or another library as {@code group:artifact:version}) as its
     * dependencies.
     */
    static FreshProject write(Path dir, List<String> artifacts, String main) throws IOException {
        return write(dir, "", artifacts, "<version>0.1.0-SNAPSHOT</version>", main);
    }

    /**
     * Writes the project with {@code management} (a {@code dependencyManagement} element, such as a BOM's import)
     * and {@code artifacts} without versions, which it must manage.
     */
    static FreshProject writeManaged(Path dir, String management, List<String> artifacts, String main)
            throws IOException {
        return write(dir, management, artifacts, "", main);
    }

    private static FreshProject write(Path dir, String management, List<String> artifacts, String version,
                                      String main) throws IOException {
        Files.createDirectories(dir.resolve("src/main/java"));
        Files.writeString(dir.resolve("src/main/java/Main.java"), main);
        var dependencies = artifacts.stream().map(artifact -> {
            var coordinates = artifact.split(":");
            return coordinates.length == 3 ? dependency(coordinates[0], coordinates[1], "<version>" + coordinates[2]
                    + "</version>") : dependency("dev.certpilot", artifact, version);
        }).collect(Collectors.joining());
        Files.writeString(dir.resolve("pom.xml"), """
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>example</groupId>
                  <artifactId>my-app</artifactId>
                  <version>1</version>
                %s
                  <properties>
                    <maven.compiler.release>17</maven.compiler.release>
                    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
                  </properties>
                  <dependencies>
                %s    <dependency>
                      <groupId>org.slf4j</groupId>
                      <artifactId>slf4j-simple</artifactId>
                      <version>2.0.17</version>
                    </dependency>
                  </dependencies>
                  <build>
                    <plugins>
                      <plugin>
                        <artifactId>maven-resources-plugin</artifactId>
                        <version>3.5.0</version>
                      </plugin>
                      <plugin>
                        <artifactId>maven-compiler-plugin</artifactId>
                        <version>3.14.1</version>
                      </plugin>
                      <plugin>
                        <artifactId>maven-dependency-plugin</artifactId>
                        <version>3.11.0</version>
                      </plugin>
                    </plugins>
                  </build>
                </project>
                """.formatted(management.indent(2), dependencies));
        return new FreshProject(dir);
    }

    private static String dependency(String group, String artifact, String version) {
        return """
                    <dependency>
                      <groupId>%s</groupId>
                      <artifactId>%s</artifactId>
                      %s
                    </dependency>
                """.formatted(group, artifact, version);
    }

    /**
     * Builds it with Maven, offline (the artifacts are the installed ones); returns its class path, its classes
     * first.
     */
    String build() throws Exception {
        var output = dir.resolve("mvn.log");
        var maven = new ProcessBuilder("mvn", "-B", "-q", "-o", "compile", "dependency:build-classpath",
                "-Dmdep.outputFile=classpath.txt").directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(output.toFile()).start();
        assertThat(maven.waitFor(300, TimeUnit.SECONDS)).isTrue();
        assertThat(maven.exitValue()).as(Files.readString(output)).isZero();
        return dir.resolve("target/classes") + File.pathSeparator
                + Files.readString(dir.resolve("classpath.txt")).trim();
    }

    /** {@link #build()}s it and starts {@code Main}. */
    Process buildAndRun(Path log) throws Exception {
        var classPath = build();
        return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                classPath, "Main").directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile())
                .start();
    }
}
