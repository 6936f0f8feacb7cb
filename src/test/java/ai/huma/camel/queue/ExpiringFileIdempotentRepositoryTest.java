package ai.huma.camel.queue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ExpiringFileIdempotentRepositoryTest {

    private static final Duration TTL = Duration.ofHours(1);
    private static final String LINE = "\\d+ [0-9a-f]{64}|- [0-9a-f]{64}";

    @TempDir
    Path dir;

    private final TestClock clock = new TestClock(Instant.parse("2026-03-01T12:00:00Z"));
    private final List<ExpiringFileIdempotentRepository> repositories = new ArrayList<>();

    @AfterEach
    void stopRepositories() {
        repositories.forEach(ExpiringFileIdempotentRepository::stop);
    }

    // --- constructor -------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"PT0S", "-PT1S", "-PT1H"})
    void constructorRefusesATtlThatIsNotPositive(String ttl) {
        assertThatThrownBy(() -> new ExpiringFileIdempotentRepository(file(), Duration.parse(ttl), 10, clock))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("positive");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, Integer.MIN_VALUE})
    void constructorRefusesMaxEntriesBelowOne(int maxEntries) {
        assertThatThrownBy(() -> new ExpiringFileIdempotentRepository(file(), TTL, maxEntries, clock))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1 or more");
    }

    @Test
    void publicConstructorRefusesAZeroTtlToo() {
        assertThatThrownBy(() -> new ExpiringFileIdempotentRepository(file().toString(), "PT0S", 10))
                .isInstanceOf(IllegalArgumentException.class);
    }

    // --- add / contains / remove -------------------------------------------------------------------

    @Test
    void addIsTrueTheFirstTimeAndFalseForTheSameKey() {
        ExpiringFileIdempotentRepository repository = started(10);

        assertThat(taken(repository, "delivery-1")).isTrue();
        assertThat(taken(repository, "delivery-1")).isFalse();
        assertThat(taken(repository, "delivery-2")).isTrue();
        assertThat(repository.size()).isEqualTo(2);
    }

    @Test
    void containsIsTrueOnlyForKeysAdded() {
        ExpiringFileIdempotentRepository repository = started(10);
        taken(repository, "delivery-1");

        assertThat(repository.contains("delivery-1")).isTrue();
        assertThat(repository.contains("delivery-2")).isFalse();
        assertThat(repository.contains("DELIVERY-1")).isFalse();
    }

    @Test
    void containsDoesNotAddTheKey() {
        ExpiringFileIdempotentRepository repository = started(10);

        assertThat(repository.contains("delivery-1")).isFalse();
        assertThat(taken(repository, "delivery-1")).isTrue();
    }

    @Test
    void confirmOfAnUnknownKeyIsFalse() {
        assertThat(started(10).confirm("anything")).isFalse();
    }

    @Test
    void aDeliveryTakenButNotConfirmedIsNotWrittenAndIsForgottenByARestart() throws Exception {
        ExpiringFileIdempotentRepository first = started(10);
        assertThat(first.add("in-flight")).isTrue();
        assertThat(first.add("in-flight")).as("a second copy meanwhile is dropped").isFalse();
        assertThat(first.fileLines()).isEmpty();
        first.stop();

        ExpiringFileIdempotentRepository second = started(10);
        assertThat(second.contains("in-flight")).isFalse();
    }

    @Test
    void confirmWritesTheDeliveryOnceAndRemoveOfAnUnconfirmedOneWritesNothing() throws Exception {
        ExpiringFileIdempotentRepository repository = started(10);
        repository.add("done");
        repository.add("failed");

        assertThat(repository.confirm("done")).isTrue();
        assertThat(repository.confirm("done")).isFalse();
        assertThat(repository.remove("failed")).isTrue();

        assertThat(repository.fileLines()).hasSize(1);
    }

    @Test
    void keyIsRememberedUntilJustBeforeTheTtl() {
        ExpiringFileIdempotentRepository repository = started(10);
        taken(repository, "delivery-1");

        clock.advance(TTL.minusMillis(1));

        assertThat(repository.contains("delivery-1")).isTrue();
        assertThat(taken(repository, "delivery-1")).isFalse();
    }

    @Test
    void keyIsForgottenOnceTheTtlHasPassedAndCanBeAddedAgain() {
        ExpiringFileIdempotentRepository repository = started(10);
        taken(repository, "delivery-1");

        clock.advance(TTL);

        assertThat(repository.contains("delivery-1")).isFalse();
        assertThat(repository.size()).isZero();
        assertThat(taken(repository, "delivery-1")).isTrue();
        assertThat(taken(repository, "delivery-1")).isFalse();
    }

    @Test
    void eachKeyExpiresOnItsOwnTtl() {
        ExpiringFileIdempotentRepository repository = started(10);
        taken(repository, "early");
        clock.advance(Duration.ofMinutes(40));
        taken(repository, "late");

        clock.advance(Duration.ofMinutes(20));

        assertThat(repository.contains("early")).isFalse();
        assertThat(repository.contains("late")).isTrue();
        assertThat(repository.size()).isEqualTo(1);
    }

    @Test
    void keyAddedAgainAfterExpiryGetsAFreshTtl() {
        ExpiringFileIdempotentRepository repository = started(10);
        taken(repository, "delivery-1");
        clock.advance(TTL);
        taken(repository, "delivery-1");

        clock.advance(TTL.minusMinutes(1));

        assertThat(repository.contains("delivery-1")).isTrue();
    }

    @Test
    void maxEntriesEvictsTheOldestFirst() {
        ExpiringFileIdempotentRepository repository = started(3);

        for (String key : List.of("k1", "k2", "k3", "k4", "k5")) {
            assertThat(taken(repository, key)).isTrue();
        }

        assertThat(repository.size()).isEqualTo(3);
        assertThat(repository.contains("k1")).isFalse();
        assertThat(repository.contains("k2")).isFalse();
        assertThat(repository.contains("k3")).isTrue();
        assertThat(repository.contains("k4")).isTrue();
        assertThat(repository.contains("k5")).isTrue();
    }

    @Test
    void keyEvictedPastMaxEntriesCanBeAddedAgain() {
        ExpiringFileIdempotentRepository repository = started(2);
        taken(repository, "k1");
        taken(repository, "k2");
        taken(repository, "k3");

        assertThat(taken(repository, "k1")).isTrue();
        assertThat(repository.contains("k2")).isFalse();
        assertThat(repository.contains("k3")).isTrue();
    }

    @Test
    void oneEntryRepositoryKeepsOnlyTheLastKey() {
        ExpiringFileIdempotentRepository repository = started(1);
        taken(repository, "k1");
        taken(repository, "k2");

        assertThat(repository.contains("k1")).isFalse();
        assertThat(repository.contains("k2")).isTrue();
    }

    @Test
    void removeMakesAKeyAddableAgain() {
        ExpiringFileIdempotentRepository repository = started(10);
        taken(repository, "delivery-1");

        assertThat(repository.remove("delivery-1")).isTrue();

        assertThat(repository.contains("delivery-1")).isFalse();
        assertThat(taken(repository, "delivery-1")).isTrue();
    }

    @Test
    void removeOfAnUnknownKeyIsFalse() {
        ExpiringFileIdempotentRepository repository = started(10);
        taken(repository, "delivery-1");

        assertThat(repository.remove("delivery-2")).isFalse();
        assertThat(repository.contains("delivery-1")).isTrue();
    }

    @Test
    void removeTwiceIsFalseTheSecondTime() {
        ExpiringFileIdempotentRepository repository = started(10);
        taken(repository, "delivery-1");

        assertThat(repository.remove("delivery-1")).isTrue();
        assertThat(repository.remove("delivery-1")).isFalse();
    }

    @Test
    void removeLeavesTheOtherKeys() {
        ExpiringFileIdempotentRepository repository = started(10);
        taken(repository, "k1");
        taken(repository, "k2");
        taken(repository, "k3");

        repository.remove("k2");

        assertThat(repository.contains("k1")).isTrue();
        assertThat(repository.contains("k3")).isTrue();
        assertThat(repository.size()).isEqualTo(2);
    }

    @Test
    void clearForgetsEverythingAndEmptiesTheFile() throws IOException {
        ExpiringFileIdempotentRepository repository = started(10);
        taken(repository, "k1");
        taken(repository, "k2");

        repository.clear();

        assertThat(repository.size()).isZero();
        assertThat(repository.contains("k1")).isFalse();
        assertThat(repository.fileLines()).isEmpty();
        assertThat(started(10).contains("k2")).isFalse();
        assertThat(taken(repository, "k1")).isTrue();
    }

    // --- persistence -------------------------------------------------------------------------------

    @Test
    void startCreatesTheFileAndItsMissingDirectories() {
        Path nested = dir.resolve("a").resolve("b").resolve("deliveries.txt");
        ExpiringFileIdempotentRepository repository = new ExpiringFileIdempotentRepository(nested, TTL, 10, clock);
        repositories.add(repository);
        repository.start();

        assertThat(taken(repository, "k1")).isTrue();
        assertThat(nested).exists();
    }

    @Test
    void secondInstanceSeesTheKeysAddedByTheFirst() {
        ExpiringFileIdempotentRepository first = started(10);
        taken(first, "k1");
        taken(first, "k2");

        ExpiringFileIdempotentRepository second = started(10);

        assertThat(second.contains("k1")).isTrue();
        assertThat(second.contains("k2")).isTrue();
        assertThat(taken(second, "k1")).isFalse();
        assertThat(second.size()).isEqualTo(2);
    }

    @Test
    void secondInstanceDoesNotSeeRemovedKeys() {
        ExpiringFileIdempotentRepository first = started(10);
        taken(first, "k1");
        taken(first, "k2");
        first.remove("k1");

        ExpiringFileIdempotentRepository second = started(10);

        assertThat(second.contains("k1")).isFalse();
        assertThat(second.contains("k2")).isTrue();
    }

    @Test
    void secondInstanceSeesAKeyRemovedAndAddedAgain() {
        ExpiringFileIdempotentRepository first = started(10);
        taken(first, "k1");
        first.remove("k1");
        taken(first, "k1");

        assertThat(started(10).contains("k1")).isTrue();
    }

    @Test
    void secondInstanceDoesNotSeeExpiredKeys() {
        ExpiringFileIdempotentRepository first = started(10);
        taken(first, "old");
        clock.advance(Duration.ofMinutes(30));
        taken(first, "young");
        first.stop();

        clock.advance(Duration.ofMinutes(30));
        ExpiringFileIdempotentRepository second = started(10);

        assertThat(second.contains("old")).isFalse();
        assertThat(second.contains("young")).isTrue();
        assertThat(second.size()).isEqualTo(1);
    }

    @Test
    void secondInstanceKeepsTheOriginalExpiryRatherThanANewTtl() {
        taken(started(10), "k1");
        clock.advance(Duration.ofMinutes(50));

        ExpiringFileIdempotentRepository second = started(10);
        clock.advance(Duration.ofMinutes(10));

        assertThat(second.contains("k1")).isFalse();
    }

    @Test
    void secondInstanceWithASmallerMaxEntriesKeepsTheNewestKeys() {
        ExpiringFileIdempotentRepository first = started(10);
        for (String key : List.of("k1", "k2", "k3", "k4", "k5")) {
            taken(first, key);
        }

        ExpiringFileIdempotentRepository second = started(2);

        assertThat(second.size()).isEqualTo(2);
        assertThat(second.contains("k3")).isFalse();
        assertThat(second.contains("k4")).isTrue();
        assertThat(second.contains("k5")).isTrue();
    }

    @Test
    void keyEvictedPastMaxEntriesStaysForgottenAfterARestart() {
        ExpiringFileIdempotentRepository first = started(2);
        taken(first, "k1");
        taken(first, "k2");
        taken(first, "k3"); // evicts k1
        first.remove("k3");
        assertThat(first.contains("k1")).isFalse();

        ExpiringFileIdempotentRepository second = started(2);

        assertThat(second.contains("k1")).isFalse();
        assertThat(second.size()).isEqualTo(1);
    }

    @Test
    void restartedInstanceReloadsTheFile() {
        ExpiringFileIdempotentRepository repository = started(10);
        taken(repository, "k1");
        repository.stop();

        repository.start();

        assertThat(repository.contains("k1")).isTrue();
    }

    // --- file contents -----------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"secret-token-abc123", "Bearer s3cr3t-Token_value", "line one\nline two", "tab\there",
            "caf\u00e9-\u00fc-\ud83d\ude00", "1700000000000 deadbeef", "- k"})
    void fileHoldsOneDigestLinePerKeyAndNeverTheKey(String key) throws IOException {
        ExpiringFileIdempotentRepository repository = started(10);
        taken(repository, key);

        List<String> lines = repository.fileLines();

        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).matches(LINE);
        assertThat(String.join("\n", lines)).doesNotContain(key.lines().toList());
        assertThat(started(10).contains(key)).isTrue();
    }

    @Test
    void removeIsRecordedAsADigestToo() throws IOException {
        ExpiringFileIdempotentRepository repository = started(10);
        taken(repository, "secret-token-abc123");
        repository.remove("secret-token-abc123");

        assertThat(repository.fileLines()).allMatch(line -> line.matches(LINE))
                .noneMatch(line -> line.contains("secret"));
    }

    @Test
    void startCompactsTheFileToTheKeysRemembered() throws IOException {
        ExpiringFileIdempotentRepository first = started(100);
        for (int i = 0; i < 10; i++) {
            taken(first, "k" + i);
            first.remove("k" + i);
        }
        taken(first, "kept-1");
        taken(first, "kept-2");

        ExpiringFileIdempotentRepository second = started(100);

        assertThat(second.fileLines()).hasSize(2).allMatch(line -> line.matches("\\d+ [0-9a-f]{64}"));
    }

    @Test
    void fileDoesNotGrowWithoutBoundUnderAddAndRemove() throws IOException {
        ExpiringFileIdempotentRepository repository = started(100);

        for (int i = 0; i < 10_000; i++) {
            assertThat(taken(repository, "delivery-" + i)).isTrue();
            assertThat(repository.remove("delivery-" + i)).isTrue();
        }

        assertThat(repository.fileLines()).hasSizeLessThanOrEqualTo(2 * 100);
        assertThat(repository.size()).isZero();
        assertThat(started(100).contains("delivery-9999")).isFalse();
    }

    @Test
    void fileDoesNotGrowWithoutBoundWhenMaxEntriesEvicts() throws IOException {
        ExpiringFileIdempotentRepository repository = started(100);

        for (int i = 0; i < 10_000; i++) {
            taken(repository, "delivery-" + i);
        }

        assertThat(repository.fileLines()).hasSizeLessThanOrEqualTo(2 * 100);
        ExpiringFileIdempotentRepository second = started(100);
        assertThat(second.size()).isEqualTo(100);
        assertThat(second.contains("delivery-9999")).isTrue();
        assertThat(second.contains("delivery-9900")).isTrue();
        assertThat(second.contains("delivery-9899")).isFalse();
    }

    @Test
    void fileDoesNotGrowWithoutBoundWhenKeysExpire() throws IOException {
        ExpiringFileIdempotentRepository repository = started(100);

        for (int i = 0; i < 10_000; i++) {
            taken(repository, "delivery-" + i);
            clock.advance(TTL);
        }

        assertThat(repository.fileLines()).hasSizeLessThanOrEqualTo(2 * 100);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "garbage", "12345", "1700000000000", "not-a-number 0123abcd", "\u0000\u0000\u0000\u0000",
            "- ", "17000000000"})
    void tornOrGarbageLineIsSkippedOnStart(String garbage) throws IOException {
        ExpiringFileIdempotentRepository first = started(10);
        taken(first, "k1");
        taken(first, "k2");
        first.stop();
        appendRaw(garbage + "\n");
        appendRaw(garbage); // a torn last line without its newline

        ExpiringFileIdempotentRepository second = started(10);

        assertThat(second.contains("k1")).isTrue();
        assertThat(second.contains("k2")).isTrue();
        assertThat(second.size()).isEqualTo(2);
        assertThat(taken(second, "k3")).isTrue();
    }

    @Test
    void lineWithABadExpiryDoesNotForgetTheKeyItNames() throws IOException {
        ExpiringFileIdempotentRepository first = started(10);
        taken(first, "k1");
        String digest = first.fileLines().get(0).split(" ")[1];
        first.stop();
        appendRaw("17000000x0000 " + digest + "\n");

        assertThat(started(10).contains("k1")).isTrue();
    }

    @Test
    void nonAsciiGarbageLineIsSkippedOnStart() throws IOException {
        ExpiringFileIdempotentRepository first = started(10);
        taken(first, "k1");
        first.stop();
        Files.write(file(), new byte[] {(byte) 0xC3, (byte) 0xBC, (byte) 0xFF, '\n'}, StandardOpenOption.APPEND);

        ExpiringFileIdempotentRepository second = started(10);

        assertThat(second.contains("k1")).isTrue();
    }

    // --- helpers -----------------------------------------------------------------------------------

    private Path file() {
        return dir.resolve("deliveries.txt");
    }

    private ExpiringFileIdempotentRepository started(int maxEntries) {
        ExpiringFileIdempotentRepository repository = new ExpiringFileIdempotentRepository(file(), TTL, maxEntries, clock);
        repositories.add(repository);
        repository.start();
        return repository;
    }

    private void appendRaw(String text) throws IOException {
        Files.writeString(file(), text, StandardCharsets.US_ASCII, StandardOpenOption.APPEND);
    }

    /** A clock that only moves when the test moves it. */
    private static final class TestClock extends Clock {

        private final AtomicLong millis;

        TestClock(Instant start) {
            this.millis = new AtomicLong(start.toEpochMilli());
        }

        void advance(Duration duration) {
            millis.addAndGet(duration.toMillis());
        }

        @Override
        public long millis() {
            return millis.get();
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis.get());
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    /** A delivery taken and worked to its end, as Camel's Idempotent Consumer does: add, then confirm. */
    private static boolean taken(ExpiringFileIdempotentRepository repository, String key) {
        boolean added = repository.add(key);
        if (added) {
            repository.confirm(key);
        }
        return added;
    }
}
