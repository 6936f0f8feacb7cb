package ai.huma.camel.deliver;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Properties;

import ai.huma.camel.simulator.SimulatedWebhooks;
import ai.huma.camel.support.HumaRoutesTestSupport;
import org.apache.camel.component.scheduler.SchedulerEndpoint;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The housekeeping of the temporary files a process killed while writing leaves (route
 * huma-leftover-part-files): a hidden .part file untouched for 10 minutes is removed from every
 * folder the bundle writes results and dead letters to; a fresh one (a write under way), a result and
 * a file of someone else's are left alone.
 */
class LeftoverPartFilesTest extends HumaRoutesTestSupport {

    private static final Instant ELEVEN_MINUTES_AGO = Instant.now().minusSeconds(11 * 60);

    @Override
    protected Properties extraProperties() {
        // the visuals to a folder of their own and to an SFTP server (not a folder: not looked into)
        return properties("huma.output.history.uri", "file:{{huma.output.dir}}/visuals?tempFileName=.$simple{exchangeId}.part,"
                + "sftp://huma@127.0.0.1:1/huma?password=RAW(a,b)&knownHostsFile=/dev/null");
    }

    @Test
    void leftoversOfAKillAreRemovedFromEveryFolderAndNothingElse() throws Exception {
        Path visuals = Files.createDirectories(outputDir.resolve("visuals"));
        Path deadLetters = Files.createDirectories(dataDir.resolve("dead-letter"));
        Path cutResult = old(outputDir.resolve(".9A3F0C1D2E4B5A6-0000000000000011.part"));
        Path cutVisual = old(visuals.resolve(".9A3F0C1D2E4B5A6-0000000000000012.part"));
        Path cutDeadLetter = old(deadLetters.resolve(".9A3F0C1D2E4B5A6-0000000000000013.part"));
        Path writing = Files.writeString(outputDir.resolve(".9A3F0C1D2E4B5A6-0000000000000014.part"), "{\"answer\":");
        Path result = old(outputDir.resolve("Sales_result.json"));
        Path notHidden = old(outputDir.resolve("draft.part"));
        Path someoneElses = old(visuals.resolve(".notes.txt"));

        LeftoverPartFiles housekeeping = context.getRegistry().lookupByNameAndType("humaLeftoverPartFiles", LeftoverPartFiles.class);
        assertThat(housekeeping.sweep(context)).isEqualTo(3);

        assertThat(cutResult).doesNotExist();
        assertThat(cutVisual).doesNotExist();
        assertThat(cutDeadLetter).doesNotExist();
        assertThat(writing).exists();
        assertThat(result).exists();
        assertThat(notHidden).exists();
        assertThat(someoneElses).exists();
        assertThat(housekeeping.sweep(context)).isZero();
    }

    @Test
    void theRouteRunsSoonAfterTheStartThenEveryTenMinutes() {
        SchedulerEndpoint scheduler = (SchedulerEndpoint) context.getRoute("huma-leftover-part-files").getEndpoint();
        assertThat(scheduler.getInitialDelay()).isEqualTo(5_000);
        assertThat(scheduler.getDelay()).isEqualTo(600_000);
    }

    @Test
    void aResultWrittenWholeLeavesNoTemporaryFile() throws Exception {
        HUMA.question("65a1b2c3d4e5f60718293a4b", 120);
        webhook(SimulatedWebhooks.question("65a1b2c3d4e5f60718293a4b", "Sales by site"));
        awaitOutput("Sales_by_site_result.json");
        try (var files = Files.list(outputDir)) {
            assertThat(files.map(file -> file.getFileName().toString())).noneMatch(name -> name.endsWith(".part"));
        }
    }

    @Test
    void aFolderThatIsALinkIsSweptButALinkedFileIsNeverFollowed() throws Exception {
        Path volume = Files.createDirectories(workDir.resolve("volume"));
        Path mounted = Files.createSymbolicLink(workDir.resolve("mounted"), volume.toAbsolutePath());
        Path cut = old(volume.resolve(".9A3F0C1D2E4B5A6-0000000000000021.part"));
        Path elsewhere = old(Files.createDirectories(workDir.resolve("elsewhere")).resolve("keep.json"));
        Path link = Files.createSymbolicLink(volume.resolve(".9A3F0C1D2E4B5A6-0000000000000022.part"), elsewhere.toAbsolutePath());
        Files.setLastModifiedTime(volume, FileTime.from(ELEVEN_MINUTES_AGO));

        LeftoverPartFiles housekeeping = context.getRegistry().lookupByNameAndType("humaLeftoverPartFiles", LeftoverPartFiles.class);
        assertThat(housekeeping.removeFrom(mounted)).isEqualTo(1);
        assertThat(cut).doesNotExist();
        assertThat(link).isSymbolicLink();
        assertThat(elsewhere).exists();
    }

    @Test
    void onlyFileEndpointsHaveAFolder() {
        assertThat(LeftoverPartFiles.fileFolder("file:output?tempFileName=.x.part")).isEqualTo(Path.of("output"));
        assertThat(LeftoverPartFiles.fileFolder("file:///var/huma/out")).isEqualTo(Path.of("/var/huma/out"));
        assertThat(LeftoverPartFiles.fileFolder("sftp://huma@host/out")).isNull();
        assertThat(LeftoverPartFiles.fileFolder("file:?x=1")).isNull();
    }

    private static Path old(Path file) throws Exception {
        Files.writeString(file, "{}");
        Files.setLastModifiedTime(file, FileTime.from(ELEVEN_MINUTES_AGO));
        return file;
    }
}
