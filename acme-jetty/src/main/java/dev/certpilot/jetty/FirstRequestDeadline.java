package dev.certpilot.jetty;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.server.AbstractConnector;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes a connection that has not begun its first request (TLS handshake and request header included) within
 * a deadline: a client trickling bytes resets Jetty's idle timeout with each one and would hold the connection
 * for ever. Later requests on a kept-alive connection are bounded by the idle timeout. The deadline is cancelled when
 * the connection closes, so that a flood of refused handshakes holds no memory past its connections. Added as a bean
 * to the connector, whose connection factories hand it every connection they open. Thread-safe.
 */
final class FirstRequestDeadline implements Connection.Listener {

    private static final Logger LOG = LoggerFactory.getLogger("dev.certpilot.jetty");

    private final AbstractConnector connector;
    private final long millis;
    private final ConcurrentHashMap<Connection, Scheduler.Task> deadlines = new ConcurrentHashMap<>();

    FirstRequestDeadline(AbstractConnector connector, Duration deadline) {
        this.connector = connector;
        this.millis = deadline.toMillis();
    }

    @Override
    public void onOpened(Connection connection) {
        if (connection.getEndPoint() instanceof SslConnection.SslEndPoint) {
            return; // the decrypted side of a TLS connection: the network side's own check covers it
        }
        deadlines.put(connection, connector.getScheduler().schedule(() -> check(connection), millis,
                TimeUnit.MILLISECONDS));
    }

    @Override
    public void onClosed(Connection connection) {
        var deadline = deadlines.remove(connection);
        if (deadline != null) {
            deadline.cancel();
        }
    }

    private void check(Connection network) {
        deadlines.remove(network);
        var endPoint = network.getEndPoint();
        if (!endPoint.isOpen()) {
            return;
        }
        var application = endPoint.getConnection();
        while (application instanceof SslConnection ssl) {
            application = ssl.getSslEndPoint().getConnection();
        }
        // HTTP/1 counts requests begun, HTTP/2 streams opened; a handshake still under way counts -1
        if (application == null || application.getMessagesIn() <= 0) {
            LOG.debug("Closing connection from {}: no request within {} ms", endPoint.getRemoteSocketAddress(),
                    millis);
            endPoint.close();
        }
    }
}
