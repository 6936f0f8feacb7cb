package ai.huma.camel.ask;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One request to ask Huma, as {@link AskRequests} read it: the question and its commands, whether to
 * subscribe to it, and the visual to make of its answer, if any. A request that names a
 * {@code ticket_number} already (a dead letter of a ticket given up, replayed) is not asked again:
 * its ticket is watched again.
 *
 * @param question    the question, never blank
 * @param commands    Huma's commands, as given (empty when none)
 * @param subscribe   true to subscribe to the question once it succeeded
 * @param fileType    the visual's file type (pdf, csv, pptx), or null for none
 * @param visualType  the visual's type, or null for Huma's default
 * @param ticket      the ticket of a request asked already, or null
 */
public record AskRequest(String question, List<Object> commands, boolean subscribe, String fileType, String visualType,
        Map<String, Object> ticket) {

    /** The file types Huma makes a visual in. */
    public static final List<String> FILE_TYPES = List.of("pdf", "csv", "pptx");

    /** True when Huma is to make a visual of the answer. */
    public boolean wantsVisual() {
        return fileType != null;
    }

    /** True when this request was asked already: its ticket is watched again, nothing is sent. */
    public boolean isAsked() {
        return ticket != null;
    }

    /** The body of {@code POST /v1/questions}. */
    public Map<String, Object> questionBody() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("question", question);
        body.put("commands", commands);
        body.put("answer_format", "json");
        return body;
    }
}
