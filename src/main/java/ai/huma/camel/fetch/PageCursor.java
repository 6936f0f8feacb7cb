package ai.huma.camel.fetch;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.util.Iterator;
import java.util.Map;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.camel.Exchange;
import org.apache.camel.StreamCache;
import org.apache.camel.converter.stream.CachedOutputStream;

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
 * <p>
 * Memory stays small whatever Huma sends: each page is read as a stream, its records are copied
 * token by token into a spool (Camel's {@link CachedOutputStream}: memory first, then a file under
 * the stream-caching spool directory, removed when the exchange completes), and only the page's
 * envelope (the answer without its records) is kept as a tree. The merged records may take at most
 * {@code maxResultBytes}; past it the event fails with {@link AnswerTooLargeException}.
 */
public class PageCursor {

    /** Largest envelope of one page (everything but its records) kept in memory. */
    static final int MAX_ENVELOPE_BYTES = 1024 * 1024;

    private static final JsonMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    // two "data" lists in one page would be merged twice: refuse the page instead
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .build())
            // decimals stay exactly as Huma sent them, trailing zeros included
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
            .build();

    private final String recordsField;
    private final long startPage;
    private final long lastAllowedPage;
    private final long maxResultBytes;
    private final Exchange exchange;
    private CachedOutputStream spool;
    private LimitedOutputStream spoolLimit;
    private JsonGenerator records;
    private long recordCount;
    private long nextPage;
    private long lastPage;
    private long pageCount;
    private boolean pageCountKnown;
    private int pagesFetched;
    private boolean moreAfterLastFetched;
    private boolean broken;
    private ObjectNode lastEnvelope;

    PageCursor(Exchange exchange, String recordsField, int startPage, int maxPages, long maxResultBytes) {
        this.exchange = exchange;
        this.recordsField = recordsField;
        this.startPage = startPage;
        this.lastAllowedPage = (long) startPage + maxPages - 1;
        this.maxResultBytes = maxResultBytes;
        this.nextPage = startPage;
        this.lastPage = startPage;
    }

    public boolean hasNext() {
        return !broken && nextPage <= lastPage;
    }

    public long getNextPage() {
        return nextPage;
    }

    public int getPagesFetched() {
        return pagesFetched;
    }

    public long getRecordCount() {
        return recordCount;
    }

    /** The number of pages Huma said the answer has (0 when it did not say, or said nonsense). */
    public long getPageCount() {
        return pageCount;
    }

    /** True when the run stopped at the configured maximum while Huma still had pages to give. */
    public boolean isTruncated() {
        return !hasNext() && moreAfterLastFetched && !broken;
    }

    /** The warning for a truncated answer: how many pages Huma had, and how many were fetched. */
    public String getTruncationWarning() {
        String had = pageCountKnown ? "Huma has " + pageCount + " pages" : "Huma has more pages (no page_count given)";
        return had + ", only the first " + pagesFetched + " were fetched (huma.pages.max)";
    }

    /**
     * Adds one fetched page: its records go to the spool, its envelope is kept. A page that cannot
     * be used fails the whole answer for good (asking again for the same bytes would not mend it),
     * and the cursor takes no more pages.
     *
     * @throws BadHumaPayloadException when the page is not JSON or has no records list
     * @throws AnswerTooLargeException when the merged records pass the configured maximum
     */
    void add(InputStream page) throws AnswerTooLargeException {
        if (!hasNext()) {
            throw new IllegalStateException("no page is due: the pagination of this answer is complete");
        }
        broken = true; // until the page has been read to its end
        ObjectNode envelope;
        try {
            envelope = readPage(page);
        } catch (AnswerTooLargeException | BadHumaPayloadException e) {
            throw e;
        } catch (JsonProcessingException e) {
            throw new BadHumaPayloadException("page " + nextPage + " of Huma's answer is not valid JSON ("
                    + (e.getLocation() == null ? "at an unknown position" : "line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr()) + ")");
        } catch (IOException e) {
            throw new BadHumaPayloadException("page " + nextPage + " of Huma's answer could not be read: " + e);
        }
        broken = false;
        lastEnvelope = envelope;
        pagesFetched++;

        JsonNode metadata = envelope.path("metadata");
        boolean hasNextPage = metadata.path("has_next_page").asBoolean(false) && metadata.path("has_next_page").isBoolean();
        if (nextPage == startPage) {
            readPageCount(metadata.path("page_count"));
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
     * The merged answer, as pretty-printed JSON: the envelope of the last page fetched (as Huma's
     * SDK hands it back), with every record of every page fetched in its {@code <recordsField>.data}
     * list. Streamed from the spool; re-readable.
     */
    public StreamCache result() throws IOException {
        if (lastEnvelope == null || hasNext() || broken) {
            throw new IllegalStateException("the pagination of this answer is not complete");
        }
        records.close();
        CachedOutputStream merged = new CachedOutputStream(exchange);
        try (JsonGenerator out = MAPPER.getFactory().createGenerator(merged).useDefaultPrettyPrinter();
                JsonParser spooled = MAPPER.getFactory().createParser(spool.getInputStream())) {
            out.writeStartObject();
            for (Iterator<Map.Entry<String, JsonNode>> fields = lastEnvelope.fields(); fields.hasNext(); ) {
                Map.Entry<String, JsonNode> field = fields.next();
                out.writeFieldName(field.getKey());
                if (!field.getKey().equals(recordsField)) {
                    MAPPER.writeTree(out, field.getValue());
                    continue;
                }
                out.writeStartObject();
                for (Iterator<Map.Entry<String, JsonNode>> inner = field.getValue().fields(); inner.hasNext(); ) {
                    Map.Entry<String, JsonNode> entry = inner.next();
                    out.writeFieldName(entry.getKey());
                    if (entry.getKey().equals("data")) {
                        out.writeStartArray();
                        while (spooled.nextToken() != null) {
                            copyValue(spooled, out);
                        }
                        out.writeEndArray();
                    } else {
                        MAPPER.writeTree(out, entry.getValue());
                    }
                }
                out.writeEndObject();
            }
            out.writeEndObject();
        }
        return merged.newStreamCache();
    }

    private ObjectNode readPage(InputStream page) throws IOException {
        if (page == null) {
            throw new BadHumaPayloadException("page " + nextPage + " of Huma's answer is empty");
        }
        ObjectNode envelope = MAPPER.createObjectNode();
        boolean sawRecords = false;
        try (JsonParser parser = MAPPER.getFactory().createParser(page)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new BadHumaPayloadException("page " + nextPage + " of Huma's answer is not a JSON object");
            }
            long envelopeBytes = 0;
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                if (name.equals(recordsField) && value == JsonToken.START_OBJECT) {
                    ObjectNode container = envelope.putObject(name);
                    while (parser.nextToken() == JsonToken.FIELD_NAME) {
                        String inner = parser.currentName();
                        JsonToken innerValue = parser.nextToken();
                        if (inner.equals("data") && innerValue == JsonToken.START_ARRAY) {
                            sawRecords = true;
                            container.putNull("data"); // its place: the records come from the spool
                            copyRecords(parser);
                        } else {
                            long before = parser.currentTokenLocation().getByteOffset();
                            container.set(inner, MAPPER.readTree(parser));
                            envelopeBytes += parser.currentLocation().getByteOffset() - before;
                        }
                    }
                } else {
                    long before = parser.currentTokenLocation().getByteOffset();
                    envelope.set(name, MAPPER.readTree(parser));
                    envelopeBytes += parser.currentLocation().getByteOffset() - before;
                }
                if (envelopeBytes > MAX_ENVELOPE_BYTES) {
                    throw new BadHumaPayloadException("page " + nextPage + " of Huma's answer holds more than "
                            + MAX_ENVELOPE_BYTES + " bytes beside its records");
                }
            }
            if (parser.nextToken() != null) {
                throw new BadHumaPayloadException("page " + nextPage + " of Huma's answer has more after its JSON object");
            }
        }
        if (!sawRecords) {
            throw new BadHumaPayloadException("page " + nextPage + " of Huma's answer has no '" + recordsField
                    + ".data' list");
        }
        return envelope;
    }

    /** Copies the elements of the array the parser stands on into the spool, one by one. */
    private void copyRecords(JsonParser parser) throws IOException {
        JsonGenerator out = records();
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            copyValue(parser, out);
            recordCount++;
        }
        out.flush();
    }

    /** Copies the value the parser stands on, numbers exactly as written. */
    private static void copyValue(JsonParser parser, JsonGenerator out) throws IOException {
        int depth = 0;
        do {
            JsonToken token = parser.currentToken();
            out.copyCurrentEventExact(parser);
            if (token.isStructStart()) {
                depth++;
            } else if (token.isStructEnd()) {
                depth--;
            }
        } while (depth > 0 && parser.nextToken() != null);
    }

    private JsonGenerator records() throws IOException {
        if (records == null) {
            spool = new CachedOutputStream(exchange);
            spoolLimit = new LimitedOutputStream(spool, maxResultBytes);
            records = MAPPER.getFactory().createGenerator(spoolLimit);
        }
        return records;
    }

    private void readPageCount(JsonNode count) {
        if (count.isIntegralNumber()) {
            BigInteger value = count.bigIntegerValue();
            if (value.signum() > 0) {
                pageCount = value.bitLength() < 63 ? value.longValue() : Long.MAX_VALUE;
                pageCountKnown = true;
            }
        }
    }

    /** Counts what goes to the spool and refuses more than the merged result may hold. */
    private static final class LimitedOutputStream extends FilterOutputStream {

        private final long max;
        private long written;

        LimitedOutputStream(OutputStream out, long max) {
            super(out);
            this.max = max;
        }

        @Override
        public void write(int b) throws IOException {
            count(1);
            out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            count(len);
            out.write(b, off, len);
        }

        private void count(int bytes) throws AnswerTooLargeException {
            written += bytes;
            if (written > max) {
                throw new AnswerTooLargeException("the merged answer is larger than huma.result.max-size ("
                        + max + " bytes)");
            }
        }
    }
}
