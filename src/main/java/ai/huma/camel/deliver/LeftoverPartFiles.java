package ai.huma.camel.deliver;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.apache.camel.CamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes the temporary files a killed process left in the folders it writes to. A file destination
 * writes each file under a hidden temporary name ({@code tempFileName=.${exchangeId}.part}) and
 * renames it once whole; a SIGKILL in between leaves the temporary file behind, and the event, worked
 * again after the restart, is written whole under another exchange's temporary name. A hidden
 * {@code .part} file untouched for {@link #MIN_AGE} is such a leftover: a write under way, of this
 * process or of another instance on a shared folder, is never that old. The folders: those of the
 * {@code file:} destinations of {@code huma.output.<event>.uri} and {@code huma.dead-letter.uri}, with
 * {@code huma.output.dir} and {@code huma.dead-letter.dir}. Other endpoints (SFTP, S3, a broker) are
 * the remote side's to tidy.
 */
public class LeftoverPartFiles {

    /** How long a temporary file must be untouched to be a leftover. */
    public static final Duration MIN_AGE = Duration.ofMinutes(10);

    static final List<String> URI_SETTINGS = List.of("huma.output.question.uri", "huma.output.subscription.uri",
            "huma.output.history.uri", "huma.dead-letter.uri");
    static final List<String> FOLDER_SETTINGS = List.of("huma.output.dir", "huma.dead-letter.dir");

    private static final Logger LOG = LoggerFactory.getLogger(LeftoverPartFiles.class);

    private final Clock clock;

    public LeftoverPartFiles() {
        this(Clock.systemUTC());
    }

    LeftoverPartFiles(Clock clock) {
        this.clock = clock;
    }

    /** Removes the leftovers of every folder the bundle writes results and dead letters to; how many. */
    public int sweep(CamelContext context) {
        int removed = 0;
        for (Path folder : folders(context)) {
            removed += removeFrom(folder);
        }
        return removed;
    }

    /** Removes the leftovers of one folder (none when it does not exist); how many. */
    public int removeFrom(Path folder) {
        // the folder may be a link (a mounted volume); the files in it are never followed
        if (!Files.isDirectory(folder)) {
            return 0;
        }
        Instant before = clock.instant().minus(MIN_AGE);
        int removed = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(folder, ".*.part")) {
            for (Path file : files) {
                if (isLeftover(file, before) && Files.deleteIfExists(file)) {
                    removed++;
                }
            }
        } catch (IOException e) {
            LOG.warn("Could not look for unfinished temporary files in {}: {}", folder, e.toString());
        }
        if (removed > 0) {
            LOG.info("Removed {} unfinished temporary file(s) (.*.part, untouched for {} min) from {}: left by a process"
                    + " that stopped while writing", removed, MIN_AGE.toMinutes(), folder);
        }
        return removed;
    }

    private static boolean isLeftover(Path file, Instant before) throws IOException {
        try {
            return Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)
                    && Files.getLastModifiedTime(file, LinkOption.NOFOLLOW_LINKS).toInstant().isBefore(before);
        } catch (NoSuchFileException renamedMeanwhile) {
            return false;
        }
    }

    static Set<Path> folders(CamelContext context) {
        Set<Path> folders = new LinkedHashSet<>();
        for (String setting : FOLDER_SETTINGS) {
            context.getPropertiesComponent().resolveProperty(setting)
                    .filter(value -> !value.isBlank())
                    .ifPresent(value -> folders.add(normalized(Path.of(context.resolvePropertyPlaceholders(value)))));
        }
        for (String setting : URI_SETTINGS) {
            String uris = context.getPropertiesComponent().resolveProperty(setting).orElse("");
            if (uris.isBlank()) {
                continue;
            }
            for (String uri : ResultDelivery.split(context.resolvePropertyPlaceholders(uris))) {
                Path folder = fileFolder(uri);
                if (folder != null) {
                    folders.add(normalized(folder));
                }
            }
        }
        return folders;
    }

    /** The folder of a {@code file:} endpoint URI, or null for any other endpoint. */
    static Path fileFolder(String uri) {
        if (!uri.startsWith("file:")) {
            return null;
        }
        String path = uri.substring("file:".length());
        if (path.startsWith("//")) {
            path = path.substring(2);
        }
        int query = path.indexOf('?');
        if (query >= 0) {
            path = path.substring(0, query);
        }
        return path.isBlank() ? null : Path.of(path);
    }

    /** Absolute, as written ({@code link/..} is not folded: through a link it is another folder). */
    private static Path normalized(Path folder) {
        return folder.toAbsolutePath();
    }
}
