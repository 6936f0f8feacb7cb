package ai.huma.camel;

import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;

/**
 * Accepts a webhook body only when it is one JSON object, sent as JSON; anything else becomes a
 * {@link BadWebhookException} whose message names the problem and is returned to the caller as
 * {@code 400 {"error": "..."}}.
 */
public class WebhookBodyCheck {

    private final JsonMapper mapper = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /**
     * @return the body unchanged, as text, when it is a JSON object
     * @throws BadWebhookException when the content type is not JSON or the body not a JSON object
     */
    public String requireJsonObject(@Body String body, @Header(Exchange.CONTENT_TYPE) String contentType) {
        if (contentType != null && !contentType.isBlank() && !isJson(contentType)) {
            throw new BadWebhookException("Content-Type must be application/json, not " + SafeText.quoted(contentType));
        }
        if (body == null || body.isBlank()) {
            throw new BadWebhookException("request body is empty: a JSON object is expected");
        }
        JsonNode node;
        try {
            node = mapper.readTree(body);
        } catch (JsonProcessingException e) {
            throw new BadWebhookException("request body is not valid JSON (line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr() + ")");
        }
        if (node == null || !node.isObject()) {
            throw new BadWebhookException("request body must be a JSON object, not " + kindOf(node));
        }
        return body;
    }

    /** The reason to give the caller for a refusal: the message of a BadWebhookException, else nothing internal. */
    public String refusalReason(@ExchangeProperty(Exchange.EXCEPTION_CAUGHT) Exception refusal) {
        return refusal instanceof BadWebhookException ? refusal.getMessage() : "bad request";
    }

    /** The JSON error document for a refused request: {@code {"error": "<reason>"}}. */
    public String errorBody(@ExchangeProperty("humaError") String reason) throws JsonProcessingException {
        return mapper.writeValueAsString(Map.of("error", reason == null ? "bad request" : reason));
    }

    static boolean isJson(String contentType) {
        String mediaType = contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        return mediaType.equals("application/json") || (mediaType.startsWith("application/") && mediaType.endsWith("+json"));
    }

    private static String kindOf(JsonNode node) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            return "null";
        }
        if (node.isArray()) {
            return "an array";
        }
        if (node.isTextual()) {
            return "a string";
        }
        if (node.isNumber()) {
            return "a number";
        }
        if (node.isBoolean()) {
            return "a boolean";
        }
        return node.getNodeType().name().toLowerCase(Locale.ROOT);
    }
}
