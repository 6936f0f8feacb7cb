package ai.huma.camel;

import java.util.Map;

import org.apache.camel.Body;
import org.apache.camel.ExchangeProperty;

/**
 * Starts and feeds {@link PageCursor}s with the configured start page and page cap (the seed's
 * {@code PAGE} and {@code MAX_PAGE_COUNT}). The route that loops over the pages keeps the cursor in
 * the exchange property {@value #CURSOR_PROPERTY}.
 */
public class BatchPages {

    public static final String CURSOR_PROPERTY = "humaPages";

    private final int startPage;
    private final int maxPages;

    public BatchPages(int startPage, int maxPages) {
        if (startPage < 1) {
            throw new IllegalArgumentException("huma.pages.start must be 1 or more, not " + startPage);
        }
        if (maxPages < 1) {
            throw new IllegalArgumentException("huma.pages.max must be 1 or more, not " + maxPages);
        }
        this.startPage = startPage;
        this.maxPages = maxPages;
    }

    /** A new cursor for an answer whose records sit in {@code <recordsField>.data}. */
    public PageCursor start(String recordsField) {
        return new PageCursor(recordsField, startPage, maxPages);
    }

    /** Adds one fetched page (the unmarshalled JSON answer) to the cursor. */
    public void add(@ExchangeProperty(CURSOR_PROPERTY) PageCursor cursor, @Body Map<String, Object> page) {
        cursor.add(page);
    }
}
