package dev.certpilot.benchmarks;

import java.util.ArrayList;
import java.util.List;

/** The figures of a run: each with the baseline measured in the same run, their ratio and the target. */
final class Table {

    record Row(String measure, String value, String baseline, String ratio, String target) {
    }

    private final List<Row> rows = new ArrayList<>();

    void add(String measure, String value, String baseline, String ratio, String target) {
        rows.add(new Row(measure, value, baseline, ratio, target));
        System.out.printf("  %s: %s (baseline %s, ratio %s; target %s)%n", measure, value, baseline, ratio, target);
    }

    /** Prints the table as Markdown, ready for benchmarks/README.md. */
    void print() {
        System.out.println();
        System.out.println("| measure | certpilot | baseline (same run) | ratio | target |");
        System.out.println("|---|---|---|---|---|");
        for (var row : rows) {
            System.out.printf("| %s | %s | %s | %s | %s |%n", row.measure(), row.value(), row.baseline(), row.ratio(),
                    row.target());
        }
    }

    static String ms(double millis) {
        return String.format("%.1f ms", millis);
    }

    static String ratio(double value, double baseline) {
        return String.format("%.2f", value / baseline);
    }
}
