package ai.huma.camel.settings;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

class DotEnvPropertiesFunctionTest {

    @TempDir
    Path dir;

    private final Map<String, String> environment = new HashMap<>();

    private DotEnvPropertiesFunction function(String... dotEnvLines) throws IOException {
        Path file = dir.resolve(".env");
        Files.write(file, List.of(dotEnvLines), StandardCharsets.UTF_8);
        return new DotEnvPropertiesFunction(environment::get, file);
    }

    // --- lookup order ------------------------------------------------------------------------------

    @Test
    void nameIsDotenv() {
        assertThat(new DotEnvPropertiesFunction(environment::get, dir.resolve(".env")).getName()).isEqualTo("dotenv");
    }

    @Test
    void environmentWinsOverDotEnv() throws IOException {
        environment.put("API_URL", "https://from-env");

        assertThat(function("API_URL=https://from-file").apply("API_URL")).isEqualTo("https://from-env");
    }

    @Test
    void environmentWinsOverDotEnvEvenWhenEmpty() throws IOException {
        environment.put("API_URL", "");

        assertThat(function("API_URL=https://from-file").apply("API_URL")).isEmpty();
    }

    @Test
    void dotEnvIsUsedWhenTheEnvironmentLacksTheKey() throws IOException {
        environment.put("OTHER", "x");

        assertThat(function("API_URL=https://from-file").apply("API_URL")).isEqualTo("https://from-file");
    }

    @Test
    void fallbackIsUsedWhenNeitherHasTheKey() throws IOException {
        assertThat(function("OTHER=1").apply("HUMA_PAGES_MAX:100")).isEqualTo("100");
    }

    @Test
    void fallbackMayHoldColons() throws IOException {
        assertThat(function().apply("API_URL:https://api.example:8443/v1")).isEqualTo("https://api.example:8443/v1");
    }

    @Test
    void emptyFallbackIsAnEmptyString() throws IOException {
        assertThat(function().apply("API_URL:")).isEmpty();
    }

    @Test
    void fallbackIsNotUsedWhenTheKeyIsFound() throws IOException {
        environment.put("A", "env");

        assertThat(function("B=file").apply("A:fallback")).isEqualTo("env");
        assertThat(function("B=file").apply("B:fallback")).isEqualTo("file");
    }

    @Test
    void unknownKeyWithoutFallbackIsNull() throws IOException {
        assertThat(function("A=1").apply("MISSING")).isNull();
    }

    @Test
    void keyIsTrimmed() throws IOException {
        assertThat(function("A=1").apply(" A :x")).isEqualTo("1");
    }

    @Test
    void missingDotEnvFileIsFine() {
        DotEnvPropertiesFunction function = new DotEnvPropertiesFunction(environment::get, dir.resolve("absent.env"));
        environment.put("A", "env");

        assertThat(function.apply("A")).isEqualTo("env");
        assertThat(function.apply("B")).isNull();
        assertThat(function.apply("B:fallback")).isEqualTo("fallback");
    }

    @Test
    void directoryInPlaceOfTheDotEnvFileIsIgnored() {
        DotEnvPropertiesFunction function = new DotEnvPropertiesFunction(environment::get, dir);

        assertThat(function.apply("B:fallback")).isEqualTo("fallback");
    }

    // --- parse -------------------------------------------------------------------------------------

    @Test
    void parseReadsKeyValueLines() {
        assertThat(DotEnvPropertiesFunction.parse(List.of("A=1", "B = two ", "  C=3  ")))
                .containsOnly(Map.entry("A", "1"), Map.entry("B", "two"), Map.entry("C", "3"));
    }

    @Test
    void parseSkipsCommentsBlankLinesAndLinesWithoutAKey() {
        assertThat(DotEnvPropertiesFunction.parse(List.of("# comment", "   # indented comment", "", "   ",
                "no equals sign", "=no key", "A=1")))
                .containsOnly(Map.entry("A", "1"));
    }

    @Test
    void parseDropsTheExportPrefix() {
        assertThat(DotEnvPropertiesFunction.parse(List.of("export X=1", "export  Y = 2")))
                .containsOnly(Map.entry("X", "1"), Map.entry("Y", "2"));
    }

    @Test
    void parseRemovesDoubleAndSingleQuotes() {
        assertThat(DotEnvPropertiesFunction.parse(List.of("D=\"double quoted\"", "S='single quoted'",
                "E=\"\"", "M=\"mismatched'")))
                .containsOnly(Map.entry("D", "double quoted"), Map.entry("S", "single quoted"), Map.entry("E", ""),
                        Map.entry("M", "\"mismatched'"));
    }

    @Test
    void parseKeepsEqualsSignsInTheValue() {
        assertThat(DotEnvPropertiesFunction.parse(List.of("KEY=abc==", "URL=https://h/?a=1&b=2", "Q=\"x=y\"")))
                .containsOnly(Map.entry("KEY", "abc=="), Map.entry("URL", "https://h/?a=1&b=2"), Map.entry("Q", "x=y"));
    }

    @Test
    void parseDropsAnInlineCommentAfterAnUnquotedValue() {
        assertThat(DotEnvPropertiesFunction.parse(List.of("A=value # the comment", "B=value#not-a-comment",
                "C=a b  #  c # d")))
                .containsOnly(Map.entry("A", "value"), Map.entry("B", "value#not-a-comment"), Map.entry("C", "a b"));
    }

    @Test
    void parseKeepsAHashInsideQuotes() {
        assertThat(DotEnvPropertiesFunction.parse(List.of("A=\"value # kept\"", "B='x #y'")))
                .containsOnly(Map.entry("A", "value # kept"), Map.entry("B", "x #y"));
    }

    @Test
    void parseRemovesQuotesBeforeAnInlineComment() {
        assertThat(DotEnvPropertiesFunction.parse(List.of("A=\"x\" # comment", "B='y' # comment")))
                .containsOnly(Map.entry("A", "x"), Map.entry("B", "y"));
    }

    @Test
    void parseKeepsTheLastValueOfARepeatedKey() {
        assertThat(DotEnvPropertiesFunction.parse(List.of("A=1", "A=2"))).containsOnly(Map.entry("A", "2"));
    }

    @Test
    void dotEnvFileIsParsedWithEveryRule() throws IOException {
        DotEnvPropertiesFunction function = function(
                "# Huma receiver",
                "",
                "export API_URL=https://api.acme.huma.ai",
                "API_SECRET_KEY=\"sk-abc=def\"",
                "API_CALLBACK_AUTH='one,two'",
                "HUMA_PAGES_MAX=50 # cap");

        assertThat(function.apply("API_URL")).isEqualTo("https://api.acme.huma.ai");
        assertThat(function.apply("API_SECRET_KEY")).isEqualTo("sk-abc=def");
        assertThat(function.apply("API_CALLBACK_AUTH")).isEqualTo("one,two");
        assertThat(function.apply("HUMA_PAGES_MAX:100")).isEqualTo("50");
    }
}
