package dev.certpilot.readme;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's BOM block in a fresh project of a user's own: the starter, the Jetty module and the JDBC store, without
 * versions, resolve to the installed ones and the project builds; a Spring Boot web application with the starter has
 * no class twice on its class path; and the BOM names every module the build publishes and nothing of anyone
 * else's.
 */
class BomIT {

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
    void aSpringBootWebApplicationWithTheStarterHasNoClassTwiceOnItsClassPath() throws Exception {
        var block = Readme.block("xml", "<artifactId>certpilot-bom</artifactId>");
        var classPath = FreshProject.writeManaged(project, block, List.of("certpilot-spring-boot-starter",
                "org.springframework.boot:spring-boot-starter-webmvc:" + parentProperty("spring-boot.version"),
                "org.springframework.boot:spring-boot-starter-actuator:" + parentProperty("spring-boot.version")),
                "public class Main {\n}\n").build();
        var jars = Arrays.stream(classPath.split(File.pathSeparator)).filter(path -> path.endsWith(".jar")).toList();
        assertThat(jars).as("the starter's modules and Boot's").anyMatch(jar -> jar.contains("certpilot-core-"))
                .anyMatch(jar -> jar.contains("certpilot-spring-boot-autoconfigure-"))
                .anyMatch(jar -> jar.contains("tomcat-embed-core-")).hasSizeGreaterThan(30);
        assertThat(classesInMoreThanOneJar(jars)).as("classes found in more than one jar").isEmpty();
    }

    /** A property of the parent pom, such as the Boot version the starter is tested with. */
    private static String parentProperty(String name) throws IOException {
        var matcher = Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)</")
                .matcher(Files.readString(Path.of("../pom.xml")));
        assertThat(matcher.find()).as(name + " in the parent pom").isTrue();
        return matcher.group(1);
    }

    private static Map<String, List<String>> classesInMoreThanOneJar(List<String> jars) throws IOException {
        var owners = new TreeMap<String, List<String>>();
        for (var jar : jars) {
            try (var zip = new ZipFile(jar)) {
                zip.stream().map(ZipEntry::getName)
                        .filter(name -> name.endsWith(".class") && !name.endsWith("module-info.class")
                                && !name.startsWith("META-INF/"))
                        .forEach(name -> owners.computeIfAbsent(name, key -> new ArrayList<>())
                                .add(Path.of(jar).getFileName().toString()));
            }
        }
        owners.values().removeIf(owner -> owner.size() < 2);
        return owners;
    }

    @Test
    void theBomNamesEveryPublishedModuleAndNothingElse() throws Exception {
        // published: every module but those that set release.skip (tests, examples, benchmarks), and the BOM itself
        var modules = new ArrayList<String>();
        var module = Pattern.compile("<module>([^<]+)</module>").matcher(Files.readString(Path.of("../pom.xml")));
        var artifactId = Pattern.compile("\n  <artifactId>([^<]+)</artifactId>");
        while (module.find()) {
            var pom = Files.readString(Path.of("..", module.group(1), "pom.xml"));
            var id = artifactId.matcher(pom);
            assertThat(id.find()).as(module.group(1)).isTrue();
            if (!pom.contains("<release.skip>true</release.skip>") && !id.group(1).equals("certpilot-bom")) {
                modules.add(id.group(1));
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
