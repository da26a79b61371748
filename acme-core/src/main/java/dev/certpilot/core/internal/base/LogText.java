package dev.certpilot.core.internal.base;

/** Text from outside (a file's content, a command's output) made fit for one log line or message. Stateless. */
public final class LogText {

    private LogText() {
    }

    /**
     * {@code text} in double quotes on one line, backslash, quote and control characters escaped, cut to its first
     * {@code limit} characters with a note of how many more there were.
     */
    public static String quoted(String text, int limit) {
        if (text == null) {
            return "null";
        }
        var shown = text.length() <= limit ? text : text.substring(0, limit);
        var result = new StringBuilder(shown.length() + 16).append('"');
        for (int i = 0; i < shown.length(); i++) {
            var c = shown.charAt(i);
            switch (c) {
                case '\\' -> result.append("\\\\");
                case '"' -> result.append("\\\"");
                case '\n' -> result.append("\\n");
                case '\r' -> result.append("\\r");
                case '\t' -> result.append("\\t");
                default -> {
                    if (Character.isISOControl(c)) {
                        result.append(String.format("\\u%04x", (int) c));
                    } else {
                        result.append(c);
                    }
                }
            }
        }
        result.append('"');
        if (text.length() > limit) {
            result.append(" (").append(text.length() - limit).append(" more characters)");
        }
        return result.toString();
    }
}
