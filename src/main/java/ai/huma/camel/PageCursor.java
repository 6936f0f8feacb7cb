package ai.huma.camel;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One run of Huma's batch pagination for one answer: which page to fetch next, and the records of
 * every page fetched so far, in page order. Made by {@link BatchPages#start}; lives in an exchange
 * property while the route loops.
 * <p>
 * The rule (HUMA_API.md): fetch the start page; when its {@code metadata.has_next_page} is false it
 * is the whole answer; otherwise fetch the following pages up to {@code metadata.page_count}, but no
 * more than the configured maximum number of pages in all. A later page that says
 * {@code has_next_page: false} ends the run early; an answer without {@code page_count} is followed
 * page by page while {@code has_next_page} is true.
 */
public class PageCursor {

    private final String recordsField;
    private final int startPage;
    private final int lastAllowedPage;
    private final List<Object> records = new ArrayList<>();
    private int nextPage;
    private int lastPage;
    private int pageCount;
    private int pagesFetched;
    private boolean moreAfterLastFetched;
    private Map<String, Object> lastEnvelope;

    PageCursor(String recordsField, int startPage, int maxPages) {
        this.recordsField = recordsField;
        this.startPage = startPage;
        this.lastAllowedPage = startPage + maxPages - 1;
        this.nextPage = startPage;
        this.lastPage = startPage;
    }

    public boolean hasNext() {
        return nextPage <= lastPage;
    }

    public int getNextPage() {
        return nextPage;
    }

    public int getPagesFetched() {
        return pagesFetched;
    }

    public int getRecordCount() {
        return records.size();
    }

    /** The number of pages Huma said the answer has (0 when it did not say). */
    public int getPageCount() {
        return pageCount;
    }

    /** True when the run stopped at the configured maximum while Huma still had pages to give. */
    public boolean isTruncated() {
        return !hasNext() && moreAfterLastFetched;
    }

    void add(Map<String, Object> page) {
        if (!hasNext()) {
            throw new IllegalStateException("no page is due: the pagination of this answer is complete");
        }
        records.addAll(recordsOf(page));
        lastEnvelope = page;
        pagesFetched++;

        Map<?, ?> metadata = page.get("metadata") instanceof Map<?, ?> m ? m : Map.of();
        boolean hasNextPage = Boolean.TRUE.equals(metadata.get("has_next_page"));
        if (nextPage == startPage) {
            pageCount = metadata.get("page_count") instanceof Number n ? n.intValue() : 0;
        }
        moreAfterLastFetched = hasNextPage;
        if (!hasNextPage) {
            lastPage = nextPage;
        } else {
            // page_count says how far to go; without it (or when it contradicts has_next_page),
            // follow has_next_page one page at a time; never past the configured maximum
            lastPage = Math.min(Math.max(pageCount, nextPage + 1), lastAllowedPage);
        }
        nextPage++;
    }

    /**
     * The merged answer: the envelope of the last page fetched (as Huma's SDK hands it back), with
     * every record of every page fetched in its {@code <recordsField>.data} list.
     */
    public Map<String, Object> result() {
        if (lastEnvelope == null || hasNext()) {
            throw new IllegalStateException("the pagination of this answer is not complete");
        }
        Map<String, Object> merged = new LinkedHashMap<>(lastEnvelope);
        @SuppressWarnings("unchecked")
        Map<String, Object> container = new LinkedHashMap<>((Map<String, Object>) lastEnvelope.get(recordsField));
        container.put("data", new ArrayList<>(records));
        merged.put(recordsField, container);
        return merged;
    }

    private List<?> recordsOf(Map<String, Object> page) {
        if (page.get(recordsField) instanceof Map<?, ?> container && container.get("data") instanceof List<?> data) {
            return data;
        }
        throw new BadHumaPayloadException("page " + nextPage + " of Huma's answer has no '" + recordsField
                + ".data' list");
    }
}
