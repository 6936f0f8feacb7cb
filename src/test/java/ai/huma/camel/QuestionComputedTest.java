package ai.huma.camel;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import ai.huma.camel.simulator.HumaSimulator;
import ai.huma.camel.simulator.SimulatedWebhooks;
import ai.huma.camel.support.HumaRoutesTestSupport;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.builder.NotifyBuilder;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class QuestionComputedTest extends HumaRoutesTestSupport {

    private static final String TICKET = "65a1b2c3d4e5f60718293a4b";
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void succeededQuestionFetchesEveryPageAndWritesOneResult() throws Exception {
        HUMA.question(TICKET, 250);

        var response = webhook(SimulatedWebhooks.question(TICKET, "What were sales in 2023?"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{}");
        Path result = awaitOutput("What_were_sales_in_2023_result.json");
        JsonNode answer = json.readTree(result.toFile());
        List<Integer> rows = answer.at("/answer/data").findValues("row").stream().map(JsonNode::asInt).toList();
        assertThat(rows).hasSize(250);
        assertThat(rows).isSorted().first().isEqualTo(1);
        assertThat(answer.at("/answer/data/0/amount").decimalValue()).isEqualByComparingTo("1.10");
        assertThat(Files.readString(result)).contains("1.10");
        assertThat(answer.at("/ticket_number").asText()).isEqualTo(TICKET);

        List<HumaSimulator.Request> calls = HUMA.apiRequests();
        assertThat(calls).extracting(HumaSimulator.Request::path).containsOnly("/v1/questions/" + TICKET + "/result");
        assertThat(calls).extracting(HumaSimulator.Request::page).containsExactly(1, 2, 3);
        assertThat(calls).extracting(r -> r.query().get("limit")).containsOnly("100");
        assertThat(calls).extracting(HumaSimulator.Request::authorization).containsOnly("Bearer " + HUMA.apiKey());
        assertThat(outputFiles()).containsExactly("What_were_sales_in_2023_result.json");
    }

    @Test
    void singlePageAnswerIsFetchedOnce() throws Exception {
        HUMA.question(TICKET, 40);

        webhook(SimulatedWebhooks.question(TICKET, "one page"));

        JsonNode answer = json.readTree(awaitOutput("one_page_result.json").toFile());
        assertThat(answer.at("/answer/data").size()).isEqualTo(40);
        assertThat(answer.at("/metadata/has_next_page").asBoolean()).isFalse();
        assertThat(HUMA.apiRequests()).extracting(HumaSimulator.Request::page).containsExactly(1);
    }

    @Test
    void rejectedQuestionMakesNoCallAndNoFile() {
        NotifyBuilder done = whenDone("huma-question-computed-worker", 1);

        var response = webhook(SimulatedWebhooks.question(TICKET, "bad one", "rejected"));

        assertThat(response.statusCode()).isEqualTo(200);
        awaitDone(done);
        assertThat(HUMA.requests()).isEmpty();
        assertThat(outputFiles()).isEmpty();
    }

    @Test
    void unknownStatusesMakeNoCallAndNoFile() {
        NotifyBuilder done = whenDone("huma-question-computed-worker", 3);

        webhook(SimulatedWebhooks.question(TICKET, "q", "processing"));
        webhook(SimulatedWebhooks.question(TICKET, "q", ""));
        webhook(SimulatedWebhooks.question(TICKET, "q", null)); // no status at all

        awaitDone(done);
        assertThat(HUMA.requests()).isEmpty();
        assertThat(outputFiles()).isEmpty();
    }

    @Test
    void hostileTicketNumbersAreRejectedWithoutACall() {
        List<String> tickets = List.of("../../etc", "a/b", "x\ny", "", "abc def", "a".repeat(200));
        NotifyBuilder done = whenDone("huma-question-computed-worker", tickets.size() + 1);

        for (String ticket : tickets) {
            webhook(SimulatedWebhooks.question(ticket, "q"));
        }
        webhook(QUESTION_PATH, "{\"question\":\"q\",\"question_status\":\"succeeded\",\"ticket_number\":42}");

        awaitDone(done);
        assertThat(HUMA.requests()).isEmpty();
        assertThat(outputFiles()).isEmpty();
    }

    @Test
    void hostileQuestionsGiveSafeFileNames() {
        // question, ticket number, expected file name
        List<List<String>> cases = List.of(
                List.of("../../etc/passwd", "t1", "etcpasswd_result.json"),
                List.of("a/b\\c", "t2", "abc_result.json"),
                List.of("tab\there\nnew\u0000line", "t3", "tab_here_newline_result.json"),
                List.of("..", "t4", "question_t4_result.json"),
                List.of("", "t5", "question_t5_result.json"),
                List.of("\u202Eevil.exe", "t6", "evilexe_result.json"));
        for (List<String> c : cases) {
            HUMA.question(c.get(1), 3);
            webhook(SimulatedWebhooks.question(c.get(1), c.get(0)));
        }
        for (List<String> c : cases) {
            awaitOutput(c.get(2));
        }
        assertThat(outputFiles()).containsExactlyInAnyOrderElementsOf(cases.stream().map(c -> c.get(2)).toList());
    }

    @Test
    void longQuestionsAreTrimmedTo255Bytes() throws Exception {
        HUMA.question("t1", 3);
        HUMA.question("t2", 3);
        String cjk = "\u6570".repeat(150); // 3 bytes each in UTF-8
        String latin = "x".repeat(400);

        NotifyBuilder done = whenDone("huma-question-computed-worker", 2);
        webhook(SimulatedWebhooks.question("t1", cjk));
        webhook(SimulatedWebhooks.question("t2", latin));

        awaitDone(done);
        assertThat(outputFiles()).hasSize(2).allSatisfy(name -> {
            assertThat(name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length).isLessThanOrEqualTo(255);
            assertThat(name).endsWith("_result.json");
        });
        assertThat(outputFiles()).anyMatch(name -> name.startsWith("\u6570\u6570") && name.length() == 81 + 12)
                .anyMatch(name -> name.equals("x".repeat(243) + "_result.json"));
    }

    @Test
    void aFailingPageLeavesNoResultFile() {
        HUMA.question(TICKET, 500);
        HUMA.fail("/v1/questions/.*/result", 3, 404, 1);
        NotifyBuilder done = whenDone("huma-question-computed-worker", 1);

        webhook(SimulatedWebhooks.question(TICKET, "fails on page three"));

        awaitDone(done);
        assertThat(HUMA.apiRequests()).extracting(HumaSimulator.Request::page).containsExactly(1, 2, 3);
        assertThat(outputFiles()).isEmpty();
    }
}
