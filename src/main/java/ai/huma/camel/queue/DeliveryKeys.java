package ai.huma.camel.queue;

import ai.huma.camel.event.HumaEvent;
import ai.huma.camel.settings.SafeText;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import com.fasterxml.jackson.core.type.TypeReference;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.Expression;
import org.apache.camel.Header;
import org.apache.camel.RuntimeCamelException;

/**
 * The keys that tell two webhook deliveries apart (docs/operations.md "Duplicates"), for the idempotent
 * consumers of the workers. Each key is the event's name and the canonical JSON of what makes a
 * delivery the same (object keys sorted, no white space), so that no two different deliveries can
 * share a key: text glued together ({@code "1, extra=2"} against two fields) cannot collide. The
 * delivery record stores a SHA-256 digest of each key.
 * <p>
 * As a Camel expression (used with {@code ref:} in the routes) it gives one of these keys without
 * the copy of the exchange a bean method call makes: the worker's (kind {@code event}, bean
 * {@code humaDeliveryKey}: the key of the worker's event, the parsed payload in the body) and the
 * edge's (kind {@code duplicate-id}, bean {@code humaBrokerDuplicateId}).
 */
public class DeliveryKeys implements Expression {

    private final JsonMapper canonical = JsonMapper.builder()
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .build();

    private String kind = "";

    /**
     * Which key this bean gives as an expression: {@code event} (the key of the worker's event, in
     * the {@code humaEvent} property, the parsed payload as the body), or {@code duplicate-id} (the
     * payload as it arrived, its event in the {@code HumaEvent} header).
     */
    public void setKind(String kind) {
        if (!List.of("event", "duplicate-id").contains(kind)) {
            throw new IllegalArgumentException("DeliveryKeys kind must be event or duplicate-id, not " + SafeText.quoted(kind));
        }
        this.kind = kind;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T evaluate(Exchange exchange, Class<T> type) {
        try {
            Object key = switch (kind) {
                case "event" -> keyOf(HumaEvent.named(exchange.getProperty(HumaEvent.PROPERTY, String.class)),
                        exchange.getMessage().getMandatoryBody(Map.class));
                case "duplicate-id" -> duplicateId(exchange.getMessage().getMandatoryBody(String.class),
                        exchange.getMessage().getHeader(HumaEvent.NAME_HEADER, String.class));
                default -> throw new IllegalStateException("DeliveryKeys used as an expression without a kind");
            };
            return exchange.getContext().getTypeConverter().convertTo(type, exchange, key);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw RuntimeCamelException.wrapRuntimeCamelException(e);
        }
    }

    /** The key of a delivery of this event. */
    public String keyOf(HumaEvent event, Map<String, Object> payload) throws JsonProcessingException {
        if (event == null) {
            throw new IllegalStateException("no event to key a delivery of");
        }
        return switch (event) {
            case QUESTION -> question(payload);
            case HISTORY -> history(payload);
            case SUBSCRIPTION -> subscription(payload);
        };
    }

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

    /**
     * The key of a webhook as it arrives (the JSON text and its event), as a SHA-256 digest: the
     * duplicate id a broker uses to drop Huma's repeats across bundle instances.
     */
    public String duplicateId(@Body String payload, @Header(HumaEvent.NAME_HEADER) String event) throws JsonProcessingException {
        Map<String, Object> body = canonical.readValue(payload, new TypeReference<Map<String, Object>>() { });
        HumaEvent humaEvent = HumaEvent.named(event);
        String key = keyOf(humaEvent == null ? HumaEvent.SUBSCRIPTION : humaEvent, body);
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private String json(Object... values) throws JsonProcessingException {
        return canonical.writeValueAsString(Arrays.asList(values));
    }
}
