package dev.certpilot.readme;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's BOM block in a fresh project of a user's own: the starter, the Jetty module and the JDBC store, without
 * versions, resolve to the installed ones and the project builds; and the BOM names every module the build
 * publishes and nothing of anyone else's.
 */
class BomIT {

    /** The build's modules that are not published: tests, examples, benchmarks, and the BOM itself. */
    private static final Set<String> NOT_PUBLISHED = Set.of("certpilot-bom", "tomcat11-tests", "spring-boot-tests",
            "architecture-tests", "readme-tests", "examples", "benchmarks");

    @TempDir
    Path project;

    @Test
    void theStarterJettyAndJdbcWithoutVersionsBuildThroughTheReadmesBomImport() throws Exception {
        var block = Readme.block("xml", "<artifactId>certpilot-bom</artifactId>");
        Files.writeString(project.resolve("pom.xml"), """
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>example</groupId>
                  <artifactId>my-app</artifactId>
                  <version>1</version>
                %s
                  <properties>
                    <maven.compiler.release>17</maven.compiler.release>
                  </properties>
                  <dependencies>
                    <dependency>
                      <groupId>dev.certpilot</groupId>
                      <artifactId>certpilot-spring-boot-starter</artifactId>
                    </dependency>
                    <dependency>
                      <groupId>dev.certpilot</groupId>
                      <artifactId>acme-jetty</artifactId>
                    </dependency>
                    <dependency>
                      <groupId>dev.certpilot</groupId>
                      <artifactId>certpilot-jdbc</artifactId>
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
                """.formatted(block.indent(2)));
        Files.createDirectories(project.resolve("src/main/java"));
        Files.writeString(project.resolve("src/main/java/Main.java"), """
                public class Main {
                    static final Class<?>[] USED = {dev.certpilot.jetty.JettyHttps.class,
                            dev.certpilot.jdbc.JdbcCertificateStore.class,
                            dev.certpilot.spring.boot.CertpilotProperties.class};
                }
                """);
        var output = project.resolve("mvn.log");
        var maven = new ProcessBuilder("mvn", "-B", "-q", "-o", "compile", "dependency:build-classpath",
                "-Dmdep.outputFile=classpath.txt").directory(project.toFile()).redirectErrorStream(true)
                .redirectOutput(output.toFile()).start();
        assertThat(maven.waitFor(300, TimeUnit.SECONDS)).isTrue();
        assertThat(maven.exitValue()).as(Files.readString(output)).isZero();
        assertThat(Files.readString(project.resolve("classpath.txt")))
                .contains("certpilot-spring-boot-starter-0.1.0-SNAPSHOT.jar", "acme-jetty-0.1.0-SNAPSHOT.jar",
                        "certpilot-jdbc-0.1.0-SNAPSHOT.jar", "acme-core-0.1.0-SNAPSHOT.jar");
        assertThat(project.resolve("target/classes/Main.class")).as("it builds").exists();
    }

    @Test
    void theBomNamesEveryPublishedModuleAndNothingElse() throws Exception {
        var modules = new ArrayList<String>();
        var module = Pattern.compile("<module>([^<]+)</module>").matcher(Files.readString(Path.of("../pom.xml")));
        while (module.find()) {
            if (!NOT_PUBLISHED.contains(module.group(1))) {
                modules.add(module.group(1));
            }
        }
        var bom = Files.readString(Path.of("../certpilot-bom/pom.xml"));
        var management = bom.substring(bom.indexOf("<dependencyManagement>"), bom.indexOf("</dependencyManagement>"));
        var managed = new ArrayList<String>();
        var entry = Pattern.compile("<groupId>([^<]+)</groupId>\\s*<artifactId>([^<]+)</artifactId>")
                .matcher(management);
        while (entry.find()) {
            assertThat(entry.group(1)).as("only certpilot's own artifacts").isEqualTo("dev.certpilot");
            managed.add(entry.group(2));
        }
        managed.remove("certpilot-bom");
        assertThat(managed.stream().distinct().toList()).containsExactlyInAnyOrderElementsOf(List.copyOf(modules));
        assertThat(bom).doesNotContain("<parent>");
    }
}
