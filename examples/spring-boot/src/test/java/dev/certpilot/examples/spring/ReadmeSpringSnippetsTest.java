package dev.certpilot.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import javax.tools.DiagnosticCollector;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;

import org.junit.jupiter.api.Test;

/**
 * The README's Spring Boot snippets (fenced {@code java spring}; the Jetty example's test compiles the others)
 * compile against the starter and Boot's test support, as a user's test class would.
 */
class ReadmeSpringSnippetsTest {

    private static final Path README = Path.of("../../README.md");
    private static final Pattern SNIPPET = Pattern.compile("```java spring\\n(.*?)```", Pattern.DOTALL);
    private static final String IMPORTS = """
            import static org.springframework.boot.test.context.SpringBootTest.WebEnvironment.RANDOM_PORT;
            import org.junit.jupiter.api.extension.RegisterExtension;
            import org.springframework.boot.test.context.SpringBootTest;
            import org.springframework.test.context.DynamicPropertyRegistry;
            import org.springframework.test.context.DynamicPropertySource;
            import dev.certpilot.test.PebbleExtension;
            import dev.certpilot.test.spring.PebbleProperties;
            """;

    @Test
    void compile() throws IOException {
        var text = Files.readString(README);
        var snippets = new ArrayList<String>();
        var matcher = SNIPPET.matcher(text);
        while (matcher.find()) {
            snippets.add(matcher.group(1));
        }
        assertThat(snippets).as("the README's Spring Boot test recipe").isNotEmpty();
        for (var snippet : snippets) {
            var source = IMPORTS + snippet;
            var diagnostics = new DiagnosticCollector<JavaFileObject>();
            var file = new SimpleJavaFileObject(URI.create("string:///MyAppTest.java"), JavaFileObject.Kind.SOURCE) {
                @Override
                public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                    return source;
                }
            };
            var options = List.of("-classpath", System.getProperty("java.class.path"), "-proc:none", "-d",
                    Files.createTempDirectory("readme-").toString());
            var ok = ToolProvider.getSystemJavaCompiler().getTask(new StringWriter(), null, diagnostics, options, null,
                    List.of(file)).call();
            assertThat(ok).as("%s%n%s", diagnostics.getDiagnostics(), source).isTrue();
        }
    }
}
