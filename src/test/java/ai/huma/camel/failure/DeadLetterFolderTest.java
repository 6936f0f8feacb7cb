package ai.huma.camel.failure;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DeadLetterFolderTest {

    private static final String OLDER = "20261128T165407.902Z-questions-computed-A-1.json";
    private static final String NEWER = "20261128T170000.000Z-histories-visualized-B-2.json";

    @TempDir
    Path data;
    private Path dir;
    private Path replay;
    private final DeadLetterFolder folder = new DeadLetterFolder();

    @BeforeEach
    void folders() throws Exception {
        dir = Files.createDirectories(data.resolve("dead-letter"));
        replay = data.resolve("replay");
        folder.setDir(dir.toString());
        folder.setReplayDir(replay.toString());
    }

    @Test
    void listsTheNewestFirstWithWhatTheirRecordsSay() throws Exception {
        write(OLDER, """
                {"event":"Questions/Computed","payload":{"question":"Q?","ticket_number":"65a1b2c3d4e5f60718293a4b"},
                 "reason":"HttpOperationFailedException: 500","http_status":500,"attempts":6,
                 "received_at":"2026-11-28T16:53:04.311Z","failed_at":"2026-11-28T16:54:07.902Z","replays":1}""");
        write(NEWER, """
                {"event":"Histories/Visualized","payload":{"conversion_id":"c1"},"reason":"r","attempts":1,"replays":0}""");
        write(".20261128T180000.000Z-x-C-3.json.part", "{}");
        write("notes.txt", "not a dead letter");

        DeadLetterFolder.Listing listing = folder.newestFirst(10);

        assertThat(listing.total()).isEqualTo(2);
        assertThat(listing.entries()).extracting(DeadLetterFolder.Entry::name).containsExactly(NEWER, OLDER);
        DeadLetterFolder.Entry older = listing.entries().get(1);
        assertThat(older.event()).isEqualTo("Questions/Computed");
        assertThat(older.id()).isEqualTo("65a1b2c3d4e5f60718293a4b");
        assertThat(older.reason()).isEqualTo("HttpOperationFailedException: 500");
        assertThat(older.httpStatus()).isEqualTo(500);
        assertThat(older.attempts()).isEqualTo(6);
        assertThat(older.failedAt()).isEqualTo("2026-11-28T16:54:07.902Z");
        assertThat(older.replays()).isEqualTo(1);
        assertThat(listing.entries().get(0).id()).isEqualTo("c1");
        assertThat(folder.newestFirst(1).entries()).hasSize(1);
        assertThat(folder.newestFirst(1).total()).isEqualTo(2);
    }

    @Test
    void aFileThatIsNotARecordIsListedAsSuch() throws Exception {
        write(OLDER, "{not json");

        assertThat(folder.newestFirst(10).entries().get(0).reason()).isEqualTo("not a dead-letter record");
    }

    @Test
    void noFolderNoDeadLetters() throws Exception {
        folder.setDir(data.resolve("none").toString());

        assertThat(folder.newestFirst(10).total()).isZero();
    }

    @Test
    void aReplayMovesTheFileIntoTheReplayFolder() throws Exception {
        write(OLDER, "{\"event\":\"Questions/Computed\",\"payload\":{}}");

        folder.replay(OLDER);

        assertThat(dir.resolve(OLDER)).doesNotExist();
        assertThat(replay.resolve(OLDER)).hasContent("{\"event\":\"Questions/Computed\",\"payload\":{}}");
        assertThatThrownBy(() -> folder.replay(OLDER)).isInstanceOf(NoSuchFileException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"../deliveries.idx", "../replay/x.json", "..json", "/etc/passwd", ".hidden.json",
            "x.json.part", "x.txt", "a/b.json", "a\\b.json", "x\u0000.json", "", " x.json"})
    void namesThatAreNotADeadLettersAreRefused(String name) {
        assertThat(DeadLetterFolder.isValidName(name)).isFalse();
        assertThatThrownBy(() -> folder.replay(name)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aLinkIsNotADeadLetter() throws Exception {
        Path outside = Files.writeString(data.resolve("secret.json"), "{}");
        Files.createSymbolicLink(dir.resolve(OLDER), outside);

        assertThat(folder.newestFirst(10).total()).isZero();
        assertThatThrownBy(() -> folder.replay(OLDER)).isInstanceOf(NoSuchFileException.class);
        assertThat(outside).exists();
    }

    private void write(String name, String content) throws Exception {
        Files.writeString(dir.resolve(name), content, StandardCharsets.UTF_8);
    }
}
