package ai.huma.camel.fetch;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.StreamCache;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PageCursorTest {

    private static final String FIELD = "answer";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final CamelContext context = new DefaultCamelContext();
    private final Exchange exchange = new DefaultExchange(context);
    private final BatchPages pages = batch(1, 100);

    @AfterEach
    void closeContext() throws Exception {
        context.stop();
    }

    // --- BatchPages --------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(ints = {0, -1, Integer.MIN_VALUE})
    void batchPagesRefusesAStartPageBelowOne(int start) throws Exception {
        assertThatThrownBy(() -> batch(start, 100))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("huma.pages.start");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, Integer.MIN_VALUE})
    void batchPagesRefusesAMaximumBelowOne(int max) throws Exception {
        assertThatThrownBy(() -> batch(1, max))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("huma.pages.max");
    }

    @Test
    void newCursorIsDueForTheStartPage() throws Exception {
        PageCursor cursor = batch(3, 10).start(exchange, FIELD);

        assertThat(cursor.hasNext()).isTrue();
        assertThat(cursor.getNextPage()).isEqualTo(3);
        assertThat(cursor.getPagesFetched()).isZero();
        assertThat(cursor.getRecordCount()).isZero();
    }

    // --- one page ----------------------------------------------------------------------------------

    @Test
    void pageWithoutNextPageIsTheWholeAnswer() throws Exception {
        PageCursor cursor = pages.start(exchange, FIELD);

        pages.add(cursor, json(page(List.of("r1", "r2"), false, 1)));

        assertThat(cursor.hasNext()).isFalse();
        assertThat(cursor.getPagesFetched()).isEqualTo(1);
        assertThat(cursor.getRecordCount()).isEqualTo(2);
        assertThat(cursor.isTruncated()).isFalse();
        assertThat(data(result(cursor))).containsExactly("r1", "r2");
    }

    @Test
    void firstPageWithoutNextPageEndsTheRunWhateverItsPageCount() throws Exception {
        PageCursor cursor = pages.start(exchange, FIELD);

        pages.add(cursor, json(page(List.of("r1"), false, 7)));

        assertThat(cursor.hasNext()).isFalse();
        assertThat(cursor.getPagesFetched()).isEqualTo(1);
    }

    @Test
    void pageWithoutMetadataIsTheWholeAnswer() throws Exception {
        PageCursor cursor = pages.start(exchange, FIELD);
        Map<String, Object> page = new LinkedHashMap<>();
        page.put(FIELD, records(List.of("only")));

        pages.add(cursor, json(page));

        assertThat(cursor.hasNext()).isFalse();
        assertThat(cursor.getPageCount()).isZero();
        assertThat(data(result(cursor))).containsExactly("only");
    }

    // --- several pages -----------------------------------------------------------------------------

    @Test
    void threePagesAreFetchedInOrder() throws Exception {
        PageCursor cursor = pages.start(exchange, FIELD);
        List<Long> requested = new ArrayList<>();

        requested.add(cursor.getNextPage());
        pages.add(cursor, json(page(List.of("a1", "a2"), true, 3)));
        assertThat(cursor.hasNext()).isTrue();
        requested.add(cursor.getNextPage());
        pages.add(cursor, json(page(List.of("b1", "b2"), true, 3)));
        assertThat(cursor.hasNext()).isTrue();
        requested.add(cursor.getNextPage());
        pages.add(cursor, json(page(List.of("c1"), false, 3)));

        assertThat(requested).containsExactly(1L, 2L, 3L);
        assertThat(cursor.hasNext()).isFalse();
        assertThat(cursor.getPagesFetched()).isEqualTo(3);
        assertThat(cursor.getPageCount()).isEqualTo(3);
        assertThat(cursor.getRecordCount()).isEqualTo(5);
        assertThat(cursor.isTruncated()).isFalse();
    }

    @Test
    void resultIsTheLastEnvelopeWithEveryRecordInPageOrder() throws Exception {
        PageCursor cursor = pages.start(exchange, FIELD);
        Map<String, Object> last = page(List.of("c1"), false, 3);
        last.put("ticket_number", "t-1");

        pages.add(cursor, json(page(List.of("a1", "a2"), true, 3)));
        pages.add(cursor, json(page(List.of("b1", "b2"), true, 3)));
        pages.add(cursor, json(last));
        Map<String, Object> result = result(cursor);

        assertThat(data(result)).containsExactly("a1", "a2", "b1", "b2", "c1");
        assertThat(result.get("metadata")).isEqualTo(last.get("metadata"));
        assertThat(result.get("ticket_number")).isEqualTo("t-1");
        assertThat(container(result).get("type")).isEqualTo("table");
        assertThat(result.keySet()).containsExactly(FIELD, "metadata", "ticket_number");
    }

    @Test
    void recordsFieldIsTheOneTheCursorWasStartedFor() throws Exception {
        PageCursor cursor = pages.start(exchange, "data_field");
        Map<String, Object> page = new LinkedHashMap<>();
        page.put("data_field", records(List.of("x")));
        page.put("metadata", metadata(false, 1));

        pages.add(cursor, json(page));

        assertThat(result(cursor).get("data_field")).isEqualTo(Map.of("type", "table", "data", List.of("x")));
        assertThat(result(cursor).keySet()).containsExactly("data_field", "metadata");
    }

    // --- limits and early ends ---------------------------------------------------------------------

    @Test
    void pageCountAboveTheMaximumStopsAtTheMaximumAndIsTruncated() throws Exception {
        BatchPages capped = batch(1, 2);
        PageCursor cursor = capped.start(exchange, FIELD);

        capped.add(cursor, json(page(List.of("a"), true, 5)));
        capped.add(cursor, json(page(List.of("b"), true, 5)));

        assertThat(cursor.hasNext()).isFalse();
        assertThat(cursor.getPagesFetched()).isEqualTo(2);
        assertThat(cursor.getPageCount()).isEqualTo(5);
        assertThat(cursor.isTruncated()).isTrue();
        assertThat(data(result(cursor))).containsExactly("a", "b");
    }

    @Test
    void maximumOfOnePageFetchesOnlyTheStartPage() throws Exception {
        BatchPages capped = batch(1, 1);
        PageCursor cursor = capped.start(exchange, FIELD);

        capped.add(cursor, json(page(List.of("a"), true, 3)));

        assertThat(cursor.hasNext()).isFalse();
        assertThat(cursor.isTruncated()).isTrue();
        assertThat(data(result(cursor))).containsExactly("a");
    }

    @Test
    void pageCountEqualToTheMaximumIsNotTruncated() throws Exception {
        BatchPages capped = batch(1, 2);
        PageCursor cursor = capped.start(exchange, FIELD);

        capped.add(cursor, json(page(List.of("a"), true, 2)));
        capped.add(cursor, json(page(List.of("b"), false, 2)));

        assertThat(cursor.hasNext()).isFalse();
        assertThat(cursor.isTruncated()).isFalse();
    }

    @Test
    void startPageTwoFetchesFromPageTwoUpToThePageCount() throws Exception {
        BatchPages fromTwo = batch(2, 100);
        PageCursor cursor = fromTwo.start(exchange, FIELD);
        List<Long> requested = new ArrayList<>();

        requested.add(cursor.getNextPage());
        fromTwo.add(cursor, json(page(List.of("p2"), true, 4)));
        requested.add(cursor.getNextPage());
        fromTwo.add(cursor, json(page(List.of("p3"), true, 4)));
        requested.add(cursor.getNextPage());
        fromTwo.add(cursor, json(page(List.of("p4"), false, 4)));

        assertThat(requested).containsExactly(2L, 3L, 4L);
        assertThat(cursor.hasNext()).isFalse();
        assertThat(cursor.isTruncated()).isFalse();
        assertThat(data(result(cursor))).containsExactly("p2", "p3", "p4");
    }

    @Test
    void startPageTwoWithASinglePage() throws Exception {
        BatchPages fromTwo = batch(2, 100);
        PageCursor cursor = fromTwo.start(exchange, FIELD);

        fromTwo.add(cursor, json(page(List.of("p2"), false, 2)));

        assertThat(cursor.hasNext()).isFalse();
        assertThat(data(result(cursor))).containsExactly("p2");
    }

    @Test
    void startPageTwoCountsTheMaximumFromTheStartPage() throws Exception {
        BatchPages fromTwo = batch(2, 2);
        PageCursor cursor = fromTwo.start(exchange, FIELD);

        fromTwo.add(cursor, json(page(List.of("p2"), true, 10)));
        assertThat(cursor.getNextPage()).isEqualTo(3);
        fromTwo.add(cursor, json(page(List.of("p3"), true, 10)));

        assertThat(cursor.hasNext()).isFalse();
        assertThat(cursor.getPagesFetched()).isEqualTo(2);
        assertThat(cursor.isTruncated()).isTrue();
    }

    @Test
    void startPageAboveOneThatFetchesEveryRemainingPageIsNotTruncated() throws Exception {
        BatchPages fromThree = batch(3, 2);
        PageCursor cursor = fromThree.start(exchange, FIELD);

        fromThree.add(cursor, json(page(List.of("p3"), true, 4)));
        fromThree.add(cursor, json(page(List.of("p4"), false, 4)));

        assertThat(cursor.hasNext()).isFalse();
        assertThat(cursor.isTruncated()).isFalse();
    }

    @Test
    void laterPageWithoutNextPageEndsTheRunEarly() throws Exception {
        PageCursor cursor = pages.start(exchange, FIELD);

        pages.add(cursor, json(page(List.of("a"), true, 5)));
        pages.add(cursor, json(page(List.of("b"), false, 5)));

        assertThat(cursor.hasNext()).isFalse();
        assertThat(cursor.getPagesFetched()).isEqualTo(2);
        assertThat(data(result(cursor))).containsExactly("a", "b");
    }

    @Test
    void firstPageWithNextPageButNoPageCountFetchesOneMorePage() throws Exception {
        PageCursor cursor = pages.start(exchange, FIELD);
        Map<String, Object> first = new LinkedHashMap<>();
        first.put(FIELD, records(List.of("a")));
        first.put("metadata", Map.of("has_next_page", true));

        pages.add(cursor, json(first));

        assertThat(cursor.hasNext()).isTrue();
        assertThat(cursor.getNextPage()).isEqualTo(2);
    }

    @Test
    void withoutPageCountHasNextPageIsFollowedPageByPage() throws Exception {
        PageCursor cursor = pages.start(exchange, FIELD);
        for (String row : List.of("a", "b", "c")) {
            Map<String, Object> page = new LinkedHashMap<>();
            page.put(FIELD, records(List.of(row)));
            page.put("metadata", Map.of("has_next_page", !row.equals("c")));
            assertThat(cursor.hasNext()).isTrue();
            pages.add(cursor, json(page));
        }

        assertThat(cursor.hasNext()).isFalse();
        assertThat(cursor.isTruncated()).isFalse();
        assertThat(data(result(cursor))).containsExactly("a", "b", "c");
    }

    @Test
    void withoutPageCountTheMaximumStillHoldsAndReportsTruncation() throws Exception {
        BatchPages twoPages = batch(1, 2);
        PageCursor cursor = twoPages.start(exchange, FIELD);
        while (cursor.hasNext()) {
            Map<String, Object> page = new LinkedHashMap<>();
            page.put(FIELD, records(List.of(cursor.getNextPage())));
            page.put("metadata", Map.of("has_next_page", true));
            twoPages.add(cursor, json(page));
        }

        assertThat(cursor.getPagesFetched()).isEqualTo(2);
        assertThat(cursor.isTruncated()).isTrue();
    }

    // --- refusals ----------------------------------------------------------------------------------

    @Test
    void pageWithoutRecordsFieldIsRefused() throws Exception {
        PageCursor cursor = pages.start(exchange, FIELD);
        Map<String, Object> page = new LinkedHashMap<>();
        page.put("metadata", metadata(false, 1));

        assertThatThrownBy(() -> pages.add(cursor, json(page)))
                .isInstanceOf(BadHumaPayloadException.class)
                .hasMessageContaining("answer.data")
                .hasMessageContaining("page 1");
    }

    @Test
    void pageWhoseDataIsNotAListIsRefused() throws Exception {
        PageCursor cursor = pages.start(exchange, FIELD);
        Map<String, Object> page = new LinkedHashMap<>();
        page.put(FIELD, Map.of("type", "table", "data", "not a list"));
        page.put("metadata", metadata(false, 1));

        assertThatThrownBy(() -> pages.add(cursor, json(page)))
                .isInstanceOf(BadHumaPayloadException.class)
                .hasMessageContaining("answer.data");
    }

    @Test
    void refusedLaterPageNamesItsNumberAndEndsTheRun() throws Exception {
        PageCursor cursor = pages.start(exchange, FIELD);
        pages.add(cursor, json(page(List.of("a"), true, 3)));
        Map<String, Object> broken = new LinkedHashMap<>();
        broken.put(FIELD, List.of("not", "a", "container"));

        assertThatThrownBy(() -> pages.add(cursor, json(broken)))
                .isInstanceOf(BadHumaPayloadException.class)
                .hasMessageContaining("page 2");
        // a failed page fails the answer: no result that looks complete, no further page
        assertThat(cursor.hasNext()).isFalse();
        assertThat(cursor.isTruncated()).isFalse();
        assertThatThrownBy(() -> cursor.result()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void pageThatIsNotJsonIsRefusedWithItsPosition() throws Exception {
        PageCursor cursor = pages.start(exchange, FIELD);

        assertThatThrownBy(() -> pages.add(cursor, text("{\"answer\": {\"data\": [1, 2,\n oops]}}")))
                .isInstanceOf(BadHumaPayloadException.class)
                .hasMessageContaining("page 1")
                .hasMessageContaining("not valid JSON")
                .hasMessageContaining("line 2");
    }

    @Test
    void pageCutShortIsRefused() throws Exception {
        PageCursor cursor = pages.start(exchange, FIELD);

        assertThatThrownBy(() -> pages.add(cursor, text("{\"answer\": {\"data\": [1, 2")))
                .isInstanceOf(BadHumaPayloadException.class)
                .hasMessageContaining("not valid JSON");
    }

    @Test
    void pageWithTwoRecordListsIsRefusedRatherThanMergedTwice() throws Exception {
        PageCursor cursor = pages.start(exchange, FIELD);

        assertThatThrownBy(() -> pages.add(cursor, text("{\"answer\": {\"data\": [1], \"data\": [2]}}")))
                .isInstanceOf(BadHumaPayloadException.class)
                .hasMessageContaining("not valid JSON");
    }

    @Test
    void pageThatIsNotAnObjectIsRefused() throws Exception {
        PageCursor cursor = pages.start(exchange, FIELD);

        assertThatThrownBy(() -> pages.add(cursor, text("[1, 2]")))
                .isInstanceOf(BadHumaPayloadException.class)
                .hasMessageContaining("not a JSON object");
    }

    @Test
    void somethingAfterThePageIsRefused() throws Exception {
        PageCursor cursor = pages.start(exchange, FIELD);

        assertThatThrownBy(() -> pages.add(cursor, text("{\"answer\": {\"data\": []}} {}")))
                .isInstanceOf(BadHumaPayloadException.class);
    }

    @Test
    void anEnvelopeOverItsLimitIsRefused() throws Exception {
        PageCursor cursor = pages.start(exchange, FIELD);
        Map<String, Object> page = page(List.of("a"), false, 1);
        page.put("notes", "x".repeat(PageCursor.MAX_ENVELOPE_BYTES + 1));

        assertThatThrownBy(() -> pages.add(cursor, json(page)))
                .isInstanceOf(BadHumaPayloadException.class)
                .hasMessageContaining("beside its records");
    }

    // --- sizes and numbers -------------------------------------------------------------------------

    @Test
    void mergedRecordsOverTheMaximumSizeFailTheAnswer() throws Exception {
        BatchPages small = batch(1, 100);
        small.setMaxResultSize(20_000);
        PageCursor cursor = small.start(exchange, FIELD);
        List<Object> rows = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            rows.add("record " + i + " " + "x".repeat(60));
        }
        Map<String, Object> first = page(rows, true, 10);

        assertThatThrownBy(() -> {
            for (int i = 0; i < 10; i++) {
                small.add(cursor, json(first));
            }
        }).isInstanceOf(AnswerTooLargeException.class).hasMessageContaining("huma.result.max-size");
        assertThat(cursor.hasNext()).isFalse();
        assertThatThrownBy(() -> cursor.result()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void mergedRecordsUnderTheMaximumSizeAreKept() throws Exception {
        BatchPages small = batch(1, 100);
        small.setMaxResultSize(20_000);
        PageCursor cursor = small.start(exchange, FIELD);

        small.add(cursor, json(page(List.of("x".repeat(9000)), true, 2)));
        small.add(cursor, json(page(List.of("y".repeat(9000)), false, 2)));

        assertThat(data(result(cursor))).containsExactly("x".repeat(9000), "y".repeat(9000));
    }

    @Test
    void numbersKeepExactlyTheDigitsHumaSent() throws Exception {
        PageCursor cursor = pages.start(exchange, FIELD);

        pages.add(cursor, text("{\"answer\": {\"type\": \"table\", \"data\": [{\"amount\": 1.10, \"big\": "
                + "123456789012345678901234567890, \"tiny\": 0.1000000000000000055511151231257827}]},"
                + " \"metadata\": {\"has_next_page\": false, \"ratio\": 2.50}}"));

        String merged = new String(bytes(cursor.result()), StandardCharsets.UTF_8);
        assertThat(merged).contains("1.10").contains("123456789012345678901234567890")
                .contains("0.1000000000000000055511151231257827").contains("2.50");
    }

    @Test
    void resultIsPrettyPrintedAndReReadable() throws Exception {
        PageCursor cursor = pages.start(exchange, FIELD);
        pages.add(cursor, json(page(List.of("a"), false, 1)));

        StreamCache merged = cursor.result();
        String first = new String(bytes(merged), StandardCharsets.UTF_8);
        merged.reset();
        String again = new String(bytes(merged), StandardCharsets.UTF_8);

        assertThat(first).contains("\n  \"answer\" : {").isEqualTo(again);
    }

    @ParameterizedTest
    @ValueSource(strings = {"9999999999", "-5", "123456789012345678901234567890", "0", "\"12\"", "1.5"})
    void anyPageCountIsReportedSanelyWhenTheAnswerIsCut(String pageCount) throws Exception {
        BatchPages capped = batch(1, 2);
        PageCursor cursor = capped.start(exchange, FIELD);

        capped.add(cursor, text("{\"answer\": {\"data\": [1]}, \"metadata\": {\"has_next_page\": true, \"page_count\": "
                + pageCount + "}}"));
        capped.add(cursor, text("{\"answer\": {\"data\": [2]}, \"metadata\": {\"has_next_page\": true}}"));

        assertThat(cursor.isTruncated()).isTrue();
        assertThat(cursor.getPageCount()).isNotNegative();
        String warning = cursor.getTruncationWarning();
        assertThat(warning).endsWith("only the first 2 were fetched (huma.pages.max)").doesNotContain("-");
        if (pageCount.equals("9999999999")) {
            assertThat(warning).startsWith("Huma has 9999999999 pages");
        } else if (pageCount.startsWith("1234")) {
            assertThat(warning).startsWith("Huma has " + Long.MAX_VALUE + " pages");
        } else {
            assertThat(warning).startsWith("Huma has more pages (no page_count given)");
        }
    }

    @Test
    void aHugePageCountDoesNotOverflowThePageNumbers() throws Exception {
        BatchPages fromHigh = batch(Integer.MAX_VALUE - 1, 100);
        PageCursor cursor = fromHigh.start(exchange, FIELD);

        fromHigh.add(cursor, text("{\"answer\": {\"data\": [1]}, \"metadata\": {\"has_next_page\": true, \"page_count\": "
                + BigInteger.TWO.pow(70) + "}}"));

        assertThat(cursor.getNextPage()).isEqualTo(Integer.MAX_VALUE);
        assertThat(cursor.hasNext()).isTrue();
    }

    @Test
    void resultBeforeAnyPageIsRefused() throws Exception {
        PageCursor cursor = pages.start(exchange, FIELD);

        assertThatThrownBy(() -> cursor.result()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void resultBeforeTheLastPageIsRefused() throws Exception {
        PageCursor cursor = pages.start(exchange, FIELD);
        pages.add(cursor, json(page(List.of("a"), true, 2)));

        assertThatThrownBy(() -> cursor.result()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void pageAfterTheRunIsCompleteIsRefused() throws Exception {
        PageCursor cursor = pages.start(exchange, FIELD);
        pages.add(cursor, json(page(List.of("a"), false, 1)));

        assertThatThrownBy(() -> pages.add(cursor, json(page(List.of("b"), false, 1))))
                .isInstanceOf(IllegalStateException.class);
        assertThat(data(result(cursor))).containsExactly("a");
    }

    // --- page builders -----------------------------------------------------------------------------

    private static BatchPages batch(int startPage, int maxPages) {
        BatchPages batch = new BatchPages();
        batch.setStartPage(startPage);
        batch.setMaxPages(maxPages);
        return batch;
    }

    private static InputStream json(Map<String, Object> page) {
        try {
            return new ByteArrayInputStream(JSON.writeValueAsBytes(page));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static InputStream text(String page) {
        return new ByteArrayInputStream(page.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] bytes(StreamCache cache) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        cache.writeTo(out);
        return out.toByteArray();
    }

    private static Map<String, Object> result(PageCursor cursor) {
        try {
            return JSON.readValue(bytes(cursor.result()), new TypeReference<>() { });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, Object> page(List<Object> rows, boolean hasNextPage, int pageCount) {
        Map<String, Object> page = new LinkedHashMap<>();
        page.put(FIELD, records(rows));
        page.put("metadata", metadata(hasNextPage, pageCount));
        return page;
    }

    private static Map<String, Object> records(List<Object> rows) {
        Map<String, Object> container = new LinkedHashMap<>();
        container.put("type", "table");
        container.put("data", new ArrayList<>(rows));
        return container;
    }

    private static Map<String, Object> metadata(boolean hasNextPage, int pageCount) {
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("has_next_page", hasNextPage);
        metadata.put("page_count", pageCount);
        return metadata;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> container(Map<String, Object> envelope) {
        return (Map<String, Object>) envelope.get(FIELD);
    }

    private static List<Object> data(Map<String, Object> envelope) {
        @SuppressWarnings("unchecked")
        List<Object> data = (List<Object>) container(envelope).get("data");
        return data;
    }
}
