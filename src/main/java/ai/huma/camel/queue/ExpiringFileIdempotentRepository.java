package ai.huma.camel.queue;

import ai.huma.camel.settings.SafeText;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.camel.spi.IdempotentRepository;
import org.apache.camel.support.service.ServiceSupport;

/**
 * The record of webhook deliveries already taken, for Camel's Idempotent Consumer: kept in a file
 * so that it holds across a restart, bounded in age (a key is forgotten after {@code ttl}) and in
 * size (the oldest keys go first past {@code maxEntries}). Camel's own {@code FileIdempotentRepository}
 * is bounded in size only; a Huma delivery is only "the same" for as long as Huma may retry it.
 * <p>
 * A delivery is remembered in memory when it is taken (so a second copy arriving meanwhile is
 * dropped) and written to the file when Camel confirms it, once its exchange has completed: a
 * delivery cut short by a crash is worked again after the restart. Keys are stored as SHA-256
 * digests, one {@code <expiry millis> <digest>} line each, appended as they are confirmed and
 * compacted at start and whenever the file holds twice as many lines as keys.
 */
public class ExpiringFileIdempotentRepository extends ServiceSupport implements IdempotentRepository {

    private Path file = Path.of("data", "deliveries.idx");
    private Duration ttl = Duration.ofHours(1);
    private int maxEntries = 100_000;
    private final Clock clock;
    private final LinkedHashMap<String, Long> expiries = new LinkedHashMap<>();
    private final Set<String> unconfirmed = new HashSet<>();
    private int linesInFile;
    /** The file, kept open for appending between two compactions (one write per delivery). */
    private FileChannel journal;

    public ExpiringFileIdempotentRepository() {
        this.clock = Clock.systemUTC();
    }

    public ExpiringFileIdempotentRepository(String file, String ttl, int maxEntries) {
        this(Path.of(file), Duration.parse(ttl), maxEntries, Clock.systemUTC());
    }

    ExpiringFileIdempotentRepository(Path file, Duration ttl, int maxEntries, Clock clock) {
        this.clock = clock;
        this.file = file;
        setWindow(ttl);
        setMaxEntries(maxEntries);
    }

    /** The file that keeps the record across restarts. */
    public void setFile(String file) {
        this.file = Path.of(file);
    }

    /** How long a delivery is remembered, as an ISO-8601 duration (huma.dedup.window). */
    public void setWindow(String window) {
        try {
            setWindow(Duration.parse(window));
        } catch (java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException("huma.dedup.window must be an ISO-8601 duration such as PT1H, not "
                    + SafeText.quoted(window));
        }
    }

    private void setWindow(Duration ttl) {
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("the time a delivery is remembered must be positive, not " + ttl);
        }
        this.ttl = ttl;
    }

    /** The most deliveries remembered (huma.dedup.max-entries). */
    public void setMaxEntries(int maxEntries) {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("the number of deliveries remembered must be 1 or more, not " + maxEntries);
        }
        this.maxEntries = maxEntries;
    }

    @Override
    protected synchronized void doStart() throws IOException {
        expiries.clear();
        if (Files.exists(file)) {
            // replay the file with the rules that wrote it, so that the same keys survive;
            // ISO-8859-1 reads any byte, so a damaged line is skipped rather than fatal
            for (String line : Files.readAllLines(file, StandardCharsets.ISO_8859_1)) {
                String[] parts = line.split(" ", 2);
                if (parts.length != 2) {
                    continue;
                }
                if (parts[0].equals("-")) {
                    expiries.remove(parts[1]);
                    continue;
                }
                long expiry;
                try {
                    expiry = Long.parseLong(parts[0]);
                } catch (NumberFormatException e) {
                    continue; // a torn or damaged line: skip it
                }
                expiries.remove(parts[1]);
                expiries.put(parts[1], expiry);
                while (expiries.size() > maxEntries) {
                    expiries.remove(expiries.keySet().iterator().next());
                }
            }
        }
        evict();
        compact();
    }

    @Override
    protected synchronized void doStop() throws IOException {
        closeJournal();
    }

    /** Takes a delivery: remembered at once in memory, written to the file once it is confirmed. */
    @Override
    public synchronized boolean add(String key) {
        String digest = digest(key);
        evict();
        if (expiries.containsKey(digest)) {
            return false;
        }
        expiries.put(digest, clock.millis() + ttl.toMillis());
        unconfirmed.add(digest);
        evict();
        return true;
    }

    @Override
    public synchronized boolean contains(String key) {
        evict();
        return expiries.containsKey(digest(key));
    }

    @Override
    public synchronized boolean remove(String key) {
        String digest = digest(key);
        if (expiries.remove(digest) == null) {
            return false;
        }
        if (!unconfirmed.remove(digest)) {
            append("- " + digest);
        }
        return true;
    }

    /**
     * The delivery was worked to its end (a result or a dead letter): from now on it holds across a
     * restart. A delivery taken but not confirmed when the process dies is worked again after it.
     */
    @Override
    public synchronized boolean confirm(String key) {
        String digest = digest(key);
        Long expiry = expiries.get(digest);
        if (expiry == null || !unconfirmed.remove(digest)) {
            return false;
        }
        append(expiry + " " + digest);
        return true;
    }

    @Override
    public synchronized void clear() {
        expiries.clear();
        unconfirmed.clear();
        compact();
    }

    /** The number of deliveries remembered now. */
    public synchronized int size() {
        evict();
        return expiries.size();
    }

    private void evict() {
        long now = clock.millis();
        Iterator<Map.Entry<String, Long>> entries = expiries.entrySet().iterator();
        while (entries.hasNext()) {
            Map.Entry<String, Long> entry = entries.next();
            if (entry.getValue() <= now || expiries.size() > maxEntries) {
                entries.remove();
                unconfirmed.remove(entry.getKey());
            } else {
                break; // insertion order is expiry order: the rest are younger
            }
        }
    }

    private void append(String line) {
        if (linesInFile >= 2 * Math.max(expiries.size(), 16)) {
            compact();
            return;
        }
        try {
            if (journal == null) {
                Files.createDirectories(file.toAbsolutePath().getParent());
                journal = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
            }
            ByteBuffer bytes = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.US_ASCII));
            while (bytes.hasRemaining()) {
                journal.write(bytes);
            }
            linesInFile++;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot record a delivery in " + file.toAbsolutePath(), e);
        }
    }

    private void closeJournal() throws IOException {
        if (journal != null) {
            journal.close();
            journal = null;
        }
    }

    private void compact() {
        try {
            closeJournal();
            Files.createDirectories(file.toAbsolutePath().getParent());
            Path temp = file.resolveSibling(file.getFileName() + ".tmp");
            try (BufferedWriter out = Files.newBufferedWriter(temp, StandardCharsets.US_ASCII)) {
                for (Map.Entry<String, Long> entry : expiries.entrySet()) {
                    if (unconfirmed.contains(entry.getKey())) {
                        continue;
                    }
                    out.write(entry.getValue() + " " + entry.getKey());
                    out.newLine();
                }
            }
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            linesInFile = expiries.size() - unconfirmed.size();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the delivery record " + file.toAbsolutePath(), e);
        }
    }

    private static String digest(String key) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** For tests: the lines of the file as they are now. */
    List<String> fileLines() throws IOException {
        return Files.exists(file) ? Files.readAllLines(file, StandardCharsets.US_ASCII) : List.of();
    }
}
