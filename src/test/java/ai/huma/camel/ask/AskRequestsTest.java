package ai.huma.camel.ask;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What a request to ask Huma may be, and why one is refused. */
class AskRequestsTest {

    private final AskRequests requests = new AskRequests();

    @Test
    void aFullRequestIsReadAsGiven() {
        AskRequest request = requests.parse("""
                {"question": "Sales by site", "commands": ["/fast", {"x": 1}], "subscribe": true,
                 "visual": {"file_type": "pptx", "visual_type": "chart"}, "team": "ignored"}""");

        assertThat(request.question()).isEqualTo("Sales by site");
        assertThat(request.commands()).containsExactly("/fast", Map.of("x", 1));
        assertThat(request.subscribe()).isTrue();
        assertThat(request.fileType()).isEqualTo("pptx");
        assertThat(request.visualType()).isEqualTo("chart");
        assertThat(request.isAsked()).isFalse();
        assertThat(request.questionBody()).containsExactly(Map.entry("question", "Sales by site"),
                Map.entry("commands", List.of("/fast", Map.of("x", 1))), Map.entry("answer_format", "json"));
    }

    @Test
    void onlyTheQuestionIsRequired() {
        AskRequest request = requests.parse("{\"question\": \"q\", \"commands\": null, \"subscribe\": null}");

        assertThat(request.commands()).isEmpty();
        assertThat(request.subscribe()).isFalse();
        assertThat(request.wantsVisual()).isFalse();
    }

    @Test
    void aTicketRecordIsARequestAskedAlready() {
        AskRequest request = requests.parse("{\"ticket_number\": \"65a1b2c3d4e5f60718293a4b\", \"question\": \"q\"}");

        assertThat(request.isAsked()).isTrue();
        assertThat(request.ticket()).containsEntry("ticket_number", "65a1b2c3d4e5f60718293a4b");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "''                                                   | the request is empty",
        "What were sales?                                     | the request is not valid JSON",
        "[\"question\"]                                       | the request is not a JSON object",
        "{\"question\": \"q\",}                               | the request is not valid JSON",
        "{\"commands\": []}                                   | the request has no question",
        "{\"question\": \"  \"}                               | question must be a non-blank text",
        "{\"question\": 42}                                   | question must be a non-blank text, not ",
        "{\"question\": \"q\", \"commands\": \"/fast\"}       | commands must be a JSON array",
        "{\"question\": \"q\", \"subscribe\": \"yes\"}        | subscribe must be true or false",
        "{\"question\": \"q\", \"visual\": \"pdf\"}           | visual must be a JSON object",
        "{\"question\": \"q\", \"visual\": {}}                | visual.file_type must be one of [pdf, csv, pptx], not null",
        "{\"question\": \"q\", \"visual\": {\"file_type\": \"PDF\"}} | visual.file_type must be one of [pdf, csv, pptx]",
        "{\"question\": \"q\", \"visual\": {\"file_type\": \"pdf\", \"visual_type\": 3}} | visual.visual_type must be a text",
    })
    void aRequestThatCannotBeSentSaysWhy(String body, String reason) {
        assertThatThrownBy(() -> requests.parse(body)).isInstanceOf(BadAskRequestException.class).hasMessageStartingWith(reason);
    }

    @Test
    void aQuestionTooLongOrNestedTooDeepIsRefused() {
        assertThatThrownBy(() -> requests.parse("{\"question\": \"" + "x".repeat(AskRequests.MAX_QUESTION_LENGTH + 1) + "\"}"))
                .isInstanceOf(BadAskRequestException.class).hasMessageContaining("longer than");
        assertThatThrownBy(() -> requests.parse("{\"question\": \"q\", \"commands\": " + "[".repeat(100) + "]".repeat(100) + "}"))
                .isInstanceOf(BadAskRequestException.class).hasMessageStartingWith("the request is not valid JSON");
    }
}
