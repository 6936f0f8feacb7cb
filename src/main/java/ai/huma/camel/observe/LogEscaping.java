package ai.huma.camel.observe;

/**
 * Escapes in a log line every character that could forge or disguise it, so that nothing a webhook
 * sender or an API puts in a message can start a new line, colour or move the terminal's cursor
 * (ANSI escape sequences), or reorder what is shown (bidi overrides): ISO control characters (CR,
 * LF and TAB as {@code \r}, {@code \n} and {@code \t}, the others as {@code \}{@code uXXXX}),
 * Unicode format characters (general category Cf), U+2028, U+2029 and lone surrogates. Valid
 * surrogate pairs and all other printable text are kept; backslashes are not escaped.
 * <p>
 * Used by the standalone runtime's log4j converter ({@code %escaped}, in
 * {@code ai.huma.camel.logging}) for every line, and by {@link RouteLogEscaping} for the log steps of
 * the bundle's routes in any host, whatever its logging.
 */
public final class LogEscaping {

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private LogEscaping() {
    }

    /** The text escaped as the class comment says (line feeds and tabs too). */
    public static String escape(String text) {
        if (text == null) {
            return null;
        }
        StringBuilder escaped = new StringBuilder(text);
        escape(escaped, 0, false);
        return escaped.toString();
    }

    /**
     * Escapes, in place, the characters of {@code text} from {@code start} on, as the class comment
     * says; with {@code multiline}, line feeds and tabs are kept.
     */
    public static void escape(StringBuilder text, int start, boolean multiline) {
        int end = text.length();
        // first pass: how many characters the escapes add; nothing more when none is needed
        int extra = 0;
        int first = -1;
        for (int i = start; i < end; i++) {
            char c = text.charAt(i);
            int width;
            if (Character.isHighSurrogate(c) && i + 1 < end && Character.isLowSurrogate(text.charAt(i + 1))) {
                width = isFormat(Character.toCodePoint(c, text.charAt(i + 1))) ? 12 : 2;
                i++;
                extra += width - 2;
                if (width != 2 && first < 0) {
                    first = i - 1;
                }
                continue;
            }
            width = escapedWidth(c, multiline);
            if (width != 1) {
                extra += width - 1;
                if (first < 0) {
                    first = i;
                }
            }
        }
        if (extra == 0) {
            return;
        }
        // second pass: from the end backwards, each character moved to its place or replaced by its
        // escape; the write position never falls below the read position, so nothing unread is lost
        text.setLength(end + extra);
        int write = end + extra;
        for (int i = end - 1; i >= first; i--) {
            char c = text.charAt(i);
            if (Character.isLowSurrogate(c) && i - 1 >= start && Character.isHighSurrogate(text.charAt(i - 1))) {
                char high = text.charAt(i - 1);
                if (isFormat(Character.toCodePoint(high, c))) {
                    write = putUnicodeEscape(text, write, c);
                    write = putUnicodeEscape(text, write, high);
                } else {
                    text.setCharAt(--write, c);
                    text.setCharAt(--write, high);
                }
                i--;
                continue;
            }
            switch (escapedWidth(c, multiline)) {
                case 1:
                    text.setCharAt(--write, c);
                    break;
                case 2:
                    text.setCharAt(--write, c == '\r' ? 'r' : c == '\n' ? 'n' : 't');
                    text.setCharAt(--write, '\\');
                    break;
                default:
                    write = putUnicodeEscape(text, write, c);
                    break;
            }
        }
    }

    /**
     * How many characters {@code c} takes once escaped: 1 (kept), 2 ({@code \r}, {@code \n},
     * {@code \t}) or 6 ({@code \}{@code uXXXX}). A surrogate that gets here is a lone one.
     */
    private static int escapedWidth(char c, boolean multiline) {
        if (c >= 0x20 && c < 0x7F) {
            return 1; // printable ASCII, by far the most common: decided at once
        }
        if (c == '\n' || c == '\t') {
            return multiline ? 1 : 2;
        }
        if (c == '\r') {
            return 2;
        }
        if (Character.isISOControl(c) || Character.isSurrogate(c) || c == '\u2028' || c == '\u2029'
                || Character.getType(c) == Character.FORMAT) {
            return 6;
        }
        return 1;
    }

    private static boolean isFormat(int codePoint) {
        return Character.getType(codePoint) == Character.FORMAT;
    }

    /** Writes {@code \}{@code uXXXX} for {@code c} so that it ends just before {@code write}. */
    private static int putUnicodeEscape(StringBuilder text, int write, char c) {
        text.setCharAt(--write, HEX[c & 0xF]);
        text.setCharAt(--write, HEX[(c >> 4) & 0xF]);
        text.setCharAt(--write, HEX[(c >> 8) & 0xF]);
        text.setCharAt(--write, HEX[(c >> 12) & 0xF]);
        text.setCharAt(--write, 'u');
        text.setCharAt(--write, '\\');
        return write;
    }
}
