package ai.huma.camel.ask;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import ai.huma.camel.settings.SafeText;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.apache.camel.Body;

/**
 * Reads a request to ask Huma (bean {@code humaAskRequests}): one JSON object,
 * <pre>
 * {"question": "...", "commands": [...]?, "subscribe": true?, "visual": {"file_type": "pdf"|"csv"|"pptx", "visual_type": "..."}?}
 * </pre>
 * Anything else (not JSON, not an object, no question, a field of the wrong kind, a visual of an
 * unknown file type) is refused with a {@link BadAskRequestException} that says why: the request
 * becomes a dead letter and nothing is sent to Huma. Fields it does not know are ignored. A request
 * that carries a {@code ticket_number} is a ticket record (a dead letter of a ticket given up): it is
 * read as the ticket to watch again.
 */
public class AskRequests {

    /** The longest question accepted, in characters. */
    static final int MAX_QUESTION_LENGTH = 10_000;

    /** Nesting as deep as a webhook may be (huma.http.max-json-depth's default); deeper is refused. */
    private final JsonMapper json = JsonMapper.builder(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(32).build()).build()).build();

    /** The request in this text. */
    @SuppressWarnings("unchecked")
    public AskRequest parse(@Body String text) {
        if (text == null || text.isBlank()) {
            throw new BadAskRequestException("the request is empty");
        }
        Object parsed;
        try {
            parsed = json.readValue(text, Object.class);
        } catch (JsonProcessingException e) {
            throw new BadAskRequestException("the request is not valid JSON (" + e.getOriginalMessage() + ")");
        } catch (IOException e) {
            throw new BadAskRequestException("the request could not be read: " + e.getClass().getSimpleName());
        }
        if (!(parsed instanceof Map<?, ?> map)) {
            throw new BadAskRequestException("the request is not a JSON object");
        }
        Map<String, Object> request = (Map<String, Object>) map;
        Object question = request.get("question");
        if (question == null) {
            throw new BadAskRequestException("the request has no question");
        }
        if (!(question instanceof String text1) || text1.isBlank()) {
            throw new BadAskRequestException("question must be a non-blank text, not " + SafeText.quoted(question));
        }
        if (text1.length() > MAX_QUESTION_LENGTH) {
            throw new BadAskRequestException("question is longer than " + MAX_QUESTION_LENGTH + " characters");
        }
        Object commands = request.getOrDefault("commands", List.of());
        if (commands == null) {
            commands = List.of();
        }
        if (!(commands instanceof List<?>)) {
            throw new BadAskRequestException("commands must be a JSON array");
        }
        Object subscribe = request.getOrDefault("subscribe", false);
        if (subscribe == null) {
            subscribe = false;
        }
        if (!(subscribe instanceof Boolean)) {
            throw new BadAskRequestException("subscribe must be true or false, not " + SafeText.quoted(subscribe));
        }
        String fileType = null;
        String visualType = null;
        Object visual = request.get("visual");
        if (visual != null) {
            if (!(visual instanceof Map<?, ?> visualFields)) {
                throw new BadAskRequestException("visual must be a JSON object with file_type (pdf, csv or pptx)");
            }
            Object type = visualFields.get("file_type");
            if (!(type instanceof String t) || !AskRequest.FILE_TYPES.contains(t)) {
                throw new BadAskRequestException("visual.file_type must be one of " + AskRequest.FILE_TYPES + ", not " + SafeText.quoted(type));
            }
            fileType = t;
            Object kind = visualFields.get("visual_type");
            if (kind != null && !(kind instanceof String)) {
                throw new BadAskRequestException("visual.visual_type must be a text, not " + SafeText.quoted(kind));
            }
            visualType = (String) kind;
        }
        Map<String, Object> ticket = request.containsKey(Tickets.TICKET_NUMBER) ? request : null;
        return new AskRequest(text1, (List<Object>) commands, (Boolean) subscribe, fileType, visualType, ticket);
    }
}
