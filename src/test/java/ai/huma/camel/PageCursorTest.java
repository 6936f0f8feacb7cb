package ai.huma.camel;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PageCursorTest {

    private static final String FIELD = "answer";

    private final BatchPages pages = new BatchPages(1, 100);

    // --- BatchPages --------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(ints = {0, -1, Integer.MIN_VALUE})
    void batchPagesRefusesAStartPageBelowOne(int start) {
        assertThatThrownBy(() -> new BatchPages(start, 100))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("huma.pages.start");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, Integer.MIN_VALUE})
    void batchPagesRefusesAMaximumBelowOne(int max) {
        assertThatThrownBy(() -> new BatchPages(1, max))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("huma.pages.max");
    }

    @Test
    void newCursorIsDueForTheStartPage() {
        PageCursor cursor = new BatchPages(3, 10).start(FIELD);

        assertThat(cursor.hasNext()).isTrue();
        assertThat(cursor.getNextPage()).isEqualTo(3);
        assertThat(cursor.getPagesFetched()).isZero();
        assertThat(cursor.getRecordCount()).isZero();
    }

    // --- one page ----------------------------------------------------------------------------------

    @Test
    void pageWithoutNextPageIsTheWholeAnswer() {
        PageCursor cursor = pages.start(FIELD);

        pages.add(cursor, page(List.of("r1", "r2"), false, 1));

        assertThat(cursor.hasNext()).isFalse();
        assertThat(cursor.getPagesFetched()).isEqualTo(1);
        assertThat(cursor.getRecordCount()).isEqualTo(2);
        assertThat(cursor.isTruncated()).isFalse();
        assertThat(data(cursor.result())).containsExactly("r1", "r2");
    }

    @Test
    void firstPageWithoutNextPageEndsTheRunWhateverItsPageCount() {
        PageCursor cursor = pages.start(FIELD);

        pages.add(cursor, page(List.of("r1"), false, 7));

        assertThat(cursor.hasNext()).isFalse();
        assertThat(cursor.getPagesFetched()).isEqualTo(1);
    }

    @Test
    void pageWithoutMetadataIsTheWholeAnswer() {
        PageCursor cursor = pages.start(FIELD);
        Map<String, Object> page = new LinkedHashMap<>();
        page.put(FIELD, records(List.of("only")));

        pages.add(cursor, page);

        assertThat(cursor.hasNext()).isFalse();
        assertThat(cursor.getPageCount()).isZero();
        assertThat(data(cursor.result())).containsExactly("only");
    }

    // --- several pages -----------------------------------------------------------------------------

    @Test
    void threePagesAreFetchedInOrder() {
        PageCursor cursor = pages.start(FIELD);
        List<Integer> requested = new ArrayList<>();

        requested.add(cursor.getNextPage());
        pages.add(cursor, page(List.of("a1", "a2"), true, 3));
        assertThat(cursor.hasNext()).isTrue();
        requested.add(cursor.getNextPage());
        pages.add(cursor, page(List.of("b1", "b2"), true, 3));
        assertThat(cursor.hasNext()).isTrue();
        requested.add(cursor.getNextPage());
        pages.add(cursor, page(List.of("c1"), false, 3));

        assertThat(requested).containsExactly(1, 2, 3);
        assertThat(cursor.hasNext()).isFalse();
        assertThat(cursor.getPagesFetched()).isEqualTo(3);
        assertThat(cursor.getPageCount()).isEqualTo(3);
        assertThat(cursor.getRecordCount()).isEqualTo(5);
        assertThat(cursor.isTruncated()).isFalse();
    }

    @Test
    void resultIsTheLastEnvelopeWithEveryRecordInPageOrder() {
        PageCursor cursor = pages.start(FIELD);
        Map<String, Object> last = page(List.of("c1"), false, 3);
        last.put("ticket_number", "t-1");

        pages.add(cursor, page(List.of("a1", "a2"), true, 3));
        pages.add(cursor, page(List.of("b1", "b2"), true, 3));
        pages.add(cursor, last);
        Map<String, Object> result = cursor.result();

        assertThat(data(result)).containsExactly("a1", "a2", "b1", "b2", "c1");
        assertThat(result.get("metadata")).isEqualTo(last.get("metadata"));
        assertThat(result.get("ticket_number")).isEqualTo("t-1");
        assertThat(container(result).get("type")).isEqualTo("table");
        assertThat(result.keySet()).containsExactly(FIELD, "metadata", "ticket_number");
    }

    @Test
    void resultLeavesTheFetchedPagesUntouched() {
        PageCursor cursor = pages.start(FIELD);
        Map<String, Object> first = page(List.of("a1"), true, 2);
        Map<String, Object> last = page(List.of("b1"), false, 2);

        pages.add(cursor, first);
        pages.add(cursor, last);
        cursor.result();

        assertThat(data(first)).containsExactly("a1");
        assertThat(data(last)).containsExactly("b1");
    }

    @Test
    void recordsFieldIsTheOneTheCursorWasStartedFor() {
        PageCursor cursor = pages.start("data_field");
        Map<String, Object> page = new LinkedHashMap<>();
        page.put("data_field", records(List.of("x")));
        page.put("metadata", metadata(false, 1));

        pages.add(cursor, page);

        assertThat(cursor.result().get("data_field")).isEqualTo(Map.of("type", "table", "data", List.of("x")));
    }

    // --- limits and early ends ---------------------------------------------------------------------

    @Test
    void pageCountAboveTheMaximumStopsAtTheMaximumAndIsTruncated() {
        BatchPages capped = new BatchPages(1, 2);
        PageCursor cursor = capped.start(FIELD);

        capped.add(cursor, page(List.of("a"), true, 5));
        capped.add(cursor, page(List.of("b"), true, 5));

        assertThat(cursor.hasNext()).isFalse();
        assertThat(cursor.getPagesFetched()).isEqualTo(2);
        assertThat(cursor.getPageCount()).isEqualTo(5);
        assertThat(cursor.isTruncated()).isTrue();
        assertThat(data(cursor.result())).containsExactly("a", "b");
    }

    @Test
    void maximumOfOnePageFetchesOnlyTheStartPage() {
        BatchPages capped = new BatchPages(1, 1);
        PageCursor cursor = capped.start(FIELD);

        capped.add(cursor, page(List.of("a"), true, 3));

        assertThat(cursor.hasNext()).isFalse();
        assertThat(cursor.isTruncated()).isTrue();
        assertThat(data(cursor.result())).containsExactly("a");
    }

    @Test
    void pageCountEqualToTheMaximumIsNotTruncated() {
        BatchPages capped = new BatchPages(1, 2);
        PageCursor cursor = capped.start(FIELD);

        capped.add(cursor, page(List.of("a"), true, 2));
        capped.add(cursor, page(List.of("b"), false, 2));

        assertThat(cursor.hasNext()).isFalse();
        assertThat(cursor.isTruncated()).isFalse();
    }

    @Test
    void startPageTwoFetchesFromPageTwoUpToThePageCount() {
        BatchPages fromTwo = new BatchPages(2, 100);
        PageCursor cursor = fromTwo.start(FIELD);
        List<Integer> requested = new ArrayList<>();

        requested.add(cursor.getNextPage());
        fromTwo.add(cursor, page(List.of("p2"), true, 4));
        requested.add(cursor.getNextPage());
        fromTwo.add(cursor, page(List.of("p3"), true, 4));
        requested.add(cursor.getNextPage());
        fromTwo.add(cursor, page(List.of("p4"), false, 4));

        assertThat(requested).containsExactly(2, 3, 4);
        assertThat(cursor.hasNext()).isFalse();
        assertThat(cursor.isTruncated()).isFalse();
        assertThat(data(cursor.result())).containsExactly("p2", "p3", "p4");
    }

    @Test
    void startPageTwoWithASinglePage() {
        BatchPages fromTwo = new BatchPages(2, 100);
        PageCursor cursor = fromTwo.start(FIELD);

        fromTwo.add(cursor, page(List.of("p2"), false, 2));

        assertThat(cursor.hasNext()).isFalse();
        assertThat(data(cursor.result())).containsExactly("p2");
    }

    @Test
    void startPageTwoCountsTheMaximumFromTheStartPage() {
        BatchPages fromTwo = new BatchPages(2, 2);
        PageCursor cursor = fromTwo.start(FIELD);

        fromTwo.add(cursor, page(List.of("p2"), true, 10));
        assertThat(cursor.getNextPage()).isEqualTo(3);
        fromTwo.add(cursor, page(List.of("p3"), true, 10));

        assertThat(cursor.hasNext()).isFalse();
        assertThat(cursor.getPagesFetched()).isEqualTo(2);
        assertThat(cursor.isTruncated()).isTrue();
    }

    @Test
    void startPageAboveOneThatFetchesEveryRemainingPageIsNotTruncated() {
        BatchPages fromThree = new BatchPages(3, 2);
        PageCursor cursor = fromThree.start(FIELD);

        fromThree.add(cursor, page(List.of("p3"), true, 4));
        fromThree.add(cursor, page(List.of("p4"), false, 4));

        assertThat(cursor.hasNext()).isFalse();
        assertThat(cursor.isTruncated()).isFalse();
    }

    @Test
    void laterPageWithoutNextPageEndsTheRunEarly() {
        PageCursor cursor = pages.start(FIELD);

        pages.add(cursor, page(List.of("a"), true, 5));
        pages.add(cursor, page(List.of("b"), false, 5));

        assertThat(cursor.hasNext()).isFalse();
        assertThat(cursor.getPagesFetched()).isEqualTo(2);
        assertThat(data(cursor.result())).containsExactly("a", "b");
    }

    @Test
    void firstPageWithNextPageButNoPageCountFetchesOneMorePage() {
        PageCursor cursor = pages.start(FIELD);
        Map<String, Object> first = new LinkedHashMap<>();
        first.put(FIELD, records(List.of("a")));
        first.put("metadata", Map.of("has_next_page", true));

        pages.add(cursor, first);

        assertThat(cursor.hasNext()).isTrue();
        assertThat(cursor.getNextPage()).isEqualTo(2);
    }

    @Test
    void withoutPageCountHasNextPageIsFollowedPageByPage() {
        PageCursor cursor = pages.start(FIELD);
        for (String row : List.of("a", "b", "c")) {
            Map<String, Object> page = new LinkedHashMap<>();
            page.put(FIELD, records(List.of(row)));
            page.put("metadata", Map.of("has_next_page", !row.equals("c")));
            assertThat(cursor.hasNext()).isTrue();
            pages.add(cursor, page);
        }

        assertThat(cursor.hasNext()).isFalse();
        assertThat(cursor.isTruncated()).isFalse();
        assertThat(data(cursor.result())).containsExactly("a", "b", "c");
    }

    @Test
    void withoutPageCountTheMaximumStillHoldsAndReportsTruncation() {
        BatchPages twoPages = new BatchPages(1, 2);
        PageCursor cursor = twoPages.start(FIELD);
        while (cursor.hasNext()) {
            Map<String, Object> page = new LinkedHashMap<>();
            page.put(FIELD, records(List.of(cursor.getNextPage())));
            page.put("metadata", Map.of("has_next_page", true));
            twoPages.add(cursor, page);
        }

        assertThat(cursor.getPagesFetched()).isEqualTo(2);
        assertThat(cursor.isTruncated()).isTrue();
    }

    // --- refusals ----------------------------------------------------------------------------------

    @Test
    void pageWithoutRecordsFieldIsRefused() {
        PageCursor cursor = pages.start(FIELD);
        Map<String, Object> page = new LinkedHashMap<>();
        page.put("metadata", metadata(false, 1));

        assertThatThrownBy(() -> pages.add(cursor, page))
                .isInstanceOf(BadHumaPayloadException.class)
                .hasMessageContaining("answer.data")
                .hasMessageContaining("page 1");
    }

    @Test
    void pageWhoseDataIsNotAListIsRefused() {
        PageCursor cursor = pages.start(FIELD);
        Map<String, Object> page = new LinkedHashMap<>();
        page.put(FIELD, Map.of("type", "table", "data", "not a list"));
        page.put("metadata", metadata(false, 1));

        assertThatThrownBy(() -> pages.add(cursor, page))
                .isInstanceOf(BadHumaPayloadException.class)
                .hasMessageContaining("answer.data");
    }

    @Test
    void refusedLaterPageNamesItsNumberAndLeavesTheCursorWhereItWas() {
        PageCursor cursor = pages.start(FIELD);
        pages.add(cursor, page(List.of("a"), true, 3));
        Map<String, Object> broken = new LinkedHashMap<>();
        broken.put(FIELD, List.of("not", "a", "container"));

        assertThatThrownBy(() -> pages.add(cursor, broken))
                .isInstanceOf(BadHumaPayloadException.class)
                .hasMessageContaining("page 2");
        assertThat(cursor.getNextPage()).isEqualTo(2);
        assertThat(cursor.getRecordCount()).isEqualTo(1);
    }

    @Test
    void resultBeforeAnyPageIsRefused() {
        PageCursor cursor = pages.start(FIELD);

        assertThatThrownBy(cursor::result).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void resultBeforeTheLastPageIsRefused() {
        PageCursor cursor = pages.start(FIELD);
        pages.add(cursor, page(List.of("a"), true, 2));

        assertThatThrownBy(cursor::result).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void pageAfterTheRunIsCompleteIsRefused() {
        PageCursor cursor = pages.start(FIELD);
        pages.add(cursor, page(List.of("a"), false, 1));

        assertThatThrownBy(() -> pages.add(cursor, page(List.of("b"), false, 1)))
                .isInstanceOf(IllegalStateException.class);
        assertThat(data(cursor.result())).containsExactly("a");
    }

    // --- page builders -----------------------------------------------------------------------------

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
