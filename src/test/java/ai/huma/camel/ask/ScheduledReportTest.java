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
import ai.huma.camel.support.TestSmtpServer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.ServiceStatus;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.component.quartz.QuartzComponent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The scheduled report of the README (examples/scheduled-report.camel.yaml), added to the routes as a
 * team adds it, with its cron set to every two seconds: its first fire asks Huma the question with a
 * PDF visual, the question's result is written to the output folder, and the visual arrives by mail
 * at the test SMTP server, the PDF and its _result.json attached. The schedule is stopped after that
 * first fire, so that one report is asked.
 */
class ScheduledReportTest extends HumaRoutesTestSupport {

    private static final Path TEAM_ROUTES = teamRoutes();
    private static final String ROUTE = "board-pack-report";
    private static final String QUESTION = "What were sales last week by site?";

    private final ObjectMapper json = new ObjectMapper();
    private TestSmtpServer smtp;

    private static Path teamRoutes() {
        try {
            Path folder = Files.createTempDirectory(Files.createDirectories(TEST_WORK), "ScheduledReportTest-routes-");
            Files.copy(Path.of("examples", "scheduled-report.camel.yaml"), folder.resolve("scheduled-report.camel.yaml"));
            return folder;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    protected Properties extraProperties() {
        smtp = new TestSmtpServer(workDir.resolve("mail"));
        return properties(
                "huma.routes", "file:" + TEAM_ROUTES.toAbsolutePath() + "/*.camel.yaml",
                "report.board-pack.cron", "0/2 * * * * ?",
                "huma.output.history.uri", "smtp://127.0.0.1:" + smtp.port() + "?from=reports@example.test&to=board@example.test",
                // the schedule starts when the test says, once the simulator is reset and told to call back
                "camel.component.quartz.auto-start-scheduler", "false");
    }

    @AfterAll
    void stopSmtp() {
        if (smtp != null) {
            smtp.close();
        }
    }

    @Test
    void theScheduleAsksTheQuestionAndTheVisualArrivesByMailWithThePdfAndItsResult() throws Exception {
        HUMA.callbacks("http://127.0.0.1:" + port, CALLBACK_TOKEN);
        HUMA.computeDelay(Duration.ofMillis(200));
        NotifyBuilder fired = whenDone(ROUTE, 1);
        context.getComponent("quartz", QuartzComponent.class).getScheduler().start();

        // the first fire; then the schedule is stopped, so that no second report is asked
        awaitDone(fired);
        context.getRouteController().stopRoute(ROUTE);
        assertThat(context.getRouteController().getRouteStatus(ROUTE)).isEqualTo(ServiceStatus.Stopped);

        await().atMost(Duration.ofSeconds(30)).until(() -> !smtp.messages().isEmpty());
        TestSmtpServer.Mail mail = smtp.messages().get(0);
        JsonNode ticket = awaitClosedTicket();
        String conversionId = ticket.path("conversion_id").asText();
        assertThat(conversionId).matches("[0-9a-f]{24}");
        assertThat(ticket.path("question").asText()).isEqualTo(QUESTION);
        assertThat(mail.to()).containsExactly("board@example.test");
        assertThat(mail.subject()).contains(conversionId);
        assertThat(mail.attachments()).extracting(TestSmtpServer.Attachment::fileName)
                .containsExactlyInAnyOrder(conversionId + ".pdf", conversionId + "_result.json");
        assertThat(mail.attachment(conversionId + ".pdf").orElseThrow().bytes()).startsWith("%PDF".getBytes());
        assertThat(json.readTree(mail.attachment(conversionId + "_result.json").orElseThrow().bytes())
                .path("file_type").asText()).isEqualTo("pdf");

        // the question's result goes to huma.output.question.uri as usual (the output folder); the
        // visual went to the mail only
        Path result = awaitOutput("What_were_sales_last_week_by_site_result.json");
        assertThat(json.readTree(result.toFile()).at("/answer/data").size()).isEqualTo(HumaSimulator.ANY_QUESTION_RECORDS);
        assertThat(outputFiles()).containsExactly("What_were_sales_last_week_by_site_result.json");

        // what Huma was asked: the question once, then its PDF
        List<HumaSimulator.Request> posts = HUMA.apiRequests().stream().filter(r -> r.method().equals("POST")).toList();
        assertThat(posts).extracting(HumaSimulator.Request::path).containsExactly("/v1/questions", "/v1/histories/visual");
        assertThat(json.readTree(posts.get(0).body()).path("question").asText()).isEqualTo(QUESTION);
        assertThat(json.readTree(posts.get(1).body()).path("file_type").asText()).isEqualTo("pdf");
        assertThat(smtp.messages()).hasSize(1);
        assertThat(deadLetterFiles()).isEmpty();
    }

    /** The one ticket the report closed. */
    private JsonNode awaitClosedTicket() {
        Path closed = dataDir.resolve("tickets").resolve("closed");
        await().atMost(Duration.ofSeconds(20)).until(() -> closedTickets(closed).size() == 1);
        try {
            return json.readTree(closedTickets(closed).get(0).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Path> closedTickets(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".json") && !f.getFileName().toString().startsWith("."))
                    .toList();
        }
    }
}
