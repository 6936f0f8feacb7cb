package ai.huma.camel.fetch;

import ai.huma.camel.observe.HumaMetrics;

import java.io.InputStream;

import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Processor;

/**
 * Starts and feeds {@link PageCursor}s with the configured start page, page cap (the seed's
 * {@code PAGE} and {@code MAX_PAGE_COUNT}) and the size the merged result may reach. The route that
 * loops over the pages keeps the cursor in the exchange property {@value #CURSOR_PROPERTY}.
 * <p>
 * As a Camel processor (the page loop's {@code process: ref: batchPages}) it adds the page in the
 * body to that cursor and counts it ({@code huma_api_pages_total}), without the bean binding a bean
 * call makes on every page.
 */
public class BatchPages implements Processor {

    public static final String CURSOR_PROPERTY = "humaPages";

    private int startPage = 1;
    private int maxPages = 100;
    private long maxResultSize = 128L * 1024 * 1024;
    private HumaMetrics metrics;

    public void setStartPage(int startPage) {
        if (startPage < 1) {
            throw new IllegalArgumentException("huma.pages.start must be 1 or more, not " + startPage);
        }
        this.startPage = startPage;
    }

    public void setMaxPages(int maxPages) {
        if (maxPages < 1) {
            throw new IllegalArgumentException("huma.pages.max must be 1 or more, not " + maxPages);
        }
        this.maxPages = maxPages;
    }

    /** Bytes the records of one result may take in all (huma.result.max-size). */
    public void setMaxResultSize(long maxResultSize) {
        if (maxResultSize < 1) {
            throw new IllegalArgumentException("huma.result.max-size must be 1 or more bytes, not " + maxResultSize);
        }
        this.maxResultSize = maxResultSize;
    }

    /** Where the pages fetched are counted. */
    public void setMetrics(HumaMetrics metrics) {
        this.metrics = metrics;
    }

    public int getStartPage() {
        return startPage;
    }

    public int getMaxPages() {
        return maxPages;
    }

    public long getMaxResultSize() {
        return maxResultSize;
    }

    /** A new cursor for an answer whose records sit in {@code <recordsField>.data}; its spool lives as long as the exchange. */
    public PageCursor start(Exchange exchange, @ExchangeProperty("humaRecordsField") String recordsField) {
        return new PageCursor(exchange, recordsField, startPage, maxPages, maxResultSize);
    }

    /** Adds one fetched page (the API's answer, as it came) to the cursor. */
    public void add(@ExchangeProperty(CURSOR_PROPERTY) PageCursor cursor, @Body InputStream page) throws AnswerTooLargeException {
        cursor.add(page);
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        PageCursor cursor = exchange.getProperty(CURSOR_PROPERTY, PageCursor.class);
        if (cursor == null) {
            throw new IllegalStateException("no page cursor in the exchange property " + CURSOR_PROPERTY + " (batchPages.start first)");
        }
        add(cursor, exchange.getMessage().getMandatoryBody(InputStream.class));
        if (metrics != null) {
            metrics.pageFetched();
        }
    }
}
