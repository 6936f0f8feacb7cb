package ai.huma.camel.event;

import java.util.Locale;

/**
 * The three events Huma calls back for, in one table: everything the routes and the beans need to
 * know of each. {@code HumaRoutes} makes the webhook route and the worker route of each row from
 * the route templates {@code huma-webhook} and {@code huma-worker}; every bean that needs the list
 * of events reads it here.
 * <p>
 * Per event: its key in the settings ({@code huma.queue.<key>.uri}, {@code huma.output.<key>.uri},
 * {@code huma.transform.<key>.uri}), Huma's name for it, the path Huma calls, the name of its routes
 * and queue, the API call that gives its result ({@code %s} the event's id) and, for an answer that
 * comes in pages, the field that holds its records.
 */
public enum HumaEvent {

    QUESTION("question", "Questions/Computed", "/api/webhook-question-answered", "question-computed",
            "/v1/questions/%s/result", "answer"),
    SUBSCRIPTION("subscription", "Subscriptions/AnswerUpdated", "/api/webhook-subscription-updated", "subscription-updated",
            "/v1/subscription/%s/data", "subscriptions"),
    HISTORY("history", "Histories/Visualized", "/api/webhook-history-visualized", "history-visualized",
            "/v1/histories/%s/visual/result", null);

    /** The header that carries the event's name with its payload, through the queue and in a dead letter. */
    public static final String NAME_HEADER = "HumaEvent";
    /** The header with the time the webhook came (UTC, milliseconds). */
    public static final String RECEIVED_AT_HEADER = "HumaReceivedAt";
    /** The header with how many times a dead letter has been replayed. */
    public static final String REPLAYS_HEADER = "HumaReplays";
    /** The exchange property with the event's name in the edge's and the worker's routes. */
    public static final String PROPERTY = "humaEvent";

    private final String key;
    private final String eventName;
    private final String path;
    private final String routeName;
    private final String apiPath;
    private final String recordsField;

    HumaEvent(String key, String eventName, String path, String routeName, String apiPath, String recordsField) {
        this.key = key;
        this.eventName = eventName;
        this.path = path;
        this.routeName = routeName;
        this.apiPath = apiPath;
        this.recordsField = recordsField;
    }

    /** The event's key in the settings: question, subscription or history. */
    public String key() {
        return key;
    }

    /** Huma's name for the event: Questions/Computed, ... */
    public String eventName() {
        return eventName;
    }

    /** The path Huma calls (before huma.http.path-prefix). */
    public String path() {
        return path;
    }

    /** The name in the event's route ids ({@code huma-webhook-<...>} keeps the path's) and queue: question-computed, ... */
    public String routeName() {
        return routeName;
    }

    /** The id of the webhook route: huma-webhook-question-answered, ... */
    public String webhookRouteId() {
        return "huma-webhook-" + path.substring(path.lastIndexOf("/webhook-") + "/webhook-".length());
    }

    /** The id of the worker route: huma-question-computed-worker, ... */
    public String workerRouteId() {
        return "huma-" + routeName + "-worker";
    }

    /** The API call that gives the event's result. */
    public String apiPath(String id) {
        return String.format(Locale.ROOT, apiPath, id);
    }

    /** The field of a paged answer that holds its records; null when the result is a visual file. */
    public String recordsField() {
        return recordsField;
    }

    /** True when the result comes in pages (question, subscription); false for a visual (history). */
    public boolean paged() {
        return recordsField != null;
    }

    /** The setting of the event's queue. */
    public String queueSetting() {
        return "huma.queue." + key + ".uri";
    }

    /** The setting of the event's destinations. */
    public String outputSetting() {
        return "huma.output." + key + ".uri";
    }

    /** The setting of the event's transform hook. */
    public String transformSetting() {
        return "huma.transform." + key + ".uri";
    }

    /** The event of this name (Questions/Computed, ...), or null. */
    public static HumaEvent named(String eventName) {
        for (HumaEvent event : values()) {
            if (event.eventName.equals(eventName)) {
                return event;
            }
        }
        return null;
    }

    /** The event of this key (question, ...), or null. */
    public static HumaEvent ofKey(String key) {
        for (HumaEvent event : values()) {
            if (event.key.equals(key)) {
                return event;
            }
        }
        return null;
    }

    /** The event whose path (after any prefix) this request path is, or null. */
    public static HumaEvent ofPath(String requestPath) {
        for (HumaEvent event : values()) {
            if (requestPath != null && requestPath.endsWith(event.path)) {
                return event;
            }
        }
        return null;
    }
}
