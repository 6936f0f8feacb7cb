package ai.huma.camel.edge;

import ai.huma.camel.settings.SafeText;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Expression;
import org.apache.camel.Header;

/**
 * Accepts a webhook body only when it is one JSON object, sent as JSON in UTF-8, within the edge's
 * JSON limits; anything else becomes a {@link BadWebhookException} whose message names the problem
 * and is returned to the caller as {@code 400 {"error": "..."}} (never a 5xx: asking again would not
 * mend it).
 * <p>
 * The limits are decided here, at the edge, so that whatever is accepted can also be stored as a
 * dead letter and read back for a replay: nesting at most {@code maxDepth} levels (Huma's payloads
 * use three), numbers of at most {@value #MAX_NUMBER_LENGTH} characters, no duplicate keys (two
 * values for one key would make the delivery ambiguous). The check streams over the tokens; it
 * builds no tree.
 */
public class WebhookBodyCheck implements Expression {

    /** Jackson's default, which the workers and the dead-letter reader also apply. */
    static final int MAX_NUMBER_LENGTH = StreamReadConstraints.DEFAULT_MAX_NUM_LEN;

    private static final char BYTE_ORDER_MARK = '\uFEFF';

    /** True when Vert.x is on the class path (its platform-http bodies are Vert.x buffers). */
    private static final boolean VERTX = isPresent("io.vertx.core.buffer.Buffer");

    private final JsonMapper mapper = JsonMapper.builder().build();
    private long maxBodySize = 1024 * 1024;
    private int maxDepth = 32;
    private JsonFactory factory = factory(maxDepth);

    /** Deepest nesting of objects and arrays accepted, the body's own object counting as 1. */
    public void setMaxDepth(int maxDepth) {
        if (maxDepth < 1 || maxDepth > 500) {
            throw new IllegalArgumentException("huma.http.max-json-depth must be between 1 and 500, not " + maxDepth);
        }
        this.maxDepth = maxDepth;
        this.factory = factory(maxDepth);
    }

    public int getMaxDepth() {
        return maxDepth;
    }

    /**
     * Largest body accepted, in bytes (huma.http.max-body-size); a larger one is refused with 413. The
     * standalone jar's server stops reading at this size already; a host's server reads the whole
     * body first (its own limits apply to that).
     */
    public void setMaxBodySize(long maxBodySize) {
        if (maxBodySize < 1) {
            throw new IllegalArgumentException("huma.http.max-body-size must be 1 byte or more, not " + maxBodySize);
        }
        this.maxBodySize = maxBodySize;
    }

    /**
     * @return the body as text (without a byte-order mark), when it is a JSON object within the limits
     * @throws BadWebhookException when the content type is not JSON, the body not UTF-8, not JSON,
     *                             not an object, or over a limit
     */
    /**
     * As a Camel expression (the edge's {@code setBody: ref: webhookBodyCheck}): the body checked by
     * {@link #requireJsonObject}, as a direct call, without the copy of the exchange a bean call makes.
     */
    @Override
    public <T> T evaluate(Exchange exchange, Class<T> type) {
        byte[] bytes = bytesOf(exchange);
        String checked = requireJsonObject(bytes, exchange.getMessage().getHeader(Exchange.CONTENT_TYPE, String.class));
        return exchange.getContext().getTypeConverter().convertTo(type, exchange, checked);
    }

    public String requireJsonObject(@Body byte[] body, @Header(Exchange.CONTENT_TYPE) String contentType) {
        if (contentType != null && !contentType.isBlank()) {
            if (!isJson(contentType)) {
                throw new BadWebhookException("Content-Type must be application/json, not " + SafeText.quoted(contentType));
            }
            String charset = charsetOf(contentType);
            if (charset != null && !charset.equals("utf-8") && !charset.equals("utf8")) {
                throw new BadWebhookException("request body must be UTF-8 (RFC 8259), not " + SafeText.quoted(charset));
            }
        }
        String text = utf8(body);
        if (!text.isEmpty() && text.charAt(0) == BYTE_ORDER_MARK) {
            text = text.substring(1);
        }
        if (text.isBlank()) {
            throw new BadWebhookException("request body is empty: a JSON object is expected");
        }
        JsonToken first;
        try (JsonParser parser = factory.createParser(text)) {
            first = parser.nextToken();
            int depth = 0;
            for (JsonToken token = first; token != null; token = parser.nextToken()) {
                if (token.isStructStart() && ++depth > maxDepth) {
                    throw new BadWebhookException("request body is nested deeper than " + maxDepth
                            + " levels (huma.http.max-json-depth)");
                }
                if (token.isStructEnd()) {
                    depth--;
                }
                if (depth == 0) {
                    break;
                }
            }
            if (parser.nextToken() != null) {
                throw new BadWebhookException("request body is not valid JSON: something follows the JSON value "
                        + position(parser.currentTokenLocation()));
            }
        } catch (StreamConstraintsException e) {
            throw new BadWebhookException("request body is over a JSON limit: " + limitOf(e));
        } catch (JsonProcessingException e) {
            throw new BadWebhookException("request body is not valid JSON " + position(e.getLocation()));
        } catch (IOException e) {
            // a String source does no I/O; kept apart so that nothing here can become a 5xx
            throw new BadWebhookException("request body could not be read as JSON");
        }
        if (first != JsonToken.START_OBJECT) {
            throw new BadWebhookException("request body must be a JSON object, not " + kindOf(first));
        }
        return text;
    }

