package dev.certpilot.benchmarks;

import java.util.Arrays;
import java.util.Collection;

/** Order statistics of samples. */
final class Stats {

    private Stats() {
    }

    static double percentile(Collection<? extends Number> samples, double percentile) {
        var sorted = samples.stream().mapToDouble(Number::doubleValue).toArray();
        Arrays.sort(sorted);
        if (sorted.length == 0) {
            return Double.NaN;
        }
        var index = (int) Math.ceil(percentile / 100 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    static double median(Collection<? extends Number> samples) {
        return percentile(samples, 50);
    }
}
