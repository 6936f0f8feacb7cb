package ai.huma.camel.simulator;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import ai.huma.camel.deliver.ResultFileNames;
import ai.huma.camel.event.HumaEvent;
import ai.huma.camel.fetch.BadHumaPayloadException;
import ai.huma.camel.fetch.HumaIds;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The webhooks Huma sends, as the simulator fires them at a bundle (the jar's {@code demo} and
 * {@code simulate} commands) and as tests send them: one of each kind, for an id of Huma's shape
 * that {@link HumaSimulator} serves whether or not it was registered (a new id each time, so that
 * the bundle never drops one as a repeated delivery), or for an id of the caller's choosing: a
 * question with a status of its own ({@link #question(String, String, String)}), a subscription
 * ({@link #subscription}), a visual ({@link #history}), and any field more ({@link Webhook#with}).
 */
public final class SimulatedWebhooks {

    /** The question the simulated Questions/Computed webhooks ask unless told another one. */
    public static final String QUESTION = "What were sales in 2023?";

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ResultFileNames NAMES = new ResultFileNames();
    private static final TypeReference<LinkedHashMap<String, Object>> FIELDS = new TypeReference<>() { };
    /** The link of a subscription's data, as Huma's API names it (the bundle reads the id from its path only). */
    private static final String SUBSCRIPTION_LINK = "https://api.huma-simulator.invalid/v1/subscription/%s/data";

    /** The three kinds of webhook: the events of {@link HumaEvent}. */
    public enum Kind {
        QUESTION(HumaEvent.QUESTION),
        SUBSCRIPTION(HumaEvent.SUBSCRIPTION),
        HISTORY(HumaEvent.HISTORY);

        private final HumaEvent event;

        Kind(HumaEvent event) {
            this.event = event;
        }

        public HumaEvent humaEvent() {
            return event;
        }

        public String event() {
            return event.eventName();
        }

        public String path() {
            return event.path();
        }

        /** {@code question}, {@code subscription} or {@code history}, as on the command line. */
        public String argument() {
            return event.key();
        }

        /** The kind named on the command line, or null. */
        public static Kind of(String argument) {
            for (Kind kind : values()) {
                if (kind.argument().equals(argument)) {
                    return kind;
                }
            }
            return null;
        }

        /** The kind of this event. */
        public static Kind of(HumaEvent event) {
            return valueOf(event.name());
        }
    }

    /**
     * One webhook: its kind, the id it announces, its JSON body and the files the bundle makes of it
     * (none for a question not computed, or for an id the bundle refuses).
     */
    public record Webhook(Kind kind, String id, String body, List<String> resultFiles) {

        /** The same webhook with one field more, or with another value (e.g. the {@code updated_at} of a new update). */
        public Webhook with(String field, Object value) {
            try {
                Map<String, Object> fields = JSON.readValue(body, FIELDS);
                fields.put(field, value);
                return new Webhook(kind, id, JSON.writeValueAsString(fields), resultFiles);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private SimulatedWebhooks() {
    }

    /** A new id of Huma's shape (24 hex digits). */
    public static String newId() {
        byte[] bytes = new byte[12];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /** The webhook of that kind for that id; {@code question} is used by Questions/Computed only. */
    public static Webhook webhook(Kind kind, String id, String question) {
        return switch (kind) {
            case QUESTION -> question(id, question);
            case SUBSCRIPTION -> subscription(id);
            case HISTORY -> history(id);
        };
    }

    /** A Questions/Computed webhook of a computed question: {@code question_status} {@code succeeded}. */
    public static Webhook question(String ticketNumber, String question) {
        return question(ticketNumber, question, "succeeded");
    }

    /**
     * A Questions/Computed webhook: {@code question}, {@code question_status} and {@code ticket_number}
     * (a null leaves its field out). The bundle writes a result for a {@code succeeded} one only.
     */
    public static Webhook question(String ticketNumber, String question, String status) {
        Map<String, Object> fields = new LinkedHashMap<>();
        putIfNotNull(fields, "question", question);
        putIfNotNull(fields, "question_status", status);
        putIfNotNull(fields, "ticket_number", ticketNumber);
        List<String> files = "succeeded".equals(status)
                ? namesIfPlain(() -> List.of(NAMES.question(question, ticketNumber)), ticketNumber) : List.of();
        return new Webhook(Kind.QUESTION, ticketNumber, json(fields), files);
    }

    /** A Subscriptions/AnswerUpdated webhook: {@code links[0].href} ends in {@code /v1/subscription/<subscribedId>/data}. */
    public static Webhook subscription(String subscribedId) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("links", List.of(Map.of("href", SUBSCRIPTION_LINK.formatted(subscribedId))));
        return new Webhook(Kind.SUBSCRIPTION, subscribedId, json(fields),
                namesIfPlain(() -> List.of(NAMES.subscription(subscribedId)), subscribedId));
    }

    /** A Histories/Visualized webhook: {@code conversion_id}; its files are those of the simulator's own visual, a PDF. */
    public static Webhook history(String conversionId) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("conversion_id", conversionId);
        return new Webhook(Kind.HISTORY, conversionId, json(fields), namesIfPlain(
                () -> List.of(NAMES.historyFile(conversionId, "pdf"), NAMES.historyResult(conversionId)), conversionId));
    }

    /** Posts the webhook to the bundle at {@code baseUrl} as Huma does: JSON, {@code Authorization: Bearer <token>}. */
    public static HttpResponse<String> send(HttpClient client, String baseUrl, String token, Webhook webhook)
            throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(stripSlash(baseUrl) + webhook.kind().path()))
                .timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(webhook.body()))
                .build();
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** The file names, or none for an id the bundle refuses (it writes nothing for such a webhook). */
    private static List<String> namesIfPlain(Supplier<List<String>> names, String id) {
        try {
            HumaIds.requireId(id, "id");
            return names.get();
        } catch (BadHumaPayloadException refused) {
            return List.of();
        }
    }

    private static void putIfNotNull(Map<String, Object> fields, String field, Object value) {
        if (value != null) {
            fields.put(field, value);
        }
    }

    private static String json(Map<String, Object> fields) {
        try {
            return JSON.writeValueAsString(fields);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
