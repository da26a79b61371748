package dev.certpilot.readme;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
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
        var classPath = FreshProject.writeManaged(project, block, List.of("certpilot-spring-boot-starter",
                "certpilot-jetty", "certpilot-jdbc"), """
                public class Main {
                    static final Class<?>[] USED = {dev.certpilot.jetty.JettyHttps.class,
                            dev.certpilot.jdbc.JdbcCertificateStore.class,
                            dev.certpilot.spring.boot.CertpilotProperties.class};
                }
                """).build();
        assertThat(classPath)
                .contains("certpilot-spring-boot-starter-0.1.0-SNAPSHOT.jar", "certpilot-jetty-0.1.0-SNAPSHOT.jar",
                        "certpilot-jdbc-0.1.0-SNAPSHOT.jar", "certpilot-core-0.1.0-SNAPSHOT.jar");
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
