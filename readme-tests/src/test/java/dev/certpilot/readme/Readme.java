package dev.certpilot.readme;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** The README's fenced blocks, as a user copies them. */
final class Readme {

    private static final Path FILE = Path.of("../README.md");
    private static final Pattern BLOCK = Pattern.compile("```([\\w ]*)\\n(.*?)```", Pattern.DOTALL);

    private Readme() {
    }

    /** The one block of {@code language} that contains {@code marker}; fails if there is none or several. */
    static String block(String language, String marker) {
        var found = new ArrayList<String>();
        for (var block : blocks(language)) {
            if (block.contains(marker)) {
                found.add(block);
            }
        }
        if (found.size() != 1) {
            throw new AssertionError(found.size() + " README blocks of " + language + " contain '" + marker + "'");
        }
        return found.get(0);
    }

    /** Every block of {@code language}, in order. */
    static List<String> blocks(String language) {
        String text;
        try {
            text = Files.readString(FILE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        var result = new ArrayList<String>();
        var matcher = BLOCK.matcher(text);
        while (matcher.find()) {
            if (matcher.group(1).trim().equals(language)) {
                result.add(matcher.group(2));
            }
        }
        return result;
    }

    /** {@code text} with {@code from} replaced by {@code to}, which must occur: a README edit then fails the test. */
    static String replace(String text, String from, String to) {
        if (!text.contains(from)) {
            throw new AssertionError("The README block no longer contains '" + from + "':\n" + text);
        }
        return text.replace(from, to);
    }
}
