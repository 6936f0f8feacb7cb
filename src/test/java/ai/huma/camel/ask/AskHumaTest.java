package ai.huma.camel.ask;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;

import ai.huma.camel.simulator.HumaSimulator;
import ai.huma.camel.support.HumaRoutesTestSupport;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.Exchange;
import org.apache.camel.builder.NotifyBuilder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Asking Huma, end to end against the simulated Huma, which computes what it is asked and calls the
 * bundle's real webhook routes back (or loses the callbacks): requests dropped into the real file
 * inbox, or sent to direct:huma-ask; answers by webhook or by the reconciliation's status calls; the
 * subscription and the visual a request asks for; requests that are not valid.
 */
class AskHumaTest extends HumaRoutesTestSupport {

    private final ObjectMapper json = new ObjectMapper();

    @Override
    protected Properties extraProperties() {
        return properties("huma.reconcile.after", "1000", "huma.reconcile.interval", "200",
                "huma.retry.initial-delay", "20", "huma.retry.max-redeliveries", "2");
    }

    @BeforeEach
    void callBackHere() {
        HUMA.callbacks("http://127.0.0.1:" + port, CALLBACK_TOKEN);
        HUMA.computeDelay(Duration.ofMillis(200));
    }

    @Test
    void aRequestDroppedInTheInboxIsAskedAndItsAnswerWrittenWhenHumaCallsBack() throws Exception {
        dropInInbox("sales.json", "{\"question\": \"Sales by site\", \"commands\": [\"/fast\"]}");

        JsonNode result = json.readTree(awaitOutput("Sales_by_site_result.json").toFile());
        assertThat(result.at("/answer/data").size()).isEqualTo(HumaSimulator.ANY_QUESTION_RECORDS);
        JsonNode ticket = awaitClosedTicket();
        assertThat(ticket.path("outcome").asText()).isEqualTo("answered");
        assertThat(ticket.path("question").asText()).isEqualTo("Sales by site");
        assertThat(inbox()).isEmpty();

        HumaSimulator.Request asked = HUMA.apiRequests().get(0);
        assertThat(asked.method()).isEqualTo("POST");
        assertThat(asked.path()).isEqualTo("/v1/questions");
        assertThat(json.readTree(asked.body())).isEqualTo(json.readTree(
                "{\"question\":\"Sales by site\",\"commands\":[\"/fast\"],\"answer_format\":\"json\"}"));
        assertThat(HUMA.callbackAttempts()).extracting(HumaSimulator.Callback::status).containsExactly(200);
        assertThat(pagesFetched(ticket.path("ticket_number").asText())).isEqualTo(3);
    }

    @Test
    void aLostCallbackIsFetchedByTheReconciliation() throws Exception {
        HUMA.loseCallbacks(true);

        dropInInbox("lost.json", "{\"question\": \"Lost callback\"}");

        awaitOutput("Lost_callback_result.json");
        JsonNode ticket = awaitClosedTicket();
        String number = ticket.path("ticket_number").asText();
        assertThat(ticket.path("polls").asInt()).isPositive();
        assertThat(HUMA.apiRequests()).anyMatch(r -> r.path().equals("/v1/questions/" + number + "/status"));
        assertThat(HUMA.callbackAttempts()).allMatch(HumaSimulator.Callback::lost);
        assertThat(pagesFetched(number)).isEqualTo(3);
        assertThat(metric("huma_requests_reconciled_total")).isGreaterThanOrEqualTo(1);
    }

    @Test
    void aStatusCallThatFailsIsNoDeadLetterAndTheNextRoundFetchesTheAnswer() throws Exception {
        HUMA.loseCallbacks(true);
        // the first poll fails for good: its try and the two retries of huma.retry.max-redeliveries
        HUMA.fail("/v1/questions/[^/]+/status", null, 500, 3);

        dropInInbox("flaky.json", "{\"question\": \"Flaky status\"}");

        awaitOutput("Flaky_status_result.json");
        String number = awaitClosedTicket().path("ticket_number").asText();
        assertThat(HUMA.apiRequests().stream().filter(r -> r.path().equals("/v1/questions/" + number + "/status")).count())
                .as("three failed calls, then the next round's").isGreaterThanOrEqualTo(4);
        assertThat(deadLetterFiles()).isEmpty();
        assertThat(pagesFetched(number)).isEqualTo(3);
    }

