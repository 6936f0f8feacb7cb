package ai.huma.camel.failure;

import ai.huma.camel.event.HumaEvent;

import ai.huma.camel.fetch.BadHumaPayloadException;
import ai.huma.camel.observe.Traces;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.util.RawValue;
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
 *   "payload": { ...webhook body... },     exactly what Huma sent, byte for byte
 *   "reason": "...",                       why it failed (exception and message; never a secret)
 *   "http_status": 500,                    Huma's answer, when the failure was an HTTP error
 *   "attempts": 4,                         delivery attempts of the step that failed
 *   "received_at": "2026-...Z",            when the webhook was accepted
 *   "failed_at": "2026-...Z",              when it was given up
 *   "replays": 0,                          how many times it had been replayed before
 *   "traceparent": "00-...-...-01"         while tracing: the W3C trace context of the event's trace, which
 *                                          its replay links to (docs/operations.md "Traces")
 * }
 * </pre>
 * The payload is copied into the record as the JSON text it came as (not re-encoded), so that any
 * payload the edge accepted can be stored, numbers and all, and the replay hands the worker the same
 * text again. A body that is not JSON is kept as a JSON string. The record never holds a header of
 * the webhook or of the API call, so neither the callback token nor the API key can reach it.
 */
public class DeadLetters {

    /** Headers that travel with a queued event (names valid for JMS and Kafka too). */
    public static final String EVENT_HEADER = HumaEvent.NAME_HEADER;
    public static final String RECEIVED_AT_HEADER = HumaEvent.RECEIVED_AT_HEADER;
    public static final String REPLAYS_HEADER = HumaEvent.REPLAYS_HEADER;

    /** A payload is copied as it is when it nests no deeper than this (the record adds one level). */
    /** The exchange property in which a worker keeps the payload as it came. */
    public static final String PAYLOAD_PROPERTY = "humaPayload";
    /** The exchange property in which a worker keeps when the edge took the event. */
    public static final String RECEIVED_AT_PROPERTY = "humaReceivedAt";
    /** The exchange property in which a worker keeps how often the event was replayed. */
    public static final String REPLAYS_PROPERTY = "humaReplays";
    /** The exchange property the dead-letter route sets once the record is written (its file name). */
    public static final String WRITTEN_PROPERTY = "humaDeadLetterWritten";

    static final int MAX_PAYLOAD_DEPTH = StreamReadConstraints.DEFAULT_MAX_DEPTH - 1;

