package dev.certpilot.architecture;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import java.util.Set;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;

/**
 * The rules certpilot's modules keep, as ArchUnit rules: {@link BoundariesTest} checks them on the libraries and on
 * fixtures that break them.
 */
final class Boundaries {

    /** The engine: certpilot-core's packages that its module does not export. */
    static final String ENGINE = "dev.certpilot.core.internal..";

    private Boundaries() {
    }

    /**
     * No cycle between packages. certpilot-core's API package counts as two: the classes that stand on the engine (the
     * {@code CertificateManager} and its builder, which assemble it; the {@code HttpFrontDoor}, built from a
     * manager; the {@code FileCertificateStore}, built from the engine's file parts), and the rest (values,
     * exceptions, in-memory responders), which the engine uses and which must not reach into it. The API and its
     * SPI are one slice: the SPI's contracts carry the API's values and the built-ins implement the SPI, by design.
     */
    static ArchRule noPackageCycles() {
        return slices().assignedFrom(new PackagesWithCoreFacade()).should().beFreeOfCycles()
                .as("certpilot's packages (certpilot-core's classes on the engine apart from the rest of its API) "
                        + "depend on each other in one direction");
    }

    /** Adapters and test kits use the API and SPI only; the engine is certpilot-core's alone. */
    static ArchRule adaptersStayOutOfTheEngine() {
        return noClasses().that().resideOutsideOfPackage("dev.certpilot.core..").and()
                .resideInAPackage("dev.certpilot..").should().dependOnClassesThat().resideInAPackage(ENGINE)
                .as("no class outside certpilot-core depends on its engine (" + ENGINE + ")");
    }

    /** certpilot-core knows no adapter: adapters depend on core, never the reverse. */
    static ArchRule coreKnowsNoAdapter() {
        return noClasses().that().resideInAPackage("dev.certpilot.core..").should()
                .dependOnClassesThat(resideInAPackage("dev.certpilot..").and(resideOutsideOfPackage(
                        "dev.certpilot.core..")))
                .as("certpilot-core depends on no other certpilot module");
    }

    /** Each package a slice, except certpilot-core's API package, split in its classes on the engine and the rest. */
    private static final class PackagesWithCoreFacade implements SliceAssignment {

        private static final Set<String> FACADE = Set.of("dev.certpilot.core.CertificateManager",
                "dev.certpilot.core.CertificateManagerBuilder", "dev.certpilot.core.HttpFrontDoor",
                "dev.certpilot.core.FileCertificateStore");

        @Override
        public SliceIdentifier getIdentifierOf(JavaClass javaClass) {
            var name = javaClass.getPackageName();
            if (!name.startsWith("dev.certpilot.")) {
                return SliceIdentifier.ignore();
            }
            if (name.equals("dev.certpilot.core") || name.equals("dev.certpilot.core.spi")) {
                var top = javaClass.getName().split("\\$")[0];
                return FACADE.contains(top) ? SliceIdentifier.of("certpilot-core's classes on the engine")
                        : SliceIdentifier.of("certpilot-core's API and SPI");
            }
            return SliceIdentifier.of(name);
        }

        @Override
        public String getDescription() {
            return "certpilot's packages, certpilot-core's classes on the engine apart";
        }
    }
}
