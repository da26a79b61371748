package dev.certpilot.benchmarks;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;

import dev.certpilot.core.CertificateAuthority;
import dev.certpilot.core.CertificateBundle;
import dev.certpilot.core.CertificateManager;
import dev.certpilot.core.InMemoryHttp01Responder;

/** Jetty servers and managers for the benchmarks. */
final class Servers {

    private Servers() {
    }

    /** A Jetty on 127.0.0.1 with one HTTPS connector using {@code ssl}, answering {@code ok}. */
    static Server https(SslContextFactory.Server ssl) throws Exception {
        var server = new Server();
        var connector = new ServerConnector(server, new SslConnectionFactory(ssl, "http/1.1"),
                new HttpConnectionFactory(new HttpConfiguration()));
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        server.setHandler(okHandler());
        server.start();
        return server;
    }

    /** A handler answering {@code ok} to every request. */
    static Handler okHandler() {
        return new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                response.getHeaders().put(HttpHeader.CONTENT_LENGTH, 2);
                response.write(true, ByteBuffer.wrap("ok".getBytes(StandardCharsets.US_ASCII)), callback);
                return true;
            }
        };
    }

    static int port(Server server) {
        return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    /** Jetty's own factory over a key store holding {@code bundle}, with the TLS settings of {@code like}. */
    static SslContextFactory.Server staticKeyStore(CertificateBundle bundle, SslContextFactory.Server like) {
        var ssl = new SslContextFactory.Server();
        ssl.setKeyStore(bundle.toKeyStore("benchmark".toCharArray()));
        ssl.setKeyStorePassword("benchmark");
        ssl.setIncludeProtocols(like.getIncludeProtocols());
        ssl.setIncludeCipherSuites(like.getIncludeCipherSuites());
        ssl.setUseCipherSuitesOrder(true);
        ssl.setRenegotiationAllowed(false);
        return ssl;
    }

    /**
     * A manager for {@code names} (one certificate each) over {@code storage}, pointed at a CA that is not there:
     * only {@link CertificateManager#prepare()} is called on it, which serves the stored certificates.
     */
    static CertificateManager offlineManager(Path storage, List<String> names) throws Exception {
        int dead;
        try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            dead = socket.getLocalPort();
        }
        var builder = CertificateManager.builder()
                .certificateAuthority(CertificateAuthority.of("https://127.0.0.1:" + dead + "/dir"))
                .agreeToTermsOfService().challenges(new InMemoryHttp01Responder()).storageDirectory(storage);
        for (var name : names) {
            builder.certificate(name, name);
        }
        return builder.build();
    }
}