    private static final DateTimeFormatter FILE_TIME =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);

    private final JsonMapper mapper = JsonMapper.builder()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();
    private final JsonFactory factory = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_PAYLOAD_DEPTH).build())
            .build();

    /**
     * The dead-letter record of the exchange: the event as the worker kept it (or, for an event that
     * never reached its worker, its message and headers) and its failure.
     */
    public String record(Exchange exchange) throws JsonProcessingException {
        return recordWithReason(exchange, null);
    }

    /** The same, with the reason given rather than taken from the exchange's exception. */
    public String recordWithReason(Exchange exchange, String reason) throws JsonProcessingException {
        Exception failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("event", event(exchange));
        record.put("payload", payloadOf(payload(exchange)));
        record.put("reason", reason != null ? reason : reasonOf(failure));
        if (failure instanceof HttpOperationFailedException http) {
            record.put("http_status", http.getStatusCode());
        }
        record.put("attempts", exchange.getProperty(RedeliveryAdvisor.ATTEMPTS, 0, Integer.class));
        record.put("received_at", keptOrHeader(exchange, RECEIVED_AT_PROPERTY, RECEIVED_AT_HEADER, String.class));
        record.put("failed_at", Instant.now().toString());
        Long replays = keptOrHeader(exchange, REPLAYS_PROPERTY, REPLAYS_HEADER, Long.class);
        record.put("replays", replays == null ? 0L : replays);
        record.put("failed_route", exchange.getProperty(Exchange.FAILURE_ROUTE_ID, String.class));
        // while Camel's tracer runs, it has written the dead-letter route's own trace context on the message
        String traceparent = Traces.validTraceparent(exchange.getMessage().getHeader(Traces.TRACEPARENT_HEADER));
        if (traceparent != null) {
            record.put("traceparent", traceparent);
        }
        return mapper.writeValueAsString(record);
    }

    /**
     * The event's payload as it came: the worker keeps it in {@value #PAYLOAD_PROPERTY} before it
     * parses it; else the body (an event that never reached its worker).
     */
    static String payload(Exchange exchange) {
        String kept = exchange.getProperty(PAYLOAD_PROPERTY, String.class);
        return kept != null ? kept : exchange.getMessage().getBody(String.class);
    }

    /**
     * What the worker kept in a property, else the event's header (an event that never reached its
     * worker); a blank value counts as none.
     */
    private static <T> T keptOrHeader(Exchange exchange, String property, String header, Class<T> type) {
        Object kept = exchange.getProperty(property);
        if (kept != null && !kept.toString().isBlank()) {
            return exchange.getContext().getTypeConverter().convertTo(type, exchange, kept);
        }
        return exchange.getMessage().getHeader(header, type);
    }

    /** The event's name: its header, or, where a route has dropped the headers, the worker's humaEvent. */
    static String event(Exchange exchange) {
        String header = exchange.getMessage().getHeader(EVENT_HEADER, String.class);
        return header != null ? header : exchange.getProperty(HumaEvent.PROPERTY, String.class);
    }

    /** The file name of a new dead letter: sortable by time, unique by exchange. */
    public String fileName(Exchange exchange) {
        String event = Objects.requireNonNullElse(event(exchange), "unknown")
                .toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
        return FILE_TIME.format(Instant.now()) + "-" + event + "-" + exchange.getExchangeId() + ".json";
    }

    /**
     * Deletes a file the failed event had already written (a visual without its result), when the
     * output is a file endpoint ({@code CamelFileNameProduced} names it).
     */
    public void discardPartialOutput(@ExchangeProperty("humaPartialOutput") String fileProduced) throws IOException {
        if (fileProduced != null && !fileProduced.isBlank()) {
            Files.deleteIfExists(Path.of(fileProduced));
        }
    }

    /** True when the failure is Huma refusing the API key: the one failure a replay cannot mend alone. */
    public boolean isApiKeyRefused(@ExchangeProperty(Exchange.EXCEPTION_CAUGHT) Exception failure) {
        return failure instanceof HttpOperationFailedException http && http.getStatusCode() == 401;
    }

    /**
     * Reads a dead-letter file for its replay: the event, when it was received, the replay count it
     * carries on, and the payload as the exact JSON text stored in it.
     *
     * @throws BadHumaPayloadException when the file is not a dead-letter record
     */
    public DeadLetter read(@Body String recordText) {
        if (recordText == null || recordText.isBlank()) {
            throw new BadHumaPayloadException("the dead letter is empty");
        }
        String event = null;
        String receivedAt = null;
        String payload = null;
        String traceparent = null;
        long replays = 0;
        try (JsonParser parser = factory.createParser(recordText)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new BadHumaPayloadException("the dead letter is not a JSON object");
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                switch (field) {
                    case "event" -> event = value == JsonToken.VALUE_STRING ? parser.getText() : null;
                    case "received_at" -> receivedAt = value == JsonToken.VALUE_STRING ? parser.getText() : null;
                    case "replays" -> replays = value.isNumeric() ? saturated(parser.getDecimalValue()) : 0;
                    case "payload" -> payload = rawValue(parser, recordText);
                    case "traceparent" -> traceparent = value == JsonToken.VALUE_STRING ? Traces.validTraceparent(parser.getText()) : null;
                    default -> parser.skipChildren();
                }
            }
        } catch (IOException e) {
            throw new BadHumaPayloadException("the dead letter is not valid JSON: " + e.getClass().getSimpleName());
        }
        if (payload == null) {
            throw new BadHumaPayloadException("the dead letter has no payload");
        }
        long next = replays == Long.MAX_VALUE ? replays : replays + 1;
        return new DeadLetter(event, receivedAt, next, payload, traceparent);
    }

    /** What a replay needs of a dead-letter record. */
    public static final class DeadLetter {

        private final String event;
        private final String receivedAt;
        private final long nextReplays;
        private final String payload;
        private final String traceparent;

        DeadLetter(String event, String receivedAt, long nextReplays, String payload, String traceparent) {
            this.event = event;
            this.receivedAt = receivedAt;
            this.nextReplays = nextReplays;
            this.payload = payload;
            this.traceparent = traceparent;
        }

        public String getEvent() {
            return event;
        }

        public String getReceivedAt() {
            return receivedAt;
        }

        /** The replay count the event carries into its next run: one more than the record's. */
        public long getNextReplays() {
            return nextReplays;
        }

        /** The webhook payload, as the JSON text the worker expects. */
        public String getPayload() {
            return payload;
        }

        /** The trace context of the event's trace when it was traced (a valid W3C traceparent), else null. */
        public String getTraceparent() {
            return traceparent;
        }
    }

    /**
     * The payload value the parser stands on: an object or array as the exact text of the record
     * (so numbers and escapes stay as Huma sent them), a string as its value, null as null.
     */
    private static String rawValue(JsonParser parser, String text) throws IOException {
        JsonToken token = parser.currentToken();
        if (token == JsonToken.VALUE_NULL) {
            return null;
        }
        if (token == JsonToken.VALUE_STRING) {
            return parser.getText();
        }
        int start = (int) parser.currentTokenLocation().getCharOffset();
        parser.skipChildren();
        int end = (int) parser.currentLocation().getCharOffset();
        return text.substring(start, end);
    }

    private static long saturated(BigDecimal value) {
        if (value.signum() <= 0) {
            return 0;
        }
        return value.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) >= 0 ? Long.MAX_VALUE : value.longValue();
    }

    /** The body as it will be stored: its own JSON text when it is JSON, else a JSON string. */
    private Object payloadOf(String body) {
        if (body == null) {
            return null;
        }
        try (JsonParser parser = factory.createParser(body)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                return body;
            }
            parser.skipChildren();
            if (parser.nextToken() != null) {
                return body;
            }
            return new RawValue(body.strip());
        } catch (IOException e) {
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
