package dev.certpilot.spring.boot;

import java.util.ArrayList;
import java.util.List;

import dev.certpilot.core.Preflight;

/**
 * The {@code certpilot.preflight.*} settings: what is checked before the first order for a name (DNS, CAA, a probe
 * of each challenge type configured), so that a misconfiguration is found before the CA refuses the order. Not
 * thread-safe: read once at start-up.
 */
public class PreflightProperties {

    /** auto (before orders from public CAs: Let's Encrypt, ZeroSSL, Google Trust Services), on, or off. */
    private Preflight.Mode mode = Preflight.Mode.AUTO;

    /**
     * Checks this host cannot see as the CA does (split-horizon DNS, a VPN): dns, caa, http-01, tls-alpn-01, dns-01.
     */
    private List<String> skip = new ArrayList<>();

    /** The port the CA fetches HTTP-01 answers from: 80 for every public CA. */
    private int httpPort = 80;

    /**
     * auto, on, or off.
     *
     * @return the current value
     */
    public Preflight.Mode getMode() {
        return mode;
    }

    /**
     * auto, on, or off.
     *
     * @param mode the new value
     */
    public void setMode(Preflight.Mode mode) {
        this.mode = mode;
    }

    /**
     * The checks left out.
     *
     * @return the current value
     */
    public List<String> getSkip() {
        return skip;
    }

    /**
     * The checks left out.
     *
     * @param skip the new value
     */
    public void setSkip(List<String> skip) {
        this.skip = skip;
    }

    /**
     * The port the CA fetches HTTP-01 answers from.
     *
     * @return the current value
     */
    public int getHttpPort() {
        return httpPort;
    }

    /**
     * The port the CA fetches HTTP-01 answers from.
     *
     * @param httpPort the new value
     */
    public void setHttpPort(int httpPort) {
        this.httpPort = httpPort;
    }
}
