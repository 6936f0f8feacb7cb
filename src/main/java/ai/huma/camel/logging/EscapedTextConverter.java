package ai.huma.camel.logging;

import java.util.List;

import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.plugins.Plugin;
import org.apache.logging.log4j.core.impl.LocationAware;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.apache.logging.log4j.core.pattern.ConverterKeys;
import org.apache.logging.log4j.core.pattern.LogEventPatternConverter;
import org.apache.logging.log4j.core.pattern.PatternConverter;
import org.apache.logging.log4j.core.pattern.PatternFormatter;
import org.apache.logging.log4j.core.pattern.PatternParser;

/**
 * Pattern converter {@code %escaped{pattern}} (and {@code %escaped{pattern}{multiline}}): formats
 * the nested pattern, then escapes in what it wrote every character that could forge or disguise a
 * log line, so that nothing a webhook sender or an API puts in a message can start a new line,
 * colour or move the terminal's cursor (ANSI escape sequences), or reorder what is shown (bidi
 * overrides).
 *
 * <p>Escaped:
 * <ul>
 *   <li>ISO control characters (U+0000 to U+001F, U+007F to U+009F): CR, LF and TAB as {@code \r},
 *       {@code \n} and {@code \t}, every other one as {@code \}{@code u} and four upper-case hex
 *       digits (ESC becomes {@code \}{@code u001B});</li>
 *   <li>Unicode format characters (general category Cf: the bidi embeddings, overrides and
 *       isolates U+202A to U+202E and U+2066 to U+2069, the marks U+200E and U+200F, zero-width
 *       characters, U+FEFF, the soft hyphen U+00AD, the tag
 *       characters U+E0001 and U+E0020 to U+E007F, ...);</li>
 *   <li>LINE SEPARATOR U+2028 and PARAGRAPH SEPARATOR U+2029;</li>
 *   <li>lone surrogates (a high surrogate not followed by a low one, a low one not preceded by a
 *       high one).</li>
 * </ul>
 * All but the first three are written as {@code \}{@code uXXXX}; a format character outside the
 * Basic Multilingual Plane is written as the escapes of its two surrogates, as in Java or JSON.
 * Valid surrogate pairs (emoji, ...) and all other printable text are kept as they are.
 *
 * <p>Backslashes are <em>not</em> escaped: Windows paths and regular expressions stay readable,
 * at the price of perfect reversibility (a literal {@code \n} typed by the sender cannot be told
 * from an escaped line feed). The log stays safe either way: what matters is that no real control
 * character reaches it.
 *
 * <p>With the {@code multiline} option, LF and TAB are kept as they are, so that a stack trace
 * ({@code %escaped{%ex}{multiline}}) keeps its lines and indentation; everything else, CR
 * included, is escaped as above. A line feed inside an exception's message then still starts a new
 * line within the stack trace (the price of a readable trace), but it can no longer bring colours,
 * cursor moves or bidi overrides with it. Use {@code multiline} for throwables, never for the
 * message.
 *
 * <p>A nested throwable converter makes this converter handle the throwable itself, so that
 * {@code %escaped{%ex}{multiline}} replaces the throwable output PatternLayout would otherwise add.
 *
 * <p>The escaping is done in place in the layout's buffer, in two passes from the offset where the
 * nested pattern started, and costs one scan without any change when nothing needs escaping.
 */
@Plugin(name = "EscapedTextConverter", category = PatternConverter.CATEGORY)
@ConverterKeys({"escaped"})
public final class EscapedTextConverter extends LogEventPatternConverter implements LocationAware {

    /** The option that keeps line feeds and tabs. */
    public static final String MULTILINE = "multiline";

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private final PatternFormatter[] formatters;
    private final boolean multiline;

    private EscapedTextConverter(List<PatternFormatter> formatters, boolean multiline) {
        super("escaped", "escaped");
        this.formatters = formatters.toArray(new PatternFormatter[0]);
        this.multiline = multiline;
    }

    /**
     * Creates the converter; called by log4j's PatternParser.
     *
     * @param config  the current configuration
     * @param options the nested pattern, then optionally {@code multiline}
     * @return the converter, or null (log4j reports the error) when the options are wrong
     */
    public static EscapedTextConverter newInstance(Configuration config, String[] options) {
        if (options == null || options.length == 0 || options.length > 2 || options[0] == null) {
            LOGGER.error("%escaped needs a nested pattern and at most one option ({}), as in "
                    + "%escaped{%m} or %escaped{%ex}{multiline}", MULTILINE);
            return null;
        }
        boolean multiline = false;
        if (options.length == 2) {
            if (!MULTILINE.equalsIgnoreCase(options[1].trim())) {
                LOGGER.error("Unknown %escaped option '{}'; the only option is {}", options[1], MULTILINE);
                return null;
            }
            multiline = true;
        }
        PatternParser parser = PatternLayout.createPatternParser(config);
        return new EscapedTextConverter(parser.parse(options[0]), multiline);
    }

    @Override
    public void format(LogEvent event, StringBuilder toAppendTo) {
        int start = toAppendTo.length();
        for (PatternFormatter formatter : formatters) {
            formatter.format(event, toAppendTo);
        }
        escape(toAppendTo, start, multiline);
    }

    @Override
    public boolean handlesThrowable() {
        for (PatternFormatter formatter : formatters) {
            if (formatter.handlesThrowable()) {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean requiresLocation() {
        for (PatternFormatter formatter : formatters) {
            if (formatter.requiresLocation()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Escapes, in place, the characters of {@code text} from {@code start} on, as the class comment
     * says. Visible for the tests.
     */
    static void escape(StringBuilder text, int start, boolean multiline) {
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
