package dev.certpilot.test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;

/** Free TCP ports on 127.0.0.1 for the programs the tests start, all held open at once so that they differ. */
final class LoopbackPorts {

    private LoopbackPorts() {
    }

    static int[] free(int count) throws IOException {
        var sockets = new ArrayList<ServerSocket>();
        try {
            for (int i = 0; i < count; i++) {
                var socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
                socket.setReuseAddress(true);
                sockets.add(socket);
            }
            return sockets.stream().mapToInt(ServerSocket::getLocalPort).toArray();
        } finally {
            for (var socket : sockets) {
                socket.close();
            }
        }
    }

    static int free() throws IOException {
        return free(1)[0];
    }
}
