package dev.certpilot.examples.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import javax.tools.DiagnosticCollector;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every {@code java} snippet of the README compiles against the real modules: statements inside a method whose
 * class provides the variables the README refers to ({@code manager}, {@code http01}, {@code context}, ...);
 * snippets with annotations as members of a test class.
 */
class ReadmeSnippetsTest {

    private static final Path README = Path.of("../../README.md");
    private static final Pattern SNIPPET = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);

    private static final String IMPORTS = """
            import static org.assertj.core.api.Assertions.assertThat;
            import java.net.URI;
            import java.nio.file.*;
            import java.time.*;
            import java.util.*;
            import javax.net.ssl.*;
            import jakarta.servlet.DispatcherType;
            import org.eclipse.jetty.server.Handler;
            import org.eclipse.jetty.server.Server;
            import org.eclipse.jetty.ee10.servlet.FilterHolder;
            import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
            import org.junit.jupiter.api.Test;
            import org.junit.jupiter.api.extension.RegisterExtension;
            import dev.certpilot.core.*;
            import dev.certpilot.core.spi.*;
            import dev.certpilot.servlet.*;
            import dev.certpilot.jetty.*;
            import dev.certpilot.test.*;
            import dev.certpilot.test.conformance.*;
            import dev.certpilot.jdbc.*;
            import dev.certpilot.mail.*;
            import dev.certpilot.dns.rfc2136.*;
            import dev.certpilot.dns.cloudflare.*;
            import dev.certpilot.dns.route53.*;
            import java.net.InetSocketAddress;
            """;

    private static final String CONTEXT = """
                interface Alerts { void send(String message); }
                InMemoryHttp01Responder http01;
                CertificateManager manager;
                CertificateManagerBuilder builder;
                ServletContextHandler context;
                Handler app;
                Alerts alerts;
                Pebble pebble;
                int port;
                javax.sql.DataSource dataSource;
                javax.crypto.SecretKey applicationKey;
                java.util.Set<String> customerDomains;
            """;

    static Stream<Arguments> snippets() throws IOException {
        var text = Files.readString(README);
        var result = new ArrayList<Arguments>();
        var matcher = SNIPPET.matcher(text);
        while (matcher.find()) {
            var line = text.substring(0, matcher.start()).split("\n", -1).length;
            result.add(Arguments.of(line, matcher.group(1)));
        }
        return result.stream();
    }

    @ParameterizedTest(name = "README.md line {0}")
    @MethodSource("snippets")
    void compiles(int line, String snippet) {
        var member = snippet.stripLeading().startsWith("@");
        var source = IMPORTS + "class Snippet {\n" + CONTEXT
                + (member ? snippet : "    void run() throws Exception {\n" + snippet + "    }\n") + "}\n";
        var compiler = ToolProvider.getSystemJavaCompiler();
        var diagnostics = new DiagnosticCollector<JavaFileObject>();
        var output = new StringWriter();
        var file = new SimpleJavaFileObject(URI.create("string:///Snippet.java"), JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return source;
            }
        };
        var options = List.of("-classpath", System.getProperty("java.class.path"), "-proc:none", "-d",
                System.getProperty("java.io.tmpdir"));
        var ok = compiler.getTask(output, null, diagnostics, options, null, List.of(file)).call();

        assertThat(ok).as("README.md line %d:%n%s%n%s", line, diagnostics.getDiagnostics(), source).isTrue();
    }

    @org.junit.jupiter.api.Test
    void theReadmeHasSnippets() throws IOException {
        assertThat(snippets()).hasSizeGreaterThanOrEqualTo(5);
    }
}
