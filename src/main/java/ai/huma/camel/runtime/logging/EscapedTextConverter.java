package ai.huma.camel.runtime.logging;

import java.util.List;

import ai.huma.camel.observe.LogEscaping;

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

    /** Escapes, in place, the characters of {@code text} from {@code start} on ({@link LogEscaping}). */
    static void escape(StringBuilder text, int start, boolean multiline) {
        LogEscaping.escape(text, start, multiline);
    }
}
