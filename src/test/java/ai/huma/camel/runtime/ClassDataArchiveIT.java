package ai.huma.camel.runtime;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;

import ai.huma.camel.support.BundleProcess;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The class-data archive of the README's launch command (docs/operations.md "The launch flags"), after
 * {@code mvn package}: the build wrote target/huma-camel.jsa, the JVM can map it for the jar (with
 * {@code -Xshare:on} a JVM that cannot exits at once), and the training run that wrote it worked in
 * a temporary folder of its own.
 */
class ClassDataArchiveIT {

    private static final Path ARCHIVE = Path.of("target", "huma-camel.jsa").toAbsolutePath();

    @Test
    void theBuildsArchiveFitsTheJar() throws Exception {
        assertThat(ARCHIVE).isRegularFile();
        // the README's launch command, with -Xshare:on: a JVM that cannot map the archive exits at once
        try (BundleProcess help = BundleProcess.ofJar("ClassDataArchiveIT", Map.of())
                .jvmOptions("-Xshare:on", "-XX:SharedArchiveFile=" + ARCHIVE).arguments("--help").launch()) {
            assertThat(help.awaitExit(Duration.ofSeconds(90))).as(help.output()).isZero();
            assertThat(help.output()).contains("Usage: java [JVM options] -jar huma-camel.jar").doesNotContain("shared archive");
        }
    }

    @Test
    void theBuildsTrainingRunLeftNothingInItsWorkingDirectory() throws Exception {
        // the build ran `java -XX:ArchiveClassesAtExit=target/huma-camel.jsa -jar target/huma-camel.jar
        // training-run` there (the build fails when it does not exit 0): its output and data stayed in
        // the temporary folder it removed
        Path work = Path.of("target", "cds-training");
        assertThat(work).isDirectory();
        try (Stream<Path> left = Files.list(work)) {
            assertThat(left.toList()).isEmpty();
        }
    }
}
