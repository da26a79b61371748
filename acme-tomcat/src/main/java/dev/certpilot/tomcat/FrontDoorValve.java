package dev.certpilot.tomcat;

import java.io.IOException;

import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ValveBase;

import dev.certpilot.servlet.AcmeChallengeFilter;
import jakarta.servlet.ServletException;

/**
 * certpilot's front door as a Tomcat valve, for every web application of an engine: HTTP-01 answers, 400 for
 * malformed or disguised challenge paths, 421 for hosts not served, the redirect to HTTPS and HSTS, all as
 * {@link AcmeChallengeFilter} decides them; every other request goes on down the pipeline. On the engine, it sees
 * requests that no web application maps too, so a Tomcat without a ROOT application still answers challenges. The
 * {@link CertpilotListener} adds it. Thread-safe.
 */
public final class FrontDoorValve extends ValveBase {

    private final AcmeChallengeFilter filter;

    /**
     * A valve doing what {@code filter} decides.
     *
     * @param filter what decides each request
     */
    public FrontDoorValve(AcmeChallengeFilter filter) {
        super(true);
        this.filter = filter;
    }

    @Override
    public void invoke(Request request, Response response) throws IOException, ServletException {
        filter.doFilter(request, response, (req, res) -> getNext().invoke(request, response));
    }
}
