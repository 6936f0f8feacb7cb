package ai.huma.camel.fetch;

import ai.huma.camel.settings.SafeText;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.Expression;

/**
 * Reads the ids out of Huma's payloads and refuses any that is not a plain id, so that no id can
 * steer a file name or an API path ({@code ..}, {@code /}, control characters, 10 kB of text).
 * Huma's ids are 24-hex-digit object ids in practice; letters, digits, {@code _} and {@code -} up to
 * 128 characters are accepted.
 * <p>
 * As a Camel expression (a bean of its own per {@link #setField field}, used with {@code ref:} in
 * the routes) it reads that id out of the parsed payload in the body, without the copy of the
 * exchange a bean method call makes.
 */
public class HumaIds implements Expression {

    private static final Pattern PLAIN_ID = Pattern.compile("[A-Za-z0-9_-]{1,128}");

    private String field;

    /** The payload field this bean reads as an expression: {@code ticket_number} or {@code conversion_id}. */
    public void setField(String field) {
        if (!List.of("ticket_number", "conversion_id").contains(field)) {
            throw new IllegalArgumentException("HumaIds field must be ticket_number or conversion_id, not " + SafeText.quoted(field));
        }
        this.field = field;
    }

    @Override
    public <T> T evaluate(Exchange exchange, Class<T> type) {
        if (field == null) {
            throw new IllegalStateException("HumaIds used as an expression without a field");
        }
        Object body = exchange.getMessage().getBody();
        Object id = body instanceof Map<?, ?> payload ? payload.get(field) : null;
        return exchange.getContext().getTypeConverter().convertTo(type, exchange, requireId(id, field));
    }

    /** The {@code ticket_number} of a Questions/Computed payload. */
    public static String ticketNumber(@Body Map<String, Object> payload) {
        return requireId(payload.get("ticket_number"), "ticket_number");
    }

    /** The {@code conversion_id} of a Histories/Visualized payload. */
    public static String conversionId(@Body Map<String, Object> payload) {
        return requireId(payload.get("conversion_id"), "conversion_id");
    }

    /** @return the id, when it is a plain id */
    public static String requireId(Object id, String field) {
        if (id instanceof String value && PLAIN_ID.matcher(value).matches()) {
            return value;
        }
        throw new BadHumaPayloadException(field + " is not a plain id: " + SafeText.quoted(id));
    }

    /**
     * The subscribed id of a Subscriptions/AnswerUpdated payload: the second-to-last path segment of
     * {@code links[0].href}, e.g. {@code .../v1/subscription/<subscribed_id>/data}.
     */
    public static String subscribedId(@Body Map<String, Object> payload) {
        Object links = payload == null ? null : payload.get("links");
        if (!(links instanceof List<?> list) || list.isEmpty() || !(list.get(0) instanceof Map<?, ?> first)) {
            throw new BadHumaPayloadException("links[0].href is missing from the subscription payload");
        }
        Object href = first.get("href");
        if (!(href instanceof String text) || text.isBlank()) {
            throw new BadHumaPayloadException("links[0].href is missing from the subscription payload");
        }
        return subscribedIdFromHref(text);
    }

    static String subscribedIdFromHref(String href) {
        String path;
        try {
            path = new URI(href.strip()).getRawPath();
        } catch (URISyntaxException e) {
            throw new BadHumaPayloadException("links[0].href is not a URL: " + SafeText.quoted(href));
        }
        String[] segments = path == null ? new String[0] : path.split("/");
        if (segments.length < 2) {
            throw new BadHumaPayloadException("links[0].href has no subscribed id: " + SafeText.quoted(href));
        }
        return requireId(segments[segments.length - 2], "the subscribed id in links[0].href");
    }
}
