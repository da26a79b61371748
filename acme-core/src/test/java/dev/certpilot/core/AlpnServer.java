package dev.certpilot.core;

import java.io.IOException;
import java.net.InetAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/**
 * A TLS server on a given loopback address and port that completes handshakes with its key manager and offers the
 * given ALPN protocols (none: it ignores the client's, as a proxy that knows no {@code acme-tls/1} does), then closes.
 */
final class AlpnServer implements AutoCloseable {

    private final SSLServerSocket server;
    private final ExecutorService acceptor = Executors.newSingleThreadExecutor();

    AlpnServer(KeyManager keyManager, InetAddress address, int port, String... protocols) throws Exception {
        var context = SSLContext.getInstance("TLS");
        context.init(new KeyManager[] {keyManager}, null, null);
        server = (SSLServerSocket) context.getServerSocketFactory().createServerSocket(port, 50, address);
        if (protocols.length > 0) {
            var parameters = server.getSSLParameters();
            parameters.setApplicationProtocols(protocols);
            server.setSSLParameters(parameters);
        }
        acceptor.submit(() -> {
            while (!server.isClosed()) {
                try (var socket = (SSLSocket) server.accept()) {
                    socket.setSoTimeout(10_000);
                    socket.startHandshake();
                } catch (IOException ignored) {
                    // the next connection
                }
            }
            return null;
        });
    }

    @Override
    public void close() throws IOException {
        server.close();
        acceptor.shutdownNow();
    }
}
