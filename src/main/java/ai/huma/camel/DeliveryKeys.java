package ai.huma.camel;

import java.util.Arrays;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.apache.camel.Body;

/**
 * The keys that tell two webhook deliveries apart (README "Duplicates"), for the idempotent
 * consumers of the workers. Each key is the event's name and the canonical JSON of what makes a
 * delivery the same (object keys sorted, no white space), so that no two different deliveries can
 * share a key: text glued together ({@code "1, extra=2"} against two fields) cannot collide. The
 * delivery record stores a SHA-256 digest of each key.
 */
public class DeliveryKeys {

    private final JsonMapper canonical = JsonMapper.builder()
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .build();

    /** Questions/Computed: the same ticket with the same status. */
    public String question(@Body Map<String, Object> payload) throws JsonProcessingException {
        return "question:" + json(payload.get("ticket_number"), payload.get("question_status"));
    }

    /** Histories/Visualized: the same conversion. */
    public String history(@Body Map<String, Object> payload) throws JsonProcessingException {
        return "history:" + json(payload.get("conversion_id"));
    }

    /** Subscriptions/AnswerUpdated: the same payload, whatever the order of its keys. */
    public String subscription(@Body Map<String, Object> payload) throws JsonProcessingException {
        return "subscription:" + canonical.writeValueAsString(payload);
    }

    private String json(Object... values) throws JsonProcessingException {
        return canonical.writeValueAsString(Arrays.asList(values));
    }
}
