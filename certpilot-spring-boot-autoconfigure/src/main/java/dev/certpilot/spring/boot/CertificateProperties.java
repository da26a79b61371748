package dev.certpilot.spring.boot;

import java.util.ArrayList;
import java.util.List;

/**
 * One of {@code certpilot.certificates}: a certificate's name and domains. Not thread-safe: read once at start-up.
 */
public class CertificateProperties {

    /** Its name, which the store, the logs, actuator and metrics use. Default: its first domain. */
    private String name;

    /** Its domains; the first is the subject. */
    private List<String> domains = new ArrayList<>();

    /** Its certificate profile, instead of certpilot.profile. */
    private String profile;

    /**
     * Its certificate profile, instead of certpilot.profile.
     *
     * @return the current value
     */
    public String getProfile() {
        return profile;
    }

    /**
     * Its certificate profile, instead of certpilot.profile.
     *
     * @param profile the new value
     */
    public void setProfile(String profile) {
        this.profile = profile;
    }

    /**
     * Its name, which the store, the logs, actuator and metrics use.
     *
     * @return the current value
     */
    public String getName() {
        return name;
    }

    /**
     * Its name, which the store, the logs, actuator and metrics use.
     *
     * @param name the new value
     */
    public void setName(String name) {
        this.name = name;
    }

    /**
     * Its domains; the first is the subject.
     *
     * @return the current value
     */
    public List<String> getDomains() {
        return domains;
    }

    /**
     * Its domains; the first is the subject.
     *
     * @param domains the new value
     */
    public void setDomains(List<String> domains) {
        this.domains = domains;
    }
}
