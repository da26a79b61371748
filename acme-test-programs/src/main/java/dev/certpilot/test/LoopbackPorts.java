package dev.certpilot.test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free TCP ports on 127.0.0.1 for the servers the tests start, all held open at once so that they differ. They are
 * chosen below the system's ephemeral range ({@code net.ipv4.ip_local_port_range}) when there is room: a port that
 * the operating system hands out for outgoing connections may be taken by one between the moment it is chosen here
 * and the moment a server binds it, which happens on a busy machine running several test modules at once.
 * Stateless.
 */
public final class LoopbackPorts {

    private static final int LOWEST = 10_000;

    private LoopbackPorts() {
    }

    /**
     * {@code count} different free ports.
     *
     * @param count how many
     * @return the ports
     * @throws IOException if no port can be opened
     */
    public static int[] free(int count) throws IOException {
        var sockets = new ArrayList<ServerSocket>();
        var ephemeral = ephemeralStart();
        try {
            for (int tries = 0; sockets.size() < count && tries < 1000 && ephemeral > LOWEST + 1000; tries++) {
                var port = ThreadLocalRandom.current().nextInt(LOWEST, ephemeral);
                try {
                    sockets.add(bind(port));
                } catch (IOException taken) {
                    // another one
                }
            }
            while (sockets.size() < count) {
                sockets.add(bind(0));
            }
            return sockets.stream().mapToInt(ServerSocket::getLocalPort).toArray();
        } finally {
            for (var socket : sockets) {
                socket.close();
            }
        }
    }

    /**
     * A free port.
     *
     * @return the port
     * @throws IOException if no port can be opened
     */
    public static int free() throws IOException {
        return free(1)[0];
    }

    private static ServerSocket bind(int port) throws IOException {
        var socket = new ServerSocket();
        socket.setReuseAddress(true);
        try {
            socket.bind(new java.net.InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 1);
            return socket;
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    /** The first port of the ephemeral range, or 0 when it is not known. */
    private static int ephemeralStart() {
        try {
            var range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim().split("\\s+");
            return Integer.parseInt(range[0]);
        } catch (IOException | RuntimeException unknown) {
            return 0;
        }
    }
}
