package ai.huma.camel;

import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WebhookBodyCheckTest {

    private static final String OBJECT = "{\"ticket_number\":\"65a1b2c3d4e5f60718293a4b\",\"status\":\"succeeded\"}";

    private final WebhookBodyCheck check = new WebhookBodyCheck();
    private final ObjectMapper json = new ObjectMapper();

    // --- accepted ----------------------------------------------------------------------------------

    @Test
    void jsonObjectIsReturnedUnchanged() {
        String body = "  {\n  \"a\" : [1, 2, {\"b\": null}],\n  \"c\": \"é\"\n}\n";

        assertThat(check.requireJsonObject(body, "application/json")).isSameAs(body);
    }

    @Test
    void emptyJsonObjectIsAccepted() {
        assertThat(check.requireJsonObject("{}", "application/json")).isEqualTo("{}");
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"   ", "application/json", "application/json; charset=utf-8", "APPLICATION/JSON",
            "application/json;charset=UTF-8", "application/vnd.huma+json", "application/problem+json; charset=utf-8"})
    void jsonOrMissingContentTypeIsAccepted(String contentType) {
        assertThat(check.requireJsonObject(OBJECT, contentType)).isEqualTo(OBJECT);
    }

    // --- refused: content type ---------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
            "text/json", "application/xml", "application/jsonp", "application/json-seq"})
    void otherContentTypeIsRefused(String contentType) {
        assertThatThrownBy(() -> check.requireJsonObject(OBJECT, contentType))
                .isInstanceOf(BadWebhookException.class)
                .hasMessageContaining("Content-Type")
                .hasMessageContaining(contentType.split(";")[0]);
    }

    @Test
    void refusedContentTypeIsQuotedWithoutControlCharacters() {
        assertThatThrownBy(() -> check.requireJsonObject(OBJECT, "text/plain\r\nX-Evil: 1"))
                .isInstanceOf(BadWebhookException.class)
                .hasMessageContaining("Content-Type")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\r", "\n"));
    }

    @Test
    void contentTypeIsCheckedBeforeTheBody() {
        assertThatThrownBy(() -> check.requireJsonObject("", "text/plain"))
                .isInstanceOf(BadWebhookException.class)
                .hasMessageContaining("Content-Type");
    }

    // --- refused: body -----------------------------------------------------------------------------

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"   ", "\n\t"})
    void emptyBodyIsRefused(String body) {
        assertThatThrownBy(() -> check.requireJsonObject(body, "application/json"))
                .isInstanceOf(BadWebhookException.class)
                .hasMessageContaining("empty");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{", "{\"a\":}", "{'a': 1}", "{a: 1}", "not json", "{\"a\": 1,}", "}"})
    void malformedJsonIsRefused(String body) {
        assertThatThrownBy(() -> check.requireJsonObject(body, "application/json"))
                .isInstanceOf(BadWebhookException.class)
                .hasMessageContaining("not valid JSON")
                .hasMessageContaining("line")
                .hasMessageContaining("column");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{} x", "{}{}", "{} []", "{\"a\":1} 2", "{}\n{}"})
    void trailingContentAfterTheObjectIsRefused(String body) {
        assertThatThrownBy(() -> check.requireJsonObject(body, "application/json"))
                .isInstanceOf(BadWebhookException.class)
                .hasMessageContaining("not valid JSON");
    }

    @Test
    void malformedJsonMessageGivesThePositionButNotTheBody() {
        assertThatThrownBy(() -> check.requireJsonObject("{\n\"secret-ish\": oops}", "application/json"))
                .isInstanceOf(BadWebhookException.class)
                .hasMessageContaining("line 2")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("secret-ish", "oops"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "[]               | an array",
            "[{\"a\": 1}]     | an array",
            "\"text\"         | a string",
            "42               | a number",
            "-1.5e3           | a number",
            "null             | null",
            "true             | a boolean",
            "false            | a boolean"})
    void jsonThatIsNotAnObjectIsRefusedNamingWhatItIs(String body, String kind) {
        assertThatThrownBy(() -> check.requireJsonObject(body, "application/json"))
                .isInstanceOf(BadWebhookException.class)
                .hasMessage("request body must be a JSON object, not " + kind);
    }

    // --- errorBody ---------------------------------------------------------------------------------

    @Test
    void errorBodyOfABadWebhookIsItsMessageAsJson() throws Exception {
        String body = check.errorBody(check.refusalReason(new BadWebhookException("request body is empty: a JSON object is expected")));

        assertThat(json.readValue(body, Map.class))
                .containsExactly(Map.entry("error", "request body is empty: a JSON object is expected"));
    }

    @Test
    void errorBodyEscapesTheMessage() throws Exception {
        String message = "quote \" backslash \\ brace } ";
        String body = check.errorBody(message);

        assertThat(json.readValue(body, Map.class)).containsExactly(Map.entry("error", message));
    }

    @Test
    void errorBodyOfARefusalFromRequireJsonObjectIsItsMessage() throws Exception {
        BadWebhookException refusal = catchBadWebhook("[1]");

        assertThat(json.readTree(check.errorBody(check.refusalReason(refusal))).get("error").asText()).isEqualTo(refusal.getMessage());
    }

    @Test
    void errorBodyOfAnyOtherExceptionIsGeneric() throws Exception {
        String body = check.errorBody(check.refusalReason(new IllegalStateException("internal detail /etc/secret")));

        assertThat(json.readValue(body, Map.class)).containsExactly(Map.entry("error", "bad request"));
        assertThat(body).doesNotContain("internal detail");
    }

    @Test
    void errorBodyWithoutAReasonIsGeneric() throws Exception {
        assertThat(json.readValue(check.errorBody(check.refusalReason(null)), Map.class)).containsExactly(Map.entry("error", "bad request"));
        assertThat(json.readValue(check.errorBody(null), Map.class)).containsExactly(Map.entry("error", "bad request"));
    }

    private BadWebhookException catchBadWebhook(String body) {
        try {
            check.requireJsonObject(body, "application/json");
        } catch (BadWebhookException e) {
            return e;
        }
        throw new AssertionError("expected a BadWebhookException for " + body);
    }
}