    @Test
    void aCallbackThatComesWhileThePollIsUnderwayIsWorkedOnce() throws Exception {
        HUMA.computeDelay(Duration.ofMillis(2000));
        // the first status call (due after 1 s) answers only after the callback (at 2 s) was worked
        HUMA.slow("/v1/questions/[^/]+/status", Duration.ofMillis(3000), 1);
        NotifyBuilder twice = whenDone("huma-question-computed-worker", 2);

        dropInInbox("race.json", "{\"question\": \"Race\"}");

        awaitDone(twice);
        String number = awaitClosedTicket().path("ticket_number").asText();
        assertThat(HUMA.callbackAttempts()).extracting(HumaSimulator.Callback::status).containsExactly(200);
        assertThat(HUMA.apiRequests()).anyMatch(r -> r.path().equals("/v1/questions/" + number + "/status"));
        assertThat(pagesFetched(number)).as("one fetch of the answer").isEqualTo(3);
        assertThat(outputFiles()).containsExactly("Race_result.json");
    }

    @Test
    void aSubscriptionAndAVisualAreAskedForOnceTheAnswerCame() throws Exception {
        dropInInbox("board.json", "{\"question\": \"Board pack\", \"subscribe\": true, \"visual\": {\"file_type\": \"pdf\", \"visual_type\": \"table\"}}");

        awaitOutput("Board_pack_result.json");
        JsonNode ticket = awaitClosedTicket();
        String subscribedId = ticket.path("subscribed_id").asText();
        String conversionId = ticket.path("conversion_id").asText();
        assertThat(ticket.path("outcome").asText()).isEqualTo("answered; visual " + conversionId + " written");
        assertThat(Files.readAllBytes(awaitOutput(conversionId + ".pdf"))).startsWith("%PDF".getBytes());
        awaitOutput(conversionId + "_result.json");
        awaitOutput(subscribedId + "_result.json");

        List<HumaSimulator.Request> posts = HUMA.apiRequests().stream().filter(r -> r.method().equals("POST")).toList();
        assertThat(posts).extracting(HumaSimulator.Request::path)
                .containsExactly("/v1/questions", "/v1/subscription/create", "/v1/histories/visual");
        assertThat(json.readTree(posts.get(2).body())).isEqualTo(json.readTree("{\"ticket_number\":\""
                + ticket.path("ticket_number").asText() + "\",\"file_type\":\"pdf\",\"visual_type\":\"table\"}"));
    }

    @Test
    void aVisualWhoseCallbackIsLostIsReconciledToo() throws Exception {
        HUMA.loseCallbacks(true);

        dropInInbox("csv.json", "{\"question\": \"As CSV\", \"visual\": {\"file_type\": \"csv\"}}");

        awaitOutput("As_CSV_result.json");
        JsonNode ticket = awaitClosedTicket();
        String conversionId = ticket.path("conversion_id").asText();
        assertThat(Files.readString(awaitOutput(conversionId + ".csv"))).startsWith("row,ticket");
        awaitOutput(conversionId + "_result.json");
        assertThat(HUMA.apiRequests()).anyMatch(r -> r.path().equals("/v1/histories/" + conversionId + "/visual/status"));
    }

    @Test
    void aQuestionHumaRejectedClosesItsTicketWithNothingFetched() throws Exception {
        HUMA.loseCallbacks(true);
        HUMA.rejectQuestions(true);

        dropInInbox("rejected.json", "{\"question\": \"Nonsense\", \"subscribe\": true}");

        JsonNode ticket = awaitClosedTicket();
        assertThat(ticket.path("outcome").asText()).isEqualTo("rejected by Huma (status 'rejected')");
        assertThat(HUMA.apiRequests()).noneMatch(r -> r.path().endsWith("/result") || r.path().contains("subscription"));
        assertThat(outputFiles()).isEmpty();
        assertThat(deadLetterFiles()).isEmpty();
    }

    @Test
    void requestsThatAreNotValidAreDeadLettersAndNothingIsSent() throws Exception {
        dropInInbox("not-json.json", "What were sales?");
        dropInInbox("no-question.json", "{\"commands\": []}");
        dropInInbox("bad-visual.json", "{\"question\": \"q\", \"visual\": {\"file_type\": \"gif\"}}");

        await().atMost(Duration.ofSeconds(20)).until(() -> deadLetterFiles().size() == 3);
        List<String> reasons = deadLetterFiles().stream().map(this::read)
                .peek(record -> assertThat(record.path("event").asText()).isEqualTo("Questions/Ask"))
                .map(record -> record.path("reason").asText()).toList();
        assertThat(reasons).anyMatch(reason -> reason.contains("not valid JSON"))
                .anyMatch(reason -> reason.contains("the request has no question"))
                .anyMatch(reason -> reason.contains("visual.file_type must be one of [pdf, csv, pptx]"));
        assertThat(deadLetterFiles().stream().map(this::read).map(record -> record.path("payload")))
                .anyMatch(payload -> payload.isTextual() && payload.asText().equals("What were sales?"));
        assertThat(HUMA.apiRequests()).isEmpty();
        await().atMost(Duration.ofSeconds(5)).until(() -> inbox().isEmpty());
    }

