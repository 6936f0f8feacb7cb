package ai.huma.camel.edge;

import java.nio.charset.StandardCharsets;
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

    private String check(String body, String contentType) {
        return check.requireJsonObject(body == null ? null : body.getBytes(StandardCharsets.UTF_8), contentType);
    }

    private static final String OBJECT = "{\"ticket_number\":\"65a1b2c3d4e5f60718293a4b\",\"status\":\"succeeded\"}";

    private final WebhookBodyCheck check = new WebhookBodyCheck();
    private final ObjectMapper json = new ObjectMapper();

    // --- accepted ----------------------------------------------------------------------------------

    @Test
    void jsonObjectIsReturnedUnchanged() {
        String body = "  {\n  \"a\" : [1, 2, {\"b\": null}],\n  \"c\": \"é\"\n}\n";

        assertThat(check(body, "application/json")).isEqualTo(body);
    }

    @Test
    void emptyJsonObjectIsAccepted() {
        assertThat(check("{}", "application/json")).isEqualTo("{}");
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"   ", "application/json", "application/json; charset=utf-8", "APPLICATION/JSON",
            "application/json;charset=UTF-8", "application/vnd.huma+json", "application/problem+json; charset=utf-8"})
    void jsonOrMissingContentTypeIsAccepted(String contentType) {
        assertThat(check(OBJECT, contentType)).isEqualTo(OBJECT);
    }

    // --- refused: content type ---------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
            "text/json", "application/xml", "application/jsonp", "application/json-seq"})
    void otherContentTypeIsRefused(String contentType) {
        assertThatThrownBy(() -> check(OBJECT, contentType))
                .isInstanceOf(BadWebhookException.class)
                .hasMessageContaining("Content-Type")
                .hasMessageContaining(contentType.split(";")[0]);
    }

    @Test
    void refusedContentTypeIsQuotedWithoutControlCharacters() {
        assertThatThrownBy(() -> check(OBJECT, "text/plain\r\nX-Evil: 1"))
                .isInstanceOf(BadWebhookException.class)
                .hasMessageContaining("Content-Type")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\r", "\n"));
    }

    @Test
    void contentTypeIsCheckedBeforeTheBody() {
        assertThatThrownBy(() -> check("", "text/plain"))
                .isInstanceOf(BadWebhookException.class)
                .hasMessageContaining("Content-Type");
    }

    // --- refused: body -----------------------------------------------------------------------------

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"   ", "\n\t"})
    void emptyBodyIsRefused(String body) {
        assertThatThrownBy(() -> check(body, "application/json"))
                .isInstanceOf(BadWebhookException.class)
                .hasMessageContaining("empty");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{", "{\"a\":}", "{'a': 1}", "{a: 1}", "not json", "{\"a\": 1,}", "}"})
    void malformedJsonIsRefused(String body) {
        assertThatThrownBy(() -> check(body, "application/json"))
                .isInstanceOf(BadWebhookException.class)
                .hasMessageContaining("not valid JSON")
                .hasMessageContaining("line")
                .hasMessageContaining("column");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{} x", "{}{}", "{} []", "{\"a\":1} 2", "{}\n{}"})
    void trailingContentAfterTheObjectIsRefused(String body) {
        assertThatThrownBy(() -> check(body, "application/json"))
                .isInstanceOf(BadWebhookException.class)
                .hasMessageContaining("not valid JSON");
    }

    @Test
    void malformedJsonMessageGivesThePositionButNotTheBody() {
        assertThatThrownBy(() -> check("{\n\"secret-ish\": oops}", "application/json"))
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
        assertThatThrownBy(() -> check(body, "application/json"))
                .isInstanceOf(BadWebhookException.class)
                .hasMessage("request body must be a JSON object, not " + kind);
    }

    // --- refused: encoding and limits -------------------------------------------------------------

    @Test
    void aByteOrderMarkIsDropped() {
        assertThat(check("\uFEFF" + OBJECT, "application/json")).isEqualTo(OBJECT);
    }

    @Test
    void invalidUtf8IsRefused() {
        byte[] body = {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};

        assertThatThrownBy(() -> check.requireJsonObject(body, "application/json"))
                .isInstanceOf(BadWebhookException.class)
                .hasMessage("request body is not valid UTF-8");
    }

    @ParameterizedTest
    @ValueSource(strings = {"application/json; charset=iso-8859-1", "application/json;charset=UTF-16", "application/json; charset=\"latin1\""})
    void aCharsetOtherThanUtf8IsRefused(String contentType) {
        assertThatThrownBy(() -> check(OBJECT, contentType))
                .isInstanceOf(BadWebhookException.class)
                .hasMessageContaining("UTF-8");
    }

    @ParameterizedTest
    @ValueSource(ints = {33, 1001, 100_000})
    void nestingDeeperThanTheLimitIsRefusedAsBadInput(int depth) {
        String body = "{\"a\":" + "[".repeat(depth - 1) + "]".repeat(depth - 1) + "}";

        assertThatThrownBy(() -> check(body, "application/json"))
                .isInstanceOf(BadWebhookException.class)
                .hasMessage("request body is nested deeper than 32 levels (huma.http.max-json-depth)");
    }

    @Test
    void unclosedNestingDeeperThanTheLimitIsRefusedAsBadInput() {
        assertThatThrownBy(() -> check("[".repeat(100_000), "application/json"))
                .isInstanceOf(BadWebhookException.class)
                .hasMessageContaining("nested deeper than 32 levels");
    }

    @Test
    void nestingUpToTheLimitIsAccepted() {
        String body = "{\"a\":" + "[".repeat(31) + "]".repeat(31) + "}";

        assertThat(check(body, "application/json")).isEqualTo(body);
    }

    @Test
    void theLimitIsConfigurable() {
        WebhookBodyCheck shallow = new WebhookBodyCheck();
        shallow.setMaxDepth(2);

        assertThat(shallow.requireJsonObject("{\"links\":[]}".getBytes(StandardCharsets.UTF_8), null)).isNotNull();
        assertThatThrownBy(() -> shallow.requireJsonObject("{\"links\":[{}]}".getBytes(StandardCharsets.UTF_8), null))
                .hasMessageContaining("deeper than 2 levels");
        assertThatThrownBy(() -> shallow.setMaxDepth(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"n\": 1%s}", "{\"n\": -1%s}", "{\"n\": 1.%s}", "{\"n\": 1e1%s}", "[1%s]"})
    void aNumberLongerThanTheLimitIsRefusedAsBadInput(String shape) {
        String body = shape.formatted("0".repeat(5000));

        assertThatThrownBy(() -> check(body, "application/json"))
                .isInstanceOf(BadWebhookException.class)
                .hasMessageStartingWith("request body is over a JSON limit: ")
                .hasMessageContaining("(1000)")
                .message().doesNotContain("StreamReadConstraints");
    }

    @Test
    void aNumberOfAThousandDigitsIsAccepted() {
        String body = "{\"n\": 1" + "0".repeat(999) + "}";

        assertThat(check(body, "application/json")).isEqualTo(body);
    }

    @Test
    void aDuplicateKeyIsRefused() {
        assertThatThrownBy(() -> check("{\"note\":\"1\",\"note\":\"2\"}", "application/json"))
                .isInstanceOf(BadWebhookException.class)
                .hasMessageContaining("not valid JSON");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"a\":\"\\ud800\"}", "{\"a\":1e999999999}", "{\"\\u0000\":\"\\u202e\"}"})
    void oddButValidJsonIsAccepted(String body) {
        assertThat(check(body, "application/json")).isEqualTo(body);
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
            check(body, "application/json");
        } catch (BadWebhookException e) {
            return e;
        }
        throw new AssertionError("expected a BadWebhookException for " + body);
    }
}
