package dev.certpilot.servlet;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.function.Consumer;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * A real Jetty 12 ee10 servlet server on 127.0.0.1 whose application answers {@code app <path>}, with the
 * filter under test in front. Raw requests go through {@link #exchange(String)} so that hostile bytes reach the
 * server unchanged.
 */
final class ServletServer implements AutoCloseable {

    final Server server = new Server();
    final ServletContextHandler context = new ServletContextHandler("/");
    private final ServerConnector connector;

    ServletServer(UriCompliance compliance, int port) {
        var config = new HttpConfiguration();
        config.setUriCompliance(compliance);
        config.setRequestHeaderSize(32 * 1024);
        connector = new ServerConnector(server, new HttpConnectionFactory(config));
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        server.addConnector(connector);
        context.getServletHandler().setDecodeAmbiguousURIs(compliance == UriCompliance.UNSAFE);
        context.addServlet(new ServletHolder(new HttpServlet() {
            @Override
            protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
                response.setContentType("text/plain");
                response.getWriter().print("app " + request.getRequestURI());
            }
        }), "/*");
        server.setHandler(context);
    }

    /** A server on a free port with Jetty's default URI compliance and {@code filter} on {@code /*}. */
    static ServletServer start(AcmeChallengeFilter filter) throws Exception {
        return start(UriCompliance.DEFAULT, 0, s -> s.add(filter));
    }

    static ServletServer start(UriCompliance compliance, int port, Consumer<ServletServer> setup)
            throws Exception {
        var server = new ServletServer(compliance, port);
        setup.accept(server);
        server.server.start();
        return server;
    }

    void add(AcmeChallengeFilter filter) {
        context.addFilter(new FilterHolder(filter), "/*", EnumSet.of(DispatcherType.REQUEST));
    }

    int port() {
        return connector.getLocalPort();
    }

    /**
     * Sends {@code head} (request line and headers, without the final blank line) plus
     * {@code Connection: close} and returns the whole response as text.
     */
    String exchange(String head) throws IOException {
        try (var socket = new Socket(InetAddress.getByName("127.0.0.1"), port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write((head + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    /** The status code of a raw response. */
    static int status(String response) {
        return Integer.parseInt(response.substring("HTTP/1.1 ".length(), "HTTP/1.1 ".length() + 3));
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
