package ai.huma.camel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.http.base.HttpOperationFailedException;

/**
 * Writes and reads dead letters: the record of an event whose processing finally failed, made so
 * that it can be read by a person and replayed by dropping the file into the replay folder.
 * <pre>
 * {
 *   "event": "Questions/Computed",         the webhook it came from
 *   "payload": { ...webhook body... },     exactly what Huma sent
 *   "reason": "...",                       why it failed (exception and message; never a secret)
 *   "http_status": 500,                    Huma's answer, when the failure was an HTTP error
 *   "attempts": 4,                         delivery attempts of the step that failed
 *   "received_at": "2026-...Z",            when the webhook was accepted
 *   "failed_at": "2026-...Z",              when it was given up
 *   "replays": 0                           how many times it had been replayed before
 * }
 * </pre>
 * The record never holds a header of the webhook or of the API call, so neither the callback token
 * nor the API key can reach it.
 */
public class DeadLetters {

    /** Headers that travel with a queued event (names valid for JMS and Kafka too). */
    public static final String EVENT_HEADER = "HumaEvent";
    public static final String RECEIVED_AT_HEADER = "HumaReceivedAt";
    public static final String REPLAYS_HEADER = "HumaReplays";

    private static final DateTimeFormatter FILE_TIME =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);

    private final JsonMapper mapper = JsonMapper.builder()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /** The dead-letter record of the exchange: its original message, event headers and failure. */
    public String record(Exchange exchange) throws JsonProcessingException {
        return recordWithReason(exchange, null);
    }

    /** The same, with the reason given rather than taken from the exchange's exception. */
    public String recordWithReason(Exchange exchange, String reason) throws JsonProcessingException {
        Exception failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("event", exchange.getMessage().getHeader(EVENT_HEADER, String.class));
        record.put("payload", payloadOf(exchange.getMessage().getBody(String.class)));
        record.put("reason", reason != null ? reason : reasonOf(failure));
        if (failure instanceof HttpOperationFailedException http) {
            record.put("http_status", http.getStatusCode());
        }
        record.put("attempts", exchange.getProperty(RedeliveryAdvisor.ATTEMPTS, 0, Integer.class));
        record.put("received_at", exchange.getMessage().getHeader(RECEIVED_AT_HEADER, String.class));
        record.put("failed_at", Instant.now().toString());
        record.put("replays", exchange.getMessage().getHeader(REPLAYS_HEADER, 0, Integer.class));
        record.put("failed_route", exchange.getProperty(Exchange.FAILURE_ROUTE_ID, String.class));
        return mapper.writeValueAsString(record);
    }

    /** The file name of a new dead letter: sortable by time, unique by exchange. */
    public String fileName(Exchange exchange) {
        String event = exchange.getMessage().getHeader(EVENT_HEADER, "unknown", String.class)
                .toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
        return FILE_TIME.format(Instant.now()) + "-" + event + "-" + exchange.getExchangeId() + ".json";
    }

    /**
     * Deletes a file the failed event had already written (a visual without its result), when the
     * output is a file endpoint ({@code CamelFileNameProduced} names it).
     */
    public void discardPartialOutput(@ExchangeProperty("humaVisualWritten") String fileProduced) throws IOException {
        if (fileProduced != null && !fileProduced.isBlank()) {
            Files.deleteIfExists(Path.of(fileProduced));
        }
    }

    /** The replay count a dead letter carries into its next run. */
    public int nextReplayCount(@Body Map<String, Object> record) {
        return record.get("replays") instanceof Number n ? n.intValue() + 1 : 1;
    }

    /** True when the failure is Huma refusing the API key: the one failure a replay cannot mend alone. */
    public boolean isApiKeyRefused(@ExchangeProperty(Exchange.EXCEPTION_CAUGHT) Exception failure) {
        return failure instanceof HttpOperationFailedException http && http.getStatusCode() == 401;
    }

    /** The webhook payload of a dead-letter record, as the JSON text the worker expects. */
    public String replayPayload(@Body Map<String, Object> record) throws JsonProcessingException {
        Object payload = record.get("payload");
        if (payload == null) {
            throw new BadHumaPayloadException("the dead letter has no payload");
        }
        return payload instanceof String text ? text : mapper.writeValueAsString(payload);
    }

    private Object payloadOf(String body) {
        if (body == null) {
            return null;
        }
        try {
            JsonNode node = mapper.readTree(body);
            return node == null ? body : node;
        } catch (JsonProcessingException e) {
            return body;
        }
    }

    private static String reasonOf(Exception failure) {
        if (failure == null) {
            return "unknown";
        }
        String message = failure.getMessage();
        if (failure instanceof HttpOperationFailedException http && http.getResponseBody() != null) {
            message = message + ": " + abbreviate(http.getResponseBody());
        }
        return failure.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    private static String abbreviate(String text) {
        String oneLine = text.replaceAll("\\s+", " ").strip();
        return oneLine.length() > 300 ? oneLine.substring(0, 300) + "..." : oneLine;
    }
}
