package ai.huma.camel.fetch;

import ai.huma.camel.settings.SafeText;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.apache.camel.Body;
import org.apache.camel.Exchange;
import ai.huma.camel.event.HumaEvent;
import org.apache.camel.Expression;

/**
 * Reads the ids out of Huma's payloads and refuses any that is not a plain id, so that no id can
 * steer a file name or an API path ({@code ..}, {@code /}, control characters, 10 kB of text).
 * Huma's ids are 24-hex-digit object ids in practice; letters, digits, {@code _} and {@code -} up to
 * 128 characters are accepted.
 * <p>
 * As a Camel expression (bean {@code humaEventId}, used with {@code ref:} in the worker) it reads
 * the id of the worker's event ({@code humaEvent}) out of the parsed payload in the body, without
 * the copy of the exchange a bean method call makes: a question's ticket number, a subscription's
 * subscribed id, a visual's conversion id.
 */
public class HumaIds implements Expression {

    private static final Pattern PLAIN_ID = Pattern.compile("[A-Za-z0-9_-]{1,128}");

    @Override
    @SuppressWarnings("unchecked")
    public <T> T evaluate(Exchange exchange, Class<T> type) {
        HumaEvent event = HumaEvent.named(exchange.getProperty(HumaEvent.PROPERTY, String.class));
        Object body = exchange.getMessage().getBody();
        Map<String, Object> payload = body instanceof Map<?, ?> map ? (Map<String, Object>) map : Map.of();
        return exchange.getContext().getTypeConverter().convertTo(type, exchange, idOf(event, payload));
    }

    /** The id of this event in its payload. */
    public static String idOf(HumaEvent event, Map<String, Object> payload) {
        if (event == null) {
            throw new BadHumaPayloadException("no event to read an id for");
        }
        return switch (event) {
            case QUESTION -> ticketNumber(payload);
            case SUBSCRIPTION -> subscribedId(payload);
            case HISTORY -> conversionId(payload);
        };
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
