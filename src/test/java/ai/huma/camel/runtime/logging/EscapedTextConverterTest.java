package ai.huma.camel.runtime.logging;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.config.DefaultConfiguration;
import org.apache.logging.log4j.core.impl.Log4jLogEvent;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.apache.logging.log4j.message.SimpleMessage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class EscapedTextConverterTest {

    private static final long TIME = 1_767_225_600_123L; // 2026-01-01T00:00:00.123Z
    private static final String PREFIX = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS")
            .withZone(ZoneId.systemDefault()).format(Instant.ofEpochMilli(TIME))
            + " INFO  [worker-1] QuestionWorker - ";
    private static final String NL = System.lineSeparator();

    private static String projectPattern;
    private static PatternLayout layout;

    @BeforeAll
    static void projectLayout() throws IOException {
        // the standalone jar's logging (src/main/runtime, put at the fat jar's root by the shade plugin)
        List<String> main = patterns(java.nio.file.Path.of("src", "main", "runtime", "log4j2.xml"));
        List<String> test = patterns("/log4j2-test.xml");
        assertThat(main).hasSize(1);
        assertThat(test).hasSize(2).containsOnly(main.get(0));
        projectPattern = main.get(0);
        assertThat(projectPattern).endsWith("%escaped{%m}%n%escaped{%ex}{multiline}")
                .contains("%notEmpty{[trace_id=%X{trace_id}] }");
        layout = PatternLayout.newBuilder()
                .withPattern(projectPattern)
                .withConfiguration(new DefaultConfiguration())
                .build();
    }

    // --- the message ---------------------------------------------------------------------------------

    @Test
    void plainTextIsUnchanged() {
        String plain = "Questions/Computed ticket t1: café, déjà vu, Ünïcödé, ß, 日本語, 😀, C:\\huma\\results";
        assertThat(format(plain, null)).isEqualTo(PREFIX + plain + NL);
    }

    @Test
    void aLineOfATracedEventSaysItsTraceIdAndOthersNothing() {
        String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        LogEvent traced = Log4jLogEvent.newBuilder()
                .setLoggerName("ai.huma.camel.QuestionWorker")
                .setLoggerFqcn(EscapedTextConverterTest.class.getName())
                .setLevel(Level.INFO)
                .setThreadName("worker-1")
                .setTimeMillis(TIME)
                .setContextData(contextData("trace_id", traceId))
                .setMessage(new SimpleMessage("Questions/Computed t1: 3 page(s)"))
                .build();
        assertThat(layout.toSerializable(traced)).isEqualTo(PREFIX.replace("[worker-1] ", "[worker-1] [trace_id=" + traceId + "] ")
                + "Questions/Computed t1: 3 page(s)" + NL);
        assertThat(format("Questions/Computed t1: 3 page(s)", null)).isEqualTo(PREFIX + "Questions/Computed t1: 3 page(s)" + NL);
    }

    private static org.apache.logging.log4j.util.StringMap contextData(String key, String value) {
        org.apache.logging.log4j.util.SortedArrayStringMap data = new org.apache.logging.log4j.util.SortedArrayStringMap();
        data.putValue(key, value);
        return data;
    }

    @Test
    void everyForgingCharacterOfTheMessageIsEscaped() {
        String message = "status x\u001B[31mred\u202Eevil\r\n"
                + "2026-01-01 00:00:00.000 INFO  [main] HumaCamelMain - forged line"
                + " nul\u0000 ls\u2028 ps\u2029 bom\uFEFF zw\u200B lrm\u200E isolate\u2066 tab\t del\u007F c1\u009B"
                + " lone\uD800 low\uDC00x emoji\uD83D\uDE00 café";
        assertThat(format(message, null)).isEqualTo(PREFIX
                + "status x\\u001B[31mred\\u202Eevil\\r\\n"
                + "2026-01-01 00:00:00.000 INFO  [main] HumaCamelMain - forged line"
                + " nul\\u0000 ls\\u2028 ps\\u2029 bom\\uFEFF zw\\u200B lrm\\u200E isolate\\u2066 tab\\t del\\u007F c1\\u009B"
                + " lone\\uD800 low\\uDC00x emoji\uD83D\uDE00 café"
                + NL);
    }

    @Test
    void theLineEndsOnlyWhereThePatternEndsIt() {
        String out = format("a\nb\rc\u2028d\u0085e", null);
        assertThat(out).isEqualTo(PREFIX + "a\\nb\\rc\\u2028d\\u0085e" + NL);
        assertThat(out.lines()).hasSize(1);
    }

    // --- the stack trace -----------------------------------------------------------------------------

    @Test
    void stackTraceKeepsItsLinesButNotTheForgedCharacters() {
        IllegalStateException failure = failure("bad \u001B[2J\u202Eanswer\r\nfrom the API\u0000");
        String out = format("call failed", failure);
        assertThat(out).isEqualTo(PREFIX + "call failed" + NL
                + "java.lang.IllegalStateException: bad \\u001B[2J\\u202Eanswer\\r" + NL
                + "from the API\\u0000" + NL
                + "\tat ai.huma.camel.fetch.HumaApi.fetch(HumaApi.java:42)" + NL
                + "\tat ai.huma.camel.Worker.run(Worker.java:7)" + NL);
    }

    @Test
    void theThrowableIsPrintedOnce() {
        IllegalStateException failure = failure("printed once");
        String out = format("call failed", failure);
        assertThat(count(out, "java.lang.IllegalStateException: printed once")).isEqualTo(1);
        assertThat(count(out, "HumaApi.fetch(HumaApi.java:42)")).isEqualTo(1);
        // were handlesThrowable() false, PatternLayout would add its own %ex after ours, unescaped
        assertThat(out).isEqualTo(PREFIX + "call failed" + NL
                + "java.lang.IllegalStateException: printed once" + NL
                + "\tat ai.huma.camel.fetch.HumaApi.fetch(HumaApi.java:42)" + NL
                + "\tat ai.huma.camel.Worker.run(Worker.java:7)" + NL);
    }

    @Test
    void nestedThrowableConverterHandlesTheThrowable() {
        assertThat(EscapedTextConverter.newInstance(new DefaultConfiguration(), new String[] {"%ex", "multiline"})
                .handlesThrowable()).isTrue();
        assertThat(EscapedTextConverter.newInstance(new DefaultConfiguration(), new String[] {"%m"})
                .handlesThrowable()).isFalse();
    }

    @Test
    void unknownOptionIsRefused() {
        assertThat(EscapedTextConverter.newInstance(new DefaultConfiguration(), new String[] {"%m", "html"}))
                .isNull();
        assertThat(EscapedTextConverter.newInstance(new DefaultConfiguration(), new String[0])).isNull();
    }

    // --- the escaping itself -------------------------------------------------------------------------

    @Test
    void escapesOnlyFromTheStartOffset() {
        StringBuilder text = new StringBuilder("kept\u001B\n|x\u001By\nz\t");
        EscapedTextConverter.escape(text, 7, false);
        assertThat(text).hasToString("kept\u001B\n|x\\u001By\\nz\\t");
    }

    @Test
    void multilineKeepsLineFeedAndTabOnly() {
        StringBuilder text = new StringBuilder("a\nb\tc\r\nd\u000Be\u2028");
        EscapedTextConverter.escape(text, 0, true);
        assertThat(text).hasToString("a\nb\tc\\r\nd\\u000Be\\u2028");
    }

    @Test
    void nothingToEscapeLeavesTheBufferAlone() {
        String plain = "plain ASCII, café, 😀, \\n stays a backslash and an n";
        StringBuilder text = new StringBuilder(plain);
        EscapedTextConverter.escape(text, 0, false);
        assertThat(text).hasToString(plain);
    }

    @Test
    void surrogatesArePairedAsJavaPairsThem() {
        StringBuilder text = new StringBuilder("\uD83D\uD83D\uDE00\uDE00|\uDE00\uD83D");
        EscapedTextConverter.escape(text, 0, false);
        assertThat(text).hasToString("\\uD83D\uD83D\uDE00\\uDE00|\\uDE00\\uD83D");
    }

    @Test
    void formatCharactersOutsideTheBasicPlaneAreEscapedAsTheirSurrogates() {
        // U+E0041 TAG LATIN CAPITAL LETTER A: invisible, general category Cf
        StringBuilder text = new StringBuilder("tag").appendCodePoint(0xE0041).append("|");
        EscapedTextConverter.escape(text, 0, false);
        assertThat(text).hasToString("tag\\uDB40\\uDC41|");
    }

    // --- helpers -------------------------------------------------------------------------------------

    private static String format(String message, Throwable thrown) {
        return layout.toSerializable(event(message, thrown));
    }

    private static LogEvent event(String message, Throwable thrown) {
        return Log4jLogEvent.newBuilder()
                .setLoggerName("ai.huma.camel.QuestionWorker")
                .setLoggerFqcn(EscapedTextConverterTest.class.getName())
                .setLevel(Level.INFO)
                .setThreadName("worker-1")
                .setTimeMillis(TIME)
                .setMessage(new SimpleMessage(message))
                .setThrown(thrown)
                .build();
    }

    private static IllegalStateException failure(String message) {
        IllegalStateException failure = new IllegalStateException(message);
        failure.setStackTrace(new StackTraceElement[] {
            new StackTraceElement("ai.huma.camel.fetch.HumaApi", "fetch", "HumaApi.java", 42),
            new StackTraceElement("ai.huma.camel.Worker", "run", "Worker.java", 7),
        });
        return failure;
    }

    private static int count(String text, String part) {
        int count = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            count++;
        }
        return count;
    }

    private static List<String> patterns(java.nio.file.Path file) throws IOException {
        try (InputStream in = java.nio.file.Files.newInputStream(file)) {
            return patterns(in);
        }
    }

    private static List<String> patterns(String resource) throws IOException {
        try (InputStream in = EscapedTextConverterTest.class.getResourceAsStream(resource)) {
            assertThat(in).as(resource).isNotNull();
            return patterns(in);
        }
    }

    private static List<String> patterns(InputStream in) throws IOException {
        String xml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("<PatternLayout pattern=\"([^\"]*)\"").matcher(xml);
        List<String> found = new ArrayList<>();
        while (m.find()) {
            found.add(m.group(1));
        }
        return found;
    }
}
