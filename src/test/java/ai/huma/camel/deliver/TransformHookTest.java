package ai.huma.camel.deliver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;

import ai.huma.camel.simulator.SimulatedWebhooks;
import ai.huma.camel.simulator.SimulatedWebhooks.Webhook;
import ai.huma.camel.support.HumaRoutesTestSupport;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The transform hook (huma.transform.&lt;event&gt;.uri), with route files of a team's own as they add
 * them: the README's example (examples/question-as-csv.camel.yaml) turns a question's records into
 * CSV; a hook that fails makes a dead letter and delivers nothing; one that gives a file back without
 * a body drops it.
 */
class TransformHookTest extends HumaRoutesTestSupport {

    private static final Path TEAM_ROUTES = teamRoutes();

    private final ObjectMapper json = new ObjectMapper();

    private static Path teamRoutes() {
        try {
            Path folder = Files.createTempDirectory(Files.createDirectories(TEST_WORK), "TransformHookTest-routes-");
            Files.copy(Path.of("examples", "question-as-csv.camel.yaml"), folder.resolve("question-as-csv.camel.yaml"));
            Files.writeString(folder.resolve("other-hooks.camel.yaml"), """
                    - route:
                        id: failing-hook
                        from:
                          uri: direct:failing-hook
                          steps:
                            - throwException:
                                exceptionType: java.lang.IllegalStateException
                                message: "the team's hook is broken"
                    - route:
                        id: dropping-hook
                        from:
                          uri: direct:dropping-hook
                          steps:
                            - setBody:
                                simple: "${null}"
                    """, StandardCharsets.UTF_8);
            return folder;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    protected Properties extraProperties() {
        return properties(
                "huma.routes", "file:" + TEAM_ROUTES.toAbsolutePath() + "/*.camel.yaml",
                "huma.transform.question.uri", "direct:question-as-csv",
                "huma.transform.subscription.uri", "direct:failing-hook",
                "huma.transform.history.uri", "direct:dropping-hook");
    }

    @Test
    void theExampleHookDeliversTheQuestionsRecordsAsCsv() throws Exception {
        HUMA.question("t-csv", 250);
        String id = "t-csv";

        assertThat(webhook(SimulatedWebhooks.question(id, "Sales by region")).statusCode()).isEqualTo(200);

        Path csv = awaitOutput("Sales_by_region.csv");
        List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        assertThat(lines).hasSize(251);
        assertThat(lines.get(0)).contains(",");
        assertThat(outputFiles()).containsExactly("Sales_by_region.csv");
        assertThat(deadLetterFiles()).isEmpty();
    }

    @Test
    void aHookThatFailsMakesADeadLetterAndDeliversNothing() throws Exception {
        HUMA.subscription("s-hook", 30);

        Webhook webhook = SimulatedWebhooks.subscription("s-hook");
        webhook(webhook);

        await().atMost(java.time.Duration.ofSeconds(20)).until(() -> !deadLetterFiles().isEmpty());
        JsonNode record = json.readTree(deadLetterFiles().get(0).toFile());
        assertThat(record.get("reason").asText()).contains("the team's hook is broken");
        // a hook's failure is not retried: the result was fetched once, its pages once each
        assertThat(HUMA.apiRequests()).extracting(request -> request.path() + "?" + request.page()).doesNotHaveDuplicates();
        assertThat(record.get("payload")).as("the payload as it came").isEqualTo(json.readTree(webhook.body()));
        awaitWorkersIdle();
        assertThat(outputFiles()).isEmpty();
    }

    @Test
    void aFileTheHookGivesBackWithoutABodyIsNotDelivered() throws Exception {
        HUMA.visual("6702b3c4d5e6f708192a3b4c", "pdf", "%PDF-1.4".getBytes(StandardCharsets.US_ASCII));

        webhook(SimulatedWebhooks.history("6702b3c4d5e6f708192a3b4c"));

        await().atMost(java.time.Duration.ofSeconds(20)).until(() -> HUMA.requests().size() >= 2);
        awaitWorkersIdle();
        assertThat(outputFiles()).isEmpty();
        assertThat(deadLetterFiles()).isEmpty();
    }
}
