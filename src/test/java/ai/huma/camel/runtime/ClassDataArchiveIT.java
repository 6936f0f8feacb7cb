package ai.huma.camel.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The class-data archive of the README's launch command (docs/operations.md "The launch flags"), after
 * {@code mvn package}: the build wrote target/huma-camel.jsa, the JVM can map it for the jar (with
 * {@code -Xshare:on} a JVM that cannot exits at once), and the training run that wrote it worked in
 * a temporary folder of its own.
 */
class ClassDataArchiveIT {

    private static final Path JAR = Path.of("target", "huma-camel.jar").toAbsolutePath();
    private static final Path ARCHIVE = Path.of("target", "huma-camel.jsa").toAbsolutePath();
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    @Test
    void theBuildsArchiveFitsTheJar() throws Exception {
        assertThat(ARCHIVE).isRegularFile();
        Run help = run(Path.of("target"), List.of(JAVA, "-Xshare:on", "-XX:SharedArchiveFile=" + ARCHIVE, "-jar", JAR.toString(), "--help"));
        assertThat(help.exitCode()).as(help.output()).isZero();
        assertThat(help.output()).contains("Usage: java [JVM options] -jar huma-camel.jar").doesNotContain("shared archive");
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

    private record Run(int exitCode, String output) {
    }

    private static Run run(Path directory, List<String> command) throws IOException, InterruptedException {
        Path log = Files.createTempFile(Path.of("target"), "ClassDataArchiveIT", ".log");
        ProcessBuilder builder = new ProcessBuilder(new ArrayList<>(command)).directory(directory.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        // the built-in settings and routes, and the secrets the demo makes up
        builder.environment().keySet().removeIf(name -> name.startsWith("HUMA_") || name.startsWith("API_"));
        Process process = builder.start();
        try {
            if (!process.waitFor(90, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
                return new Run(-1, "timed out after 90 s: " + Files.readString(log, StandardCharsets.UTF_8));
            }
            return new Run(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
