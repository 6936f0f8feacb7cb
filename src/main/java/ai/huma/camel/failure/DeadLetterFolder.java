package ai.huma.camel.failure;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

/**
 * The dead letters as files (bean {@code humaDeadLetterFolder}): those in {@code huma.dead-letter.dir},
 * the newest first, and the replay of one of them by name, which is what a person does by hand: the
 * file is moved into {@code huma.replay.dir}, where the route {@code huma-dead-letter-replay} takes it
 * (docs/operations.md "Replaying"). Only the folder is seen: dead letters sent to another endpoint
 * ({@code huma.dead-letter.uri}) are not listed.
 * <p>
 * A name is taken only when it is a plain file name as the dead-letter route makes them (letters,
 * digits, {@code . _ -}, ending in {@code .json}, not starting with a dot): no separator, no
 * {@code ..}, no hidden or temporary file, and the file must be a regular file in that folder, not a
 * link.
 */
public class DeadLetterFolder {

    /** Its name in the Camel registry. */
    public static final String NAME = "humaDeadLetterFolder";

    private static final Pattern NAME_PATTERN = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0,200}\\.json");
    /** The part of a record read for the list: its fields, not its payload beyond the ids. */
    private static final long MAX_READ = 4L * 1024 * 1024;

    private final JsonFactory json = new JsonFactory();
    private Path dir;
    private Path replayDir;

    public void setDir(String dir) {
        this.dir = Path.of(dir);
    }

    public void setReplayDir(String replayDir) {
        this.replayDir = Path.of(replayDir);
    }

    /** One dead letter as listed: its file and what its record says. */
    public record Entry(String name, String event, String id, String reason, Integer httpStatus, Integer attempts,
            String receivedAt, String failedAt, Long replays, long size) {
    }

    /** A page of the list: at most {@code limit} entries, the newest first, and how many there are. */
    public record Listing(List<Entry> entries, int total) {
    }

    /** True for a name the dead-letter route could have made (and nothing else). */
    public static boolean isValidName(String name) {
        return name != null && NAME_PATTERN.matcher(name).matches() && !name.contains("..");
    }

    /**
     * The dead letters of the folder, the newest first (their names begin with the time they were
     * written), at most {@code limit} of them read; none when the folder does not exist.
     */
    public Listing newestFirst(int limit) throws IOException {
        if (!Files.isDirectory(dir)) {
            return new Listing(List.of(), 0);
        }
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> listing = Files.newDirectoryStream(dir)) {
            for (Path file : listing) {
                if (isValidName(file.getFileName().toString()) && Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                    files.add(file);
                }
            }
        }
        files.sort(Comparator.comparing((Path file) -> file.getFileName().toString()).reversed());
        List<Entry> entries = new ArrayList<>();
        for (Path file : files.subList(0, Math.min(limit, files.size()))) {
            try {
                entries.add(read(file));
            } catch (NoSuchFileException e) {
                // replayed (moved away) while the list was read
            }
        }
        return new Listing(entries, files.size());
    }

    /**
     * Replays one dead letter: moves it into the replay folder, which the replay route watches.
     *
     * @return the file in the replay folder
     * @throws IllegalArgumentException when the name is not a dead letter's file name
     * @throws NoSuchFileException      when there is no such dead letter (any more)
     */
    public Path replay(String name) throws IOException {
        if (!isValidName(name)) {
            throw new IllegalArgumentException("not a dead letter's file name");
        }
        Path file = dir.resolve(name);
        if (!file.getParent().equals(dir) || !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new NoSuchFileException(name);
        }
        Files.createDirectories(replayDir);
        Path target = replayDir.resolve(name);
        try {
            return Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            // another file system: copied, then removed (the replay route waits until a file stops changing)
            return Files.move(file, target);
        }
    }

    private Entry read(Path file) throws IOException {
        String event = null;
        String id = null;
        String reason = null;
        Integer httpStatus = null;
        Integer attempts = null;
        String receivedAt = null;
        String failedAt = null;
        Long replays = null;
        long size = Files.size(file);
        try (InputStream in = Files.newInputStream(file); JsonParser parser = json.createParser(in)) {
            if (size > MAX_READ || parser.nextToken() != JsonToken.START_OBJECT) {
                return new Entry(file.getFileName().toString(), null, null, "not a dead-letter record", null, null,
                        null, null, null, size);
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                switch (field) {
                    case "event" -> event = text(parser, value);
                    case "reason" -> reason = text(parser, value);
                    case "received_at" -> receivedAt = text(parser, value);
                    case "failed_at" -> failedAt = text(parser, value);
                    case "http_status" -> httpStatus = value == JsonToken.VALUE_NUMBER_INT ? parser.getIntValue() : null;
                    case "attempts" -> attempts = value == JsonToken.VALUE_NUMBER_INT ? parser.getIntValue() : null;
                    case "replays" -> replays = value == JsonToken.VALUE_NUMBER_INT ? parser.getLongValue() : null;
                    case "payload" -> id = payloadId(parser, value);
                    default -> parser.skipChildren();
                }
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException | ArithmeticException e) {
            reason = reason != null ? reason : "not a dead-letter record";
        }
        return new Entry(file.getFileName().toString(), event, id, reason, httpStatus, attempts, receivedAt, failedAt,
                replays, size);
    }

    private static String text(JsonParser parser, JsonToken value) throws IOException {
        if (value == JsonToken.VALUE_STRING) {
            return parser.getText();
        }
        parser.skipChildren();
        return null;
    }

    /** The event's id in its payload: a question's ticket, a visual's conversion (top-level fields). */
    private static String payloadId(JsonParser parser, JsonToken value) throws IOException {
        if (value != JsonToken.START_OBJECT) {
            parser.skipChildren();
            return null;
        }
        String id = null;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String field = parser.currentName();
            JsonToken fieldValue = parser.nextToken();
            if (id == null && fieldValue == JsonToken.VALUE_STRING
                    && (field.equals("ticket_number") || field.equals("conversion_id"))) {
                id = parser.getText();
            } else {
                parser.skipChildren();
            }
        }
        return id;
    }
}
