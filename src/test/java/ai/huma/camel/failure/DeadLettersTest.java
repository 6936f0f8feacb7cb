package ai.huma.camel.failure;

import ai.huma.camel.fetch.BadHumaPayloadException;

import java.net.ConnectException;
import java.time.Instant;
import java.util.Map;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DeadLettersTest {

    private static final String PAYLOAD = "{\"question\":{\"id\":\"q-1\",\"name\":\"Caf\u00e9 \\\"best\\\"\"},"
            + "\"values\":[1,2.5,null,true],\"nested\":{\"empty\":{}}}";
    private static final String RECEIVED_AT = "2026-03-01T12:00:00Z";
    private static final String API_URI = "https://api.huma.test/v1/questions/q-1/compute";

    private final JsonMapper json = new JsonMapper();
    private final DeadLetters deadLetters = new DeadLetters();
    private final CamelContext context = new DefaultCamelContext();
    private final Exchange exchange = new DefaultExchange(context);

    @AfterEach
    void closeContext() {
        context.stop();
    }

    // --- record ------------------------------------------------------------------------------------

    @Test
    void recordHoldsTheEventItsPayloadAndTheFailure() throws Exception {
        failedExchange(PAYLOAD);
        Instant before = Instant.now();

        JsonNode record = json.readTree(deadLetters.record(exchange));

        assertThat(record.get("event").asText()).isEqualTo("Questions/Computed");
        assertThat(record.get("payload").isObject()).isTrue();
        assertThat(record.get("payload")).isEqualTo(json.readTree(PAYLOAD));
        assertThat(record.get("reason").asText()).contains("HttpOperationFailedException").contains("500")
                .contains("upstream exploded");
        assertThat(record.get("http_status").asInt()).isEqualTo(500);
        assertThat(record.get("attempts").asInt()).isEqualTo(4);
        assertThat(record.get("received_at").asText()).isEqualTo(RECEIVED_AT);
        assertThat(Instant.parse(record.get("failed_at").asText())).isBetween(before, Instant.now());
        assertThat(record.get("replays").asInt()).isEqualTo(2);
        assertThat(record.get("failed_route").asText()).isEqualTo("huma-worker");
    }

    @Test
    void recordHoldsExactlyTheDocumentedFields() throws Exception {
        failedExchange(PAYLOAD);

        Map<String, Object> record = json.readValue(deadLetters.record(exchange), new TypeReference<>() { });

        assertThat(record).containsOnlyKeys("event", "payload", "reason", "http_status", "attempts", "received_at",
                "failed_at", "replays", "failed_route");
    }

    @Test
    void whileTracingTheRecordKeepsTheTraceContextAndItsReplayReadsIt() throws Exception {
        failedExchange(PAYLOAD);
        String traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        exchange.getMessage().setHeader("traceparent", traceparent);

        String record = deadLetters.record(exchange);

        assertThat(json.readTree(record).get("traceparent").asText()).isEqualTo(traceparent);
        assertThat(deadLetters.read(record).getTraceparent()).isEqualTo(traceparent);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "not a trace", "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\nforged"})
    void aTraceContextThatIsNotValidIsNeitherKeptNorRead(String traceparent) throws Exception {
        failedExchange(PAYLOAD);
        exchange.getMessage().setHeader("traceparent", traceparent);

        String record = deadLetters.record(exchange);

        assertThat(json.readTree(record).has("traceparent")).isFalse();
        String edited = record.replace("\"replays\"", "\"traceparent\" : " + json.writeValueAsString(traceparent) + ", \"replays\"");
        assertThat(deadLetters.read(edited).getTraceparent()).isNull();
    }

    @Test
    void recordNeverHoldsAnotherHeader() throws Exception {
        failedExchange(PAYLOAD);
        exchange.getMessage().setHeader("Authorization", "Bearer secret-xyz");
        exchange.getMessage().setHeader("X-Api-Key", "api-key-123");
        exchange.getMessage().setHeader("CamelHttpQuery", "token=query-secret-456");

        String record = deadLetters.record(exchange);

        assertThat(record).doesNotContain("secret-xyz").doesNotContain("Authorization").doesNotContain("api-key-123")
                .doesNotContain("query-secret-456");
    }

    @Test
    void bodyThatIsNotJsonIsKeptAsAString() throws Exception {
        failedExchange("not json {at all");

        JsonNode record = json.readTree(deadLetters.record(exchange));

        assertThat(record.get("payload").isTextual()).isTrue();
        assertThat(record.get("payload").asText()).isEqualTo("not json {at all");
    }

    @Test
    void recordWithoutFailureDetailsSaysUnknown() throws Exception {
        exchange.getMessage().setBody(PAYLOAD);

        JsonNode record = json.readTree(deadLetters.record(exchange));

        assertThat(record.get("reason").asText()).isEqualTo("unknown");
        assertThat(record.has("http_status")).isFalse();
        assertThat(record.get("attempts").asInt()).isZero();
        assertThat(record.get("replays").asInt()).isZero();
        assertThat(record.get("event").isNull()).isTrue();
        assertThat(record.get("received_at").isNull()).isTrue();
        assertThat(record.get("failed_route").isNull()).isTrue();
    }

    @Test
    void nonHttpFailureGivesItsClassAndMessageAndNoStatus() throws Exception {
        failedExchange(PAYLOAD);
        exchange.setProperty(Exchange.EXCEPTION_CAUGHT, new ConnectException("Connection refused"));

        JsonNode record = json.readTree(deadLetters.record(exchange));

        assertThat(record.get("reason").asText()).isEqualTo("ConnectException: Connection refused");
        assertThat(record.has("http_status")).isFalse();
    }

    @Test
    void failureWithoutMessageGivesItsClassOnly() throws Exception {
        failedExchange(PAYLOAD);
        exchange.setProperty(Exchange.EXCEPTION_CAUGHT, new IllegalStateException());

        JsonNode record = json.readTree(deadLetters.record(exchange));

        assertThat(record.get("reason").asText()).isEqualTo("IllegalStateException");
    }

    @Test
    void longMultiLineResponseBodyIsCutToOneShortLine() throws Exception {
        failedExchange(PAYLOAD);
        String body = "line one\n\tline two\r\n" + "x".repeat(1000);
        exchange.setProperty(Exchange.EXCEPTION_CAUGHT,
                new HttpOperationFailedException(API_URI, 502, "Bad Gateway", null, Map.of(), body));

        String reason = json.readTree(deadLetters.record(exchange)).get("reason").asText();

        assertThat(reason).contains("line one line two x").doesNotContain("\n").doesNotContain("\t")
                .doesNotContain("x".repeat(301)).endsWith("...");
    }

    @Test
    void recordWithReasonUsesTheReasonGiven() throws Exception {
        failedExchange(PAYLOAD);

        JsonNode record = json.readTree(deadLetters.recordWithReason(exchange, "shut down before it was processed"));

        assertThat(record.get("reason").asText()).isEqualTo("shut down before it was processed");
        assertThat(record.get("http_status").asInt()).isEqualTo(500);
        assertThat(record.get("payload")).isEqualTo(json.readTree(PAYLOAD));
    }

    @Test
    void recordWithANullReasonFallsBackToTheFailure() throws Exception {
        failedExchange(PAYLOAD);

        JsonNode record = json.readTree(deadLetters.recordWithReason(exchange, null));

        assertThat(record.get("reason").asText()).startsWith("HttpOperationFailedException");
    }

    // --- fileName ----------------------------------------------------------------------------------

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "Questions/Computed       | questions-computed",
            "Subscription/Updated     | subscription-updated",
            "'History Visualized!'    | history-visualized-",
            "../../etc/passwd         | -etc-passwd",
            "'C:\\Windows\\system32'  | c-windows-system32",
    })
    void fileNameIsASafeJsonNameWithTheEvent(String event, String expectedPart) {
        exchange.getMessage().setHeader(DeadLetters.EVENT_HEADER, event);

        String name = deadLetters.fileName(exchange);

        assertThat(name).endsWith(".json").contains("-" + expectedPart + "-").contains(exchange.getExchangeId())
                .doesNotContain("/").doesNotContain("\\").doesNotContain("..").doesNotContain(" ")
                .matches("\\d{8}T\\d{6}\\.\\d{3}Z-.*");
    }

    @Test
    void fileNameWithoutAnEventSaysUnknown() {
        assertThat(deadLetters.fileName(exchange)).contains("-unknown-").endsWith(".json");
    }

    @Test
    void fileNamesOfTwoExchangesDiffer() {
        Exchange other = new DefaultExchange(context);
        exchange.getMessage().setHeader(DeadLetters.EVENT_HEADER, "Questions/Computed");
        other.getMessage().setHeader(DeadLetters.EVENT_HEADER, "Questions/Computed");

        assertThat(deadLetters.fileName(exchange)).isNotEqualTo(deadLetters.fileName(other));
    }

    // --- payload as stored ------------------------------------------------------------------------

    @Test
    void payloadIsStoredAsTheExactTextHumaSent() throws Exception {
        String exact = "{\"amount\": 1.10, \"big\": 123456789012345678901234567890123,"
                + " \"precise\": 0.1000000000000000055511151231257827, \"text\": \"\\u00e9\\ud83d\\ude00\"}";
        failedExchange(exact);

        String record = deadLetters.record(exchange);

        assertThat(record).contains(exact);
        assertThat(deadLetters.read(record).getPayload()).isEqualTo(exact);
    }

    @Test
    void aPayloadNestedAsDeepAsTheEdgeAllowsIsStoredAndReadBack() throws Exception {
        String deep = "{\"a\":" + "[".repeat(500) + "]".repeat(500) + "}";
        failedExchange(deep);

        String record = deadLetters.record(exchange);

        assertThat(deadLetters.read(record).getPayload()).isEqualTo(deep);
    }

    @Test
    void aPayloadTooDeepToCopyIsKeptAsAString() throws Exception {
        String deeper = "{\"a\":" + "[".repeat(DeadLetters.MAX_PAYLOAD_DEPTH + 5) + "]".repeat(DeadLetters.MAX_PAYLOAD_DEPTH + 5) + "}";
        failedExchange(deeper);

        String record = deadLetters.record(exchange);

        assertThat(json.readTree(record).get("payload").asText()).isEqualTo(deeper);
        assertThat(deadLetters.read(record).getPayload()).isEqualTo(deeper);
    }

    // --- read (replay) -----------------------------------------------------------------------------

    @Test
    void readGivesBackTheEventArrivalPayloadAndNextReplayCount() throws Exception {
        failedExchange(PAYLOAD);

        DeadLetters.DeadLetter read = deadLetters.read(deadLetters.record(exchange));

        assertThat(read.getEvent()).isEqualTo("Questions/Computed");
        assertThat(read.getReceivedAt()).isEqualTo(RECEIVED_AT);
        assertThat(read.getNextReplays()).isEqualTo(3);
        assertThat(json.readTree(read.getPayload())).isEqualTo(json.readTree(PAYLOAD));
    }

    @Test
    void readGivesBackAStringPayloadAsItWas() throws Exception {
        failedExchange("not json {at all");

        assertThat(deadLetters.read(deadLetters.record(exchange)).getPayload()).isEqualTo("not json {at all");
    }

    @Test
    void readTakesARecordEditedByHand() {
        String record = "{\n  \"replays\": 1,\n  \"event\": \"Histories/Visualized\",\n  \"payload\":\n"
                + "    {\"conversion_id\": \"v1\"}  ,\n  \"extra\": [1, {\"x\": 2}]\n}\n";

        DeadLetters.DeadLetter read = deadLetters.read(record);

        assertThat(read.getEvent()).isEqualTo("Histories/Visualized");
        assertThat(read.getPayload()).isEqualTo("{\"conversion_id\": \"v1\"}");
        assertThat(read.getNextReplays()).isEqualTo(2);
        assertThat(read.getReceivedAt()).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"{}", "{\"event\": \"Questions/Computed\"}", "{\"payload\": null}"})
    void readRefusesARecordWithoutPayload(String record) {
        assertThatThrownBy(() -> deadLetters.read(record))
                .isInstanceOf(BadHumaPayloadException.class)
                .hasMessageContaining("payload");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "  ", "[]", "not json", "{\"payload\": {\"a\": }"})
    void readRefusesWhatIsNotARecord(String record) {
        assertThatThrownBy(() -> deadLetters.read(record)).isInstanceOf(BadHumaPayloadException.class);
    }

    @ParameterizedTest(name = "replays {0} -> {1}")
    @CsvSource({"0, 1", "1, 2", "7, 8", "2147483647, 2147483648", "9223372036854775806, 9223372036854775807",
            "9223372036854775807, 9223372036854775807", "99999999999999999999999, 9223372036854775807",
            "-3, 1", "1e30, 9223372036854775807", "2.5, 3", "'\"lots\"', 1", "null, 1"})
    void nextReplayCountIsOneMoreAndNeverWraps(String replays, long next) {
        String record = "{\"replays\": " + replays + ", \"payload\": {}}";

        assertThat(deadLetters.read(record).getNextReplays()).isEqualTo(next);
    }

    @Test
    void aReplayCountPastTwoToTheThirtyOneIsWrittenAsItIs() throws Exception {
        failedExchange(PAYLOAD);
        exchange.getMessage().setHeader(DeadLetters.REPLAYS_HEADER, 3_000_000_000L);

        assertThat(json.readTree(deadLetters.record(exchange)).get("replays").asLong()).isEqualTo(3_000_000_000L);
    }

    @Test
    void nextReplayCountWithoutReplaysIsOne() {
        assertThat(deadLetters.read("{\"event\": \"Questions/Computed\", \"payload\": {}}").getNextReplays()).isEqualTo(1);
    }

    // --- isApiKeyRefused ---------------------------------------------------------------------------

    @Test
    void apiKeyIsRefusedOnHttp401() {
        assertThat(deadLetters.isApiKeyRefused(httpFailure(401))).isTrue();
    }

    @ParameterizedTest
    @ValueSource(ints = {400, 403, 404, 429, 500, 503})
    void otherHttpStatusIsNotARefusedApiKey(int status) {
        assertThat(deadLetters.isApiKeyRefused(httpFailure(status))).isFalse();
    }

    @ParameterizedTest
    @NullSource
    void noFailureIsNotARefusedApiKey(Exception failure) {
        assertThat(deadLetters.isApiKeyRefused(failure)).isFalse();
    }

    @Test
    void nonHttpFailureIsNotARefusedApiKey() {
        assertThat(deadLetters.isApiKeyRefused(new ConnectException("401"))).isFalse();
        assertThat(deadLetters.isApiKeyRefused(new IllegalStateException("HTTP 401 Unauthorized"))).isFalse();
    }

    // --- helpers -----------------------------------------------------------------------------------

    private void failedExchange(String body) {
        exchange.getMessage().setBody(body);
        exchange.getMessage().setHeader(DeadLetters.EVENT_HEADER, "Questions/Computed");
        exchange.getMessage().setHeader(DeadLetters.RECEIVED_AT_HEADER, RECEIVED_AT);
        exchange.getMessage().setHeader(DeadLetters.REPLAYS_HEADER, 2);
        exchange.setProperty(Exchange.EXCEPTION_CAUGHT, new HttpOperationFailedException(API_URI, 500,
                "Internal Server Error", null, Map.of("Content-Type", "text/plain"), "upstream exploded"));
        exchange.setProperty(RedeliveryAdvisor.ATTEMPTS, 4);
        exchange.setProperty(Exchange.FAILURE_ROUTE_ID, "huma-worker");
    }

    private static HttpOperationFailedException httpFailure(int status) {
        return new HttpOperationFailedException(API_URI, status, "Status " + status, null, Map.of(), null);
    }
}