    @Test
    void aDeadLetterOfARequestIsAskedWhenReplayed() throws Exception {
        HUMA.fail("/v1/questions", null, 400, 1);
        dropInInbox("refused.json", "{\"question\": \"Refused once\"}");
        await().atMost(Duration.ofSeconds(20)).until(() -> deadLetterFiles().size() == 1);
        Path deadLetter = deadLetterFiles().get(0);
        assertThat(read(deadLetter).path("http_status").asInt()).isEqualTo(400);

        Files.createDirectories(dataDir.resolve("replay"));
        Files.move(deadLetter, dataDir.resolve("replay").resolve(deadLetter.getFileName()));

        awaitOutput("Refused_once_result.json");
        assertThat(awaitClosedTicket().path("outcome").asText()).isEqualTo("answered");
    }

    @Test
    void anyEndpointCanAskThroughDirectHumaAsk() {
        Exchange asked = template.send("direct:huma-ask", e -> e.getMessage().setBody("{\"question\": \"From a route\"}"));

        assertThat(asked.getException()).isNull();
        Ticket ticket = asked.getVariable("ticket", Ticket.class);
        assertThat(ticket.getTicketNumber()).matches("[0-9a-f]{24}");
        assertThat(dataDir.resolve("tickets").resolve(ticket.getTicketNumber() + ".json")).exists();
        awaitOutput("From_a_route_result.json");
        awaitClosedTicket();
    }

    @Test
    void aRequestIsAskedAgainWhileHumaIsBusy() throws Exception {
        HUMA.fail("/v1/questions", null, 503, 2);

        dropInInbox("busy.json", "{\"question\": \"Busy\"}");

        awaitOutput("Busy_result.json");
        assertThat(HUMA.apiRequests().stream().filter(r -> r.path().equals("/v1/questions")).count()).isEqualTo(3);
        assertThat(deadLetterFiles()).isEmpty();
    }

    @Test
    void theHealthShowsTheInboxAndTheTicketsWaiting() throws Exception {
        HUMA.loseCallbacks(true);
        HUMA.computeDelay(Duration.ofMillis(2500));
        org.apache.camel.health.HealthCheck asks = context.getRegistry()
                .lookupByNameAndType("humaAsksHealthCheck", org.apache.camel.health.HealthCheck.class);

        dropInInbox("waiting.json", "{\"question\": \"Waiting\"}");
        await().atMost(Duration.ofSeconds(20)).until(() -> asks.call().getDetails().get("tickets.waiting").equals(1));

        org.apache.camel.health.HealthCheck.Result waiting = asks.call();
        assertThat(waiting.getState()).isEqualTo(org.apache.camel.health.HealthCheck.State.UP);
        assertThat(waiting.getDetails()).containsEntry("inbox.route", "Started").containsEntry("tickets.waiting.answer", 1)
                .containsKey("tickets.oldest.waiting-since");
        assertThat(waiting.getDetails().get("inbox").toString()).startsWith("file:" + dataDir.resolve("inbox"));
        assertThat(metric("huma_requests_waiting")).isEqualTo(1);
        awaitClosedTicket();
        assertThat(asks.call().getDetails()).containsEntry("tickets.waiting", 0).doesNotContainKey("tickets.oldest.waiting-since");
        assertThat(metric("huma_requests_waiting")).isZero();
    }

    private List<String> inbox() throws IOException {
        try (Stream<Path> files = Files.list(dataDir.resolve("inbox"))) {
            return files.map(f -> f.getFileName().toString()).filter(name -> !name.startsWith(".")).toList();
        }
    }

    /** The one ticket this test closed (tickets/closed is emptied before each test). */
    private JsonNode awaitClosedTicket() {
        Path closed = dataDir.resolve("tickets").resolve("closed");
        await().atMost(Duration.ofSeconds(20)).until(() -> jsonFiles(closed).size() == 1);
        return read(jsonFiles(closed).get(0));
    }

    @BeforeEach
    void noClosedTickets() throws IOException {
        for (Path file : jsonFiles(dataDir.resolve("tickets").resolve("closed"))) {
            Files.delete(file);
        }
    }

    private static List<Path> jsonFiles(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".json") && !f.getFileName().toString().startsWith("."))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private JsonNode read(Path file) {
        try {
            return json.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private long pagesFetched(String ticket) {
        return HUMA.apiRequests().stream().filter(r -> r.path().equals("/v1/questions/" + ticket + "/result")).count();
    }

    /** The sum of a counter's series, as the management port serves it (Prometheus text). */
    private double metric(String name) {
        String metrics = send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                "http://127.0.0.1:" + managementPort + "/observe/metrics")).GET().build()).body();
        return metrics.lines().filter(line -> line.startsWith(name + "{") || line.startsWith(name + " "))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }
}