    /**
     * The body's bytes, at most {@code maxBodySize} of them, from whichever engine serves the
     * webhooks: a Vert.x buffer read at once (Camel's converters would go through an InputStream and
     * 16 kB of buffers per webhook), bytes or text as they are, anything else (a servlet engine's
     * stream cache) read as a stream up to the limit.
     */
    private byte[] bytesOf(Exchange exchange) {
        Object body = exchange.getMessage().getBody();
        byte[] bytes;
        if (body == null) {
            return null;
        } else if (body instanceof byte[] array) {
            bytes = array;
        } else if (body instanceof String text) {
            bytes = text.getBytes(StandardCharsets.UTF_8);
        } else if (VERTX && VertxBodies.isBuffer(body)) {
            bytes = VertxBodies.bytes(body);
        } else if (body instanceof Reader reader) {
            // a servlet engine that read the body as text (Camel Spring Boot: a ReaderCache), already
            // decoded by the server in the request's charset
            bytes = readText(reader).getBytes(StandardCharsets.UTF_8);
        } else {
            bytes = readAtMost(exchange, body);
        }
        if (bytes.length > maxBodySize) {
            throw tooLarge();
        }
        return bytes;
    }

    private byte[] readAtMost(Exchange exchange, Object body) {
        if (body instanceof org.apache.camel.StreamCache cache) {
            cache.reset();
        }
        try (InputStream in = exchange.getContext().getTypeConverter().convertTo(InputStream.class, exchange, body)) {
            if (in == null) {
                byte[] converted = exchange.getContext().getTypeConverter().convertTo(byte[].class, exchange, body);
                return converted == null ? new byte[0] : converted;
            }
            byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBodySize + 1));
            if (bytes.length > maxBodySize) {
                throw tooLarge();
            }
            return bytes;
        } catch (IOException e) {
            throw new BadWebhookException("request body could not be read");
        }
    }

    private String readText(Reader reader) {
        if (reader instanceof org.apache.camel.StreamCache cache) {
            cache.reset();
        }
        StringBuilder text = new StringBuilder();
        char[] chunk = new char[8192];
        try {
            for (int read = reader.read(chunk); read >= 0; read = reader.read(chunk)) {
                text.append(chunk, 0, read);
                // a character takes at least one byte: past the limit in characters is past it in bytes
                if (text.length() > maxBodySize) {
                    throw tooLarge();
                }
            }
        } catch (IOException e) {
            throw new BadWebhookException("request body could not be read");
        }
        return text.toString();
    }

    private BadWebhookException tooLarge() {
        return new BadWebhookException(413, "request body is larger than " + maxBodySize + " bytes (huma.http.max-body-size)");
    }

    private static boolean isPresent(String className) {
        try {
            Class.forName(className, false, WebhookBodyCheck.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** Vert.x's body type, kept in a class of its own: loaded only where Vert.x is on the class path. */
    private static final class VertxBodies {

        static boolean isBuffer(Object body) {
            return body instanceof io.vertx.core.buffer.Buffer;
        }

        static byte[] bytes(Object body) {
            return ((io.vertx.core.buffer.Buffer) body).getBytes();
        }
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

    /** The {@code charset} parameter of a media type, lower case without quotes, or null. */
    static String charsetOf(String contentType) {
        String[] parts = contentType.split(";");
        for (int i = 1; i < parts.length; i++) {
            String[] parameter = parts[i].split("=", 2);
            if (parameter.length == 2 && parameter[0].strip().equalsIgnoreCase("charset")) {
                return parameter[1].strip().replace("\"", "").toLowerCase(Locale.ROOT);
            }
        }
        return null;
    }

    private static String utf8(byte[] body) {
        if (body == null) {
            return "";
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new BadWebhookException("request body is not valid UTF-8");
        }
    }

    private static JsonFactory factory(int maxDepth) {
        return JsonFactory.builder()
                .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                // our own depth check gives the clearer message; this is the backstop
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(maxDepth + 1)
                        .maxNumberLength(MAX_NUMBER_LENGTH)
                        .build())
                .build();
    }

    /** Jackson's message on a limit, without its pointer into Jackson's API. */
    private static String limitOf(StreamConstraintsException e) {
        String message = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
        int from = message.indexOf(", from `");
        return from > 0 ? message.substring(0, from) + ")" : message;
    }

    /** Where Jackson stopped, as "(line 2, column 5)"; Jackson's message is not used: it may quote the body. */
    private static String position(JsonLocation location) {
        if (location == null || location.getLineNr() < 1) {
            return "(at an unknown position)";
        }
        return "(line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }

    private static String kindOf(JsonToken token) {
        if (token == null || token == JsonToken.VALUE_NULL) {
            return "null";
        }
        return switch (token) {
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            default -> token.name().toLowerCase(Locale.ROOT);
        };
    }
}
