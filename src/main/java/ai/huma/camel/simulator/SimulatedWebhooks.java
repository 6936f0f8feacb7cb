package ai.huma.camel.simulator;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import ai.huma.camel.deliver.ResultFileNames;
import ai.huma.camel.event.HumaEvent;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The webhooks Huma sends, as the simulator fires them at a bundle (the jar's {@code demo} and
 * {@code simulate} commands): one of each kind, for an id of Huma's shape that {@link HumaSimulator}
 * serves whether or not it was registered. A new id each time, so that the bundle never drops one
 * as a repeated delivery.
 */
public final class SimulatedWebhooks {

    /** The question the simulated Questions/Computed webhooks ask unless told another one. */
    public static final String QUESTION = "What were sales in 2023?";

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ResultFileNames NAMES = new ResultFileNames();

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

    /** One webhook: its kind, the id it announces, its JSON body and the files the bundle makes of it. */
    public record Webhook(Kind kind, String id, String body, List<String> resultFiles) {
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
        try {
            return switch (kind) {
                case QUESTION -> new Webhook(kind, id, JSON.writeValueAsString(Map.of(
                        "question", question, "question_status", "succeeded", "ticket_number", id)),
                        List.of(NAMES.question(question, id)));
                case SUBSCRIPTION -> new Webhook(kind, id, JSON.writeValueAsString(Map.of(
                        "links", List.of(Map.of("href", "https://api.huma-simulator.invalid/v1/subscription/" + id + "/data")))),
                        List.of(NAMES.subscription(id)));
                case HISTORY -> new Webhook(kind, id, JSON.writeValueAsString(Map.of("conversion_id", id)),
                        List.of(NAMES.historyFile(id, "pdf"), NAMES.historyResult(id)));
            };
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
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

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
