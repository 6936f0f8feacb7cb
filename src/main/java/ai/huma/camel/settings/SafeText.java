package ai.huma.camel.settings;

/** Makes text that came from outside safe to put in a log line or an error message. */
public final class SafeText {

    private static final int MAX_CHARS = 80;

    private SafeText() {
    }

    /**
     * The value without control, format (bidi overrides) or line-separator characters, cut to a
     * bounded number of characters (never inside a surrogate pair), in single quotes.
     */
    public static String quoted(Object value) {
        if (value == null) {
            return "null";
        }
        int[] kept = value.toString().codePoints().filter(SafeText::isPrintable).toArray();
        String cleaned = new String(kept, 0, Math.min(kept.length, MAX_CHARS));
        return "'" + cleaned + (kept.length > MAX_CHARS ? "..." : "") + "'";
    }

    private static boolean isPrintable(int codePoint) {
        int type = Character.getType(codePoint);
        return !Character.isISOControl(codePoint)
                && type != Character.FORMAT
                && type != Character.LINE_SEPARATOR
                && type != Character.PARAGRAPH_SEPARATOR
                && type != Character.SURROGATE
                && type != Character.UNASSIGNED;
    }
}
