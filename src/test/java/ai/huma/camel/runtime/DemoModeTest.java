package ai.huma.camel.runtime;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The demo's settings over every other source, and those of the training run that writes the
 * class-data archive (docs/operations.md "The launch flags"): whatever the working directory's settings say, the
 * training run takes no fixed port, queues in memory, writes only files, in a folder of its own that
 * is gone after it.
 */
class DemoModeTest {

    @Test
    void theDemoPointsAtItsSimulatorOnLoopbackAndLeavesTheRestToTheSettings() throws Exception {
        try (DemoMode demo = DemoMode.start()) {
            Map<String, String> overrides = demo.overrides();
            assertThat(overrides.get("huma.api.url")).startsWith("http://127.0.0.1:");
            assertThat(overrides).containsEntry("huma.host", "127.0.0.1").containsEntry("huma.management.host", "127.0.0.1")
                    .doesNotContainKeys("huma.port", "huma.queue.mode", "huma.output.dir", "huma.output.question.uri");
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
}
