package ai.huma.camel.deliver;

import ai.huma.camel.fetch.BadHumaPayloadException;

import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ResultFileNamesTest {

    private static final String TICKET = "65a1b2c3d4e5f60718293a4b";
    private static final String SUFFIX = "_result.json";
    /** U+20000, a CJK letter outside the BMP: a surrogate pair in Java, 4 bytes in UTF-8. */
    private static final String SUPPLEMENTARY_LETTER = new String(Character.toChars(0x20000));
    private static final String EMOJI = "\uD83D\uDE00";

    private final ResultFileNames names = new ResultFileNames();

    // --- sanitizeQuestion: the seed's rule ---------------------------------------------------

    static Stream<Arguments> seedRule() {
        return Stream.of(
                Arguments.of("What were sales in 2023?", "What_were_sales_in_2023"),
                Arguments.of("a\tb\nc\rd", "a_b_c_d"),
                Arguments.of("a\u00A0b\u2003c", "a_b_c"),
                Arguments.of("  two  spaces  ", "__two__spaces__"),
                Arguments.of("../../etc/passwd", "etcpasswd"),
                Arguments.of("a\\b/c:d*e?f\"g<h>i|j", "abcdefghij"),
                Arguments.of("ventes € 2023 (T1)!", "ventes__2023_T1"),
                Arguments.of("Umsätze 2023", "Umsätze_2023"),
                Arguments.of("销售额 2023", "销售额_2023"),
                Arguments.of("a\u0000b\u001Bc\u007Fd", "abcd"),
                Arguments.of("smile " + EMOJI + " please", "smile__please"),
                Arguments.of("x" + SUPPLEMENTARY_LETTER + "y", "x" + SUPPLEMENTARY_LETTER + "y"));
    }

    @ParameterizedTest
    @MethodSource("seedRule")
    void sanitizeQuestionKeepsLettersAndDigitsTurnsWhitespaceIntoUnderscoreAndDropsTheRest(String question,
            String expected) {
        assertThat(ResultFileNames.sanitizeQuestion(question)).isEqualTo(expected);
    }

    @Test
    void sanitizeQuestionOfNullIsEmpty() {
        assertThat(ResultFileNames.sanitizeQuestion(null)).isEmpty();
    }

    @Test
    void questionNameIsSanitizedQuestionWithResultSuffix() {
        assertThat(names.question("What were sales in 2023?", TICKET)).isEqualTo("What_were_sales_in_2023_result.json");
    }

    // --- fallback to the ticket number ---------------------------------------------------------

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"   ", "?!?", "...", "\t\n", "/\\", EMOJI, "\u0000"})
    void questionWithoutLetterOrDigitIsNamedAfterTheTicket(String question) {
        assertThat(names.question(question, TICKET)).isEqualTo("question_" + TICKET + SUFFIX);
    }

    @Test
    void fallbackRefusesATicketThatIsNotAPlainId() {
        assertThatThrownBy(() -> names.question("???", "../etc"))
                .isInstanceOf(BadHumaPayloadException.class)
                .hasMessageContaining("ticket_number");
    }

    @Test
    void ticketIsNotNeededWhenTheQuestionHasALetter() {
        assertThat(names.question("a", null)).isEqualTo("a" + SUFFIX);
    }

    // --- at most 255 bytes, cut between code points --------------------------------------------

    @Test
    void longAsciiQuestionIsTrimmedTo255Bytes() {
        String name = names.question("q".repeat(400), TICKET);

        assertThat(utf8Length(name)).isEqualTo(ResultFileNames.MAX_NAME_BYTES);
        assertThat(name).isEqualTo("q".repeat(255 - SUFFIX.length()) + SUFFIX);
    }

    @Test
    void longCjkQuestionIsTrimmedOnACharacterBoundary() {
        String name = names.question("销".repeat(150), TICKET);

        // 243 bytes of room / 3 bytes a character = 81 characters exactly
        assertThat(name).isEqualTo("销".repeat(81) + SUFFIX);
        assertThat(utf8Length(name)).isEqualTo(255);
    }

    @Test
    void longCjkQuestionThatDoesNotFillTheRoomExactlyStaysUnder255Bytes() {
        String name = names.question("a" + "销".repeat(150), TICKET);

        // 1 + 80 * 3 = 241 bytes; an 81st character would make 244 > 243
        assertThat(name).isEqualTo("a" + "销".repeat(80) + SUFFIX);
        assertThat(utf8Length(name)).isEqualTo(253);
    }

    @ParameterizedTest
    @ValueSource(ints = {240, 241, 242})
    void surrogatePairThatDoesNotFitIsDroppedWhole(int asciiPrefix) {
        String name = names.question("a".repeat(asciiPrefix) + SUPPLEMENTARY_LETTER + "zzz", TICKET);

        assertThat(name).isEqualTo("a".repeat(asciiPrefix) + SUFFIX);
        assertNoLoneSurrogate(name);
        assertThat(utf8Length(name)).isLessThanOrEqualTo(255);
    }

    @Test
    void surrogatePairThatFitsExactlyIsKept() {
        String name = names.question("a".repeat(239) + SUPPLEMENTARY_LETTER + "zzz", TICKET);

        assertThat(name).isEqualTo("a".repeat(239) + SUPPLEMENTARY_LETTER + SUFFIX);
        assertThat(utf8Length(name)).isEqualTo(255);
    }

    @Test
    void questionOfSupplementaryLettersOnlyIsTrimmedToWholePairs() {
        String name = names.question(SUPPLEMENTARY_LETTER.repeat(100), TICKET);

        // 243 / 4 = 60 letters (240 bytes)
        assertThat(name).isEqualTo(SUPPLEMENTARY_LETTER.repeat(60) + SUFFIX);
        assertNoLoneSurrogate(name);
    }

    @Test
    void trimToBytesCutsBeforeAnEmojiThatWouldCrossTheLimit() {
        assertThat(ResultFileNames.trimToBytes("abc" + EMOJI, 6)).isEqualTo("abc");
        assertThat(ResultFileNames.trimToBytes("abc" + EMOJI, 7)).isEqualTo("abc" + EMOJI);
        assertThat(ResultFileNames.trimToBytes("é".repeat(3), 5)).isEqualTo("éé");
        assertThat(ResultFileNames.trimToBytes("short", 255)).isEqualTo("short");
    }

    // --- no dangerous character in any output --------------------------------------------------

    static Stream<String> hostileQuestions() {
        return Stream.of(
                "../../../etc/passwd",
                "..\\..\\windows\\system32",
                "a/b\\c",
                "line\nbreak\r\nand\u0000nul\u0007bell\u001Besc\u007Fdel\u0085nel\u009Bcsi",
                "..",
                ".",
                "\u202Eevil\u200B",
                "销".repeat(150) + "/..",
                "q".repeat(400) + "\u0000",
                ("x" + EMOJI).repeat(200));
    }

    @ParameterizedTest
    @MethodSource("hostileQuestions")
    void questionNameIsAlwaysOneSafeFileName(String question) {
        assertSafeFileName(names.question(question, TICKET));
    }

    @Test
    void subscriptionAndHistoryNamesUseThePlainId() {
        assertThat(names.subscription(TICKET)).isEqualTo(TICKET + SUFFIX);
        assertThat(names.historyResult("conv_1-A")).isEqualTo("conv_1-A" + SUFFIX);
        assertThat(names.historyFile("conv_1-A", "png")).isEqualTo("conv_1-A.png");
    }

    @Test
    void longestPlainIdStillMakesANameUnder255Bytes() {
        String id = "a".repeat(128);
        assertSafeFileName(names.subscription(id));
        assertSafeFileName(names.historyResult(id));
        assertSafeFileName(names.historyFile(id, "abcdefghij"));
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"..", "../x", "a/b", "a\\b", "a b", "a\nb", "a\u0000b", "a.json"})
    void subscriptionRefusesAnIdThatIsNotPlain(String id) {
        assertThatThrownBy(() -> names.subscription(id))
                .isInstanceOf(BadHumaPayloadException.class)
                .hasMessageContaining("subscribed_id")
                .satisfies(e -> assertNoControlCharacter(e.getMessage()));
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"..", "../x", "a/b", "a\\b", "a b", "a\nb", "a\u0000b"})
    void historyResultRefusesAConversionIdThatIsNotPlain(String id) {
        assertThatThrownBy(() -> names.historyResult(id))
                .isInstanceOf(BadHumaPayloadException.class)
                .hasMessageContaining("conversion_id")
                .satisfies(e -> assertNoControlCharacter(e.getMessage()));
    }

    @Test
    void historyFileRefusesAConversionIdThatIsNotPlain() {
        assertThatThrownBy(() -> names.historyFile("../x", "png"))
                .isInstanceOf(BadHumaPayloadException.class)
                .hasMessageContaining("conversion_id");
    }

    @ParameterizedTest
    @ValueSource(strings = {"png", "PNG", " svg ", "html", "mp4", "abcdefghij"})
    void historyFileAcceptsAPlainExtensionInLowerCase(String fileType) {
        String name = names.historyFile("conv1", fileType);

        assertThat(name).isEqualTo("conv1." + fileType.strip().toLowerCase());
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"  ", ".png", "../png", "png/x", "p\\ng", "tar.gz", "pn g", "pn\ng", "png\u0000",
            "abcdefghijk", "jpg;rm"})
    void historyFileRefusesAFileTypeThatIsNotAPlainExtension(String fileType) {
        assertThatThrownBy(() -> names.historyFile("conv1", fileType))
                .isInstanceOf(BadHumaPayloadException.class)
                .hasMessageContaining("file_type")
                .satisfies(e -> assertNoControlCharacter(e.getMessage()));
    }

    @Test
    void historyFileRefusesAFileTypeThatIsNotText() {
        assertThatThrownBy(() -> names.historyFile("conv1", 42))
                .isInstanceOf(BadHumaPayloadException.class)
                .hasMessageContaining("file_type");
    }

    // --- helpers -------------------------------------------------------------------------------

    private static int utf8Length(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length;
    }

    private static void assertSafeFileName(String name) {
        assertThat(name).isNotEmpty()
                .doesNotContain("/", "\\", "..", "\u0000")
                .isNotEqualTo(".");
        assertThat(utf8Length(name)).isLessThanOrEqualTo(ResultFileNames.MAX_NAME_BYTES);
        assertNoControlCharacter(name);
        assertNoLoneSurrogate(name);
    }

    private static void assertNoControlCharacter(String text) {
        assertThat(text.codePoints().filter(Character::isISOControl).toArray())
                .as("control characters in %s", text)
                .isEmpty();
    }

    private static void assertNoLoneSurrogate(String text) {
        // a lone surrogate is not a code point of its own: it would not survive a UTF-8 round trip
        assertThat(new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8)).isEqualTo(text);
    }
}
