package dev.certpilot.core;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Set;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * An immutable snapshot of the certificates being served, indexed for the TLS handshake: by name, by exact
 * domain, by wildcard domain, and by key-manager alias ({@code name@serial}). The bundles a snapshot replaced
 * stay reachable by alias, so a handshake that chose an alias just before a swap still gets a matching chain
 * and key. Immutable.
 */
final class CertificateIndex {

    static final CertificateIndex EMPTY = new CertificateIndex(Map.of(), Map.of(), Map.of(), Map.of(), Set.of());

    private final Map<String, CertificateBundle> byName;
    private final Map<String, CertificateBundle> byDomain;
    private final Map<String, CertificateBundle> byAlias;
    private final Map<String, String> aliasByName;
    private final Set<String> bootstraps;

    private CertificateIndex(Map<String, CertificateBundle> byName, Map<String, CertificateBundle> byDomain,
                             Map<String, CertificateBundle> byAlias, Map<String, String> aliasByName,
                             Set<String> bootstraps) {
        this.byName = byName;
        this.byDomain = byDomain;
        this.byAlias = byAlias;
        this.aliasByName = aliasByName;
        this.bootstraps = bootstraps;
    }

    /** A snapshot with {@code bundle} added or replacing the bundle of the same name. */
    CertificateIndex with(CertificateBundle bundle) {
        return with(List.of(bundle));
    }

    /**
     * A snapshot with {@code bundles} added, each replacing the bundle of the same name. Costs one pass over the
     * snapshot however many bundles are given: publish a whole store at once, not one bundle at a time.
     */
    CertificateIndex with(Collection<CertificateBundle> bundles) {
        return with(bundles, List.of());
    }

    /**
     * A snapshot with {@code issued} (the CA's certificates) and {@code bootstraps} (self-signed stand-ins until the
     * CA's arrive) added, each replacing the bundle of the same name; the one record of which names are bootstrap.
     */
    CertificateIndex with(Collection<CertificateBundle> issued, Collection<CertificateBundle> bootstraps) {
        var names = new LinkedHashMap<>(byName);
        var bootstrapNames = new HashSet<>(this.bootstraps);
        var replaced = new ArrayList<CertificateBundle>();
        for (var bundles : List.of(issued, bootstraps)) {
            for (var bundle : bundles) {
                var previous = names.put(bundle.name(), bundle);
                if (previous != null && previous != bundle) {
                    replaced.add(previous);
                }
                if (bundles == bootstraps) {
                    bootstrapNames.add(bundle.name());
                } else {
                    bootstrapNames.remove(bundle.name());
                }
            }
        }
        var domains = new HashMap<String, CertificateBundle>();
        var aliases = new HashMap<String, CertificateBundle>();
        var aliasByName = new HashMap<String, String>();
        for (var current : names.values()) {
            for (var domain : current.domains()) {
                domains.putIfAbsent(domain, current);
            }
            var alias = alias(current);
            aliases.put(alias, current);
            aliasByName.put(current.name(), alias);
        }
        for (var previous : replaced) {
            aliases.putIfAbsent(alias(previous), previous);
        }
        return new CertificateIndex(Map.copyOf(names), Map.copyOf(domains), Map.copyOf(aliases),
                Map.copyOf(aliasByName), Set.copyOf(bootstrapNames));
    }

    /** The key-manager alias of a current bundle of this snapshot, computed when the snapshot was built. */
    String aliasOf(CertificateBundle bundle) {
        return aliasByName.get(bundle.name());
    }

    Optional<CertificateBundle> byName(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** Whether the bundle served for {@code name} is a bootstrap certificate (true also when none is served). */
    boolean isBootstrap(String name) {
        return !byName.containsKey(name) || bootstraps.contains(name);
    }

    /** Exact match first, then a wildcard one label up. */
    Optional<CertificateBundle> forHost(String host) {
        if (host == null || host.isEmpty()) {
            return Optional.empty();
        }
        var name = host.toLowerCase(Locale.ROOT);
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        var exact = byDomain.get(name);
        if (exact != null) {
            return Optional.of(exact);
        }
        var dot = name.indexOf('.');
        return dot > 0 ? Optional.ofNullable(byDomain.get("*" + name.substring(dot))) : Optional.empty();
    }

    Optional<CertificateBundle> byAlias(String alias) {
        return alias == null ? Optional.empty() : Optional.ofNullable(byAlias.get(alias));
    }

    Iterable<CertificateBundle> all() {
        return byName.values();
    }

    static String alias(CertificateBundle bundle) {
        return bundle.name() + "@" + bundle.serialNumber().toString(16);
    }
}
