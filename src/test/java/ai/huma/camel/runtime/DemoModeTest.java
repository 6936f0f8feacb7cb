package ai.huma.camel.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import ai.huma.camel.support.BundleProcess;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The demo's settings over every other source, and those of the training run that writes the
 * class-data archive (docs/operations.md "The launch flags"): whatever the working directory's settings say, the
 * training run takes no fixed port, queues in memory, writes only files, in a folder of its own that
 * is gone after it. And the demo as a user runs it ({@link HumaCamelMain} {@code demo} in a JVM of its
 * own, {@link BundleProcess}): after its webhooks, two questions asked through the inbox, one answered
 * by Huma's callback, one whose callback is lost, fetched by the reconciliation.
 */
class DemoModeTest {

    @Test
    void theDemoPointsAtItsSimulatorOnLoopbackAndLeavesTheRestToTheSettings() throws Exception {
        try (DemoMode demo = DemoMode.start()) {
            Map<String, String> overrides = demo.overrides();
            assertThat(overrides.get("huma.api.url")).startsWith("http://127.0.0.1:");
            assertThat(overrides).containsEntry("huma.host", "127.0.0.1").containsEntry("huma.management.host", "127.0.0.1")
                    .doesNotContainKeys("huma.port", "huma.queue.mode", "huma.output.dir", "huma.output.question.uri");
            // a lost callback reconciled within seconds (the environment of the tests sets neither)
            assertThat(overrides).containsEntry("huma.reconcile.after", "4000").containsEntry("huma.reconcile.interval", "1000");
            assertThat(demo.isStoppingOnceWorked()).isFalse();
        }
    }

    @Test
    void theTrainingRunOverridesEverythingThatCouldReachOutsideItsTemporaryFolder() throws Exception {
        Path folder;
        try (DemoMode training = DemoMode.start().stoppingOnceWorked()) {
            Map<String, String> overrides = training.overrides();
            assertThat(training.isStoppingOnceWorked()).isTrue();
            assertThat(overrides).containsEntry("huma.port", "0").containsEntry("huma.management.port", "0")
                    .containsEntry("huma.queue.mode", "journal");
            for (String event : new String[] {"question", "subscription", "history"}) {
                assertThat(overrides).containsEntry("huma.output." + event + ".uri", "file:{{huma.output.dir}}?tempFileName=.$simple{exchangeId}.part");
            }
            Path output = Path.of(overrides.get("huma.output.dir"));
            Path data = Path.of(overrides.get("huma.data.dir"));
            folder = output.getParent();
            assertThat(data.getParent()).isEqualTo(folder);
            assertThat(folder).isDirectory().isNotEqualTo(Path.of("").toAbsolutePath());
            Files.createDirectories(output);
            Files.writeString(output.resolve("result.json"), "{}");
        }
        assertThat(Files.exists(folder)).as("the temporary folder is removed").isFalse();
    }

    @Test
    void theDemoAsksThroughTheInboxAndTheReconciliationFetchesTheAnswerWhoseCallbackWasLost() throws Exception {
        try (BundleProcess demo = new BundleProcess("DemoModeTest", Map.of()).arguments("demo")) {
            demo.start();

            await().atMost(Duration.ofSeconds(45))
                    .until(() -> demo.output().contains("Demo: both questions asked through the inbox are answered"));

            String answeredFile = "What_were_sales_yesterday_by_site_result.json";
            String lostFile = "Which_sites_missed_their_target_result.json";
            assertThat(demo.files("output")).contains("What_were_sales_in_2023_result.json", answeredFile, lostFile);
            assertThat(demo.files("data/inbox")).as("both requests left the inbox").isEmpty();
            Map<String, JsonNode> closed = closedTickets(demo.workDir().resolve("data/tickets/closed"));
            assertThat(closed).containsOnlyKeys(DemoMode.ANSWERED_QUESTION, DemoMode.LOST_QUESTION);
            JsonNode answered = closed.get(DemoMode.ANSWERED_QUESTION);
            assertThat(answered.path("outcome").asText()).isEqualTo("answered");
            assertThat(answered.path("polls").asInt()).as("its callback came: never polled").isZero();
            JsonNode lost = closed.get(DemoMode.LOST_QUESTION);
            assertThat(lost.path("outcome").asText()).isEqualTo("answered");
            assertThat(lost.path("polls").asInt()).as("fetched by the reconciliation's status calls").isPositive();

            String output = demo.output();
            assertThat(output)
                    .contains("huma.reconcile.after = 4000 ms")
                    .contains("Demo: asked Huma '" + DemoMode.ANSWERED_QUESTION + "' through the inbox (" + Path.of("data", "inbox", "demo-sales-"))
                    .contains("Demo: asked Huma '" + DemoMode.LOST_QUESTION + "' through the inbox (" + Path.of("data", "inbox", "demo-targets-"))
                    .contains("Demo: its callback will be lost; the reconciliation fetches it after 4 s")
                    .contains("Demo: the answer to '" + DemoMode.ANSWERED_QUESTION + "' came by Huma's callback: "
                            + Path.of("output", answeredFile))
                    .contains("Reconciled ticket " + lost.path("ticket_number").asText())
                    .contains("Demo: the answer to '" + DemoMode.LOST_QUESTION + "' was fetched by the reconciliation, no callback came")
                    .contains(Path.of("output", lostFile) + " (ticket " + lost.path("ticket_number").asText() + " closed: answered)")
                    .as("the made-up secrets are never printed").doesNotContain("demo-key-").doesNotContain("demo-token-");
            assertThat(demo.stop()).isZero();
        }
    }

    /** The closed tickets of the folder, by their question. */
    private static Map<String, JsonNode> closedTickets(Path folder) throws IOException {
        ObjectMapper json = new ObjectMapper();
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(file -> file.getFileName().toString().endsWith(".json")).map(file -> {
                try {
                    return json.readTree(file.toFile());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).collect(Collectors.toMap(ticket -> ticket.path("question").asText(), Function.identity()));
        }
    }
}
