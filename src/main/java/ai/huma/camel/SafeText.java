package ai.huma.camel;

/** Makes text that came from outside safe to put in a log line or an error message. */
final class SafeText {

    private static final int MAX_CHARS = 80;

    private SafeText() {
    }

    /** The value without control characters, cut to a bounded length, in single quotes. */
    static String quoted(Object value) {
        if (value == null) {
            return "null";
        }
        String cleaned = value.toString().codePoints()
                .filter(cp -> !Character.isISOControl(cp))
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
                .toString();
        if (cleaned.length() > MAX_CHARS) {
            cleaned = cleaned.substring(0, MAX_CHARS) + "...";
        }
        return "'" + cleaned + "'";
    }
}
