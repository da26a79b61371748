package dev.certpilot.examples.jetty;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;

/**
 * The baseline for TLS grades: a real nginx configured as operators copy it (Mozilla's "intermediate" recipe:
 * TLS 1.2 and 1.3, ECDHE with AES-GCM or ChaCha20, HSTS for two years), serving a given certificate on a free
 * loopback port. Stopped and deleted by {@link #close()}.
 */
final class NginxRecipe implements AutoCloseable {

    static final String INSTALL_COMMAND = "sudo apt-get update && sudo apt-get install -y nginx";

    private final Process process;
    private final Path workDir;
    private final int port;

    private NginxRecipe(Process process, Path workDir, int port) {
        this.process = process;
        this.workDir = workDir;
        this.port = port;
    }

    static NginxRecipe serve(Path fullchain, Path privateKey) throws Exception {
        var nginx = Path.of("/usr/sbin/nginx");
        if (!Files.isExecutable(nginx)) {
            throw new IllegalStateException("nginx was not found: the TLS grade compares with it; install it with: "
                    + INSTALL_COMMAND);
        }
        var work = Files.createTempDirectory("certpilot-nginx-");
        int port;
        try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        var config = work.resolve("nginx.conf");
        Files.writeString(config, """
                daemon off;
                pid %1$s/nginx.pid;
                error_log %1$s/error.log;
                events {}
                http {
                    access_log off;
                    client_body_temp_path %1$s; proxy_temp_path %1$s; fastcgi_temp_path %1$s;
                    uwsgi_temp_path %1$s; scgi_temp_path %1$s;
                    server {
                        listen 127.0.0.1:%2$d ssl http2;
                        ssl_certificate %3$s;
                        ssl_certificate_key %4$s;
                        ssl_session_timeout 1d;
                        ssl_session_cache shared:MozSSL:10m;
                        ssl_session_tickets off;
                        ssl_protocols TLSv1.2 TLSv1.3;
                        ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305;
                        ssl_prefer_server_ciphers off;
                        add_header Strict-Transport-Security "max-age=63072000" always;
                        location / { return 200 "nginx"; }
                    }
                }
                """.formatted(work, port, fullchain.toAbsolutePath(), privateKey.toAbsolutePath()));
        var process = new ProcessBuilder(nginx.toString(), "-c", config.toString(), "-p", work.toString())
                .redirectErrorStream(true).redirectOutput(work.resolve("out.log").toFile()).start();
        var recipe = new NginxRecipe(process, work, port);
        for (int i = 0; i < 500; i++) {
            try (var socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return recipe;
            } catch (IOException notYet) {
                if (!process.isAlive()) {
                    var log = Files.readString(work.resolve("out.log")) + Files.readString(work.resolve("error.log"));
                    recipe.close();
                    throw new IllegalStateException("nginx exited: " + log);
                }
                Thread.sleep(20);
            }
        }
        recipe.close();
        throw new IllegalStateException("nginx did not listen on " + port);
    }

    int port() {
        return port;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        try (var files = Files.walk(workDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
        }
    }
}
