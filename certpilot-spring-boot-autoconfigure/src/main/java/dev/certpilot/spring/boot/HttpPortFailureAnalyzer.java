package dev.certpilot.spring.boot;

import java.io.IOException;
import java.net.BindException;
import java.net.ServerSocket;
import java.util.Locale;

import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;

/**
 * Reports a plain-HTTP port that cannot be bound as certpilot's: the property ({@code certpilot.http-port}), the
 * reason (in use, or a port below 1024 without the privilege: from the failure, else found by trying the port), and
 * the fixes. Runs before Spring Boot's own analyzers, whose message names neither. Recognizes the port from the
 * exceptions the servers throw (any with a {@code getPort()} or {@code localPort()}), on both Boot lines.
 */
class HttpPortFailureAnalyzer implements FailureAnalyzer, Ordered {

    private final Environment environment;

    HttpPortFailureAnalyzer(Environment environment) {
        this.environment = environment;
    }

    @Override
    public FailureAnalysis analyze(Throwable failure) {
        Integer configured;
        try {
            configured = environment.getProperty("certpilot.http-port", Integer.class, 80);
        } catch (RuntimeException notANumber) {
            return null; // the property itself is wrong: CertpilotFailureAnalyzer says so
        }
        Integer port = null;
        String reason = null;
        for (var cause = failure; cause != null; cause = cause.getCause()) {
            port = port == null ? port(cause) : port;
            if (cause instanceof BindException bind && reason == null) {
                reason = bind.getMessage();
            }
        }
        if (configured == 0 || port == null || port.intValue() != configured) {
            return null;
        }
        reason = reason != null ? reason : probe(port);
        var denied = reason.toLowerCase(Locale.ROOT).contains("permission denied");
        return new FailureAnalysis("certpilot cannot listen on certpilot.http-port=" + port + ", the plain-HTTP port "
                + "for HTTP-01 and redirects: " + reason, denied
                ? "Ports below 1024 need privilege: give the JVM CAP_NET_BIND_SERVICE (sudo setcap "
                        + "cap_net_bind_service=+ep $JAVA_HOME/bin/java, or AmbientCapabilities= in a systemd "
                        + "unit), or set certpilot.http-port=8080 behind a port redirect from 80"
                : "Another process uses port " + port + " (ss -ltnp 'sport = :" + port + "' names it): stop it, or "
                        + "set certpilot.http-port to a free port that port 80 is redirected to", failure);
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }

    /** Why {@code port} cannot be bound, found by trying it (the servers' own exceptions may not carry it). */
    private static String probe(int port) {
        try (var socket = new ServerSocket(port)) {
            return "it could not be bound then, and can be now (a process that has since let it go?)";
        } catch (IOException e) {
            return String.valueOf(e.getMessage());
        }
    }

    private static Integer port(Throwable failure) {
        for (var name : new String[] {"getPort", "localPort"}) {
            try {
                var getter = failure.getClass().getMethod(name);
                if (getter.getReturnType() == int.class && getter.getParameterCount() == 0) {
                    return (Integer) getter.invoke(failure);
                }
            } catch (ReflectiveOperationException | RuntimeException noPort) {
                // not this one
            }
        }
        return null;
    }
}
