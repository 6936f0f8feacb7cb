package ai.huma.camel.deliver;

import java.io.InputStream;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SequenceWriter;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.StreamCache;

/**
 * A result's records as CSV (bean {@code humaRecordsAsCsv}), for a transform hook of the team's own
 * (README "Your own step before delivery"): a question's or subscription's {@code _result.json}
 * becomes {@code <name>.csv}, one line per record of its {@code data} array, one column per field
 * (in the order the fields first appear; a field that holds an object or an array is written as its
 * JSON text), with a header line. Any other file (a visual, a result without records) passes
 * unchanged. The result is read whole: it is at most {@code huma.result.max-size}.
 */
public class RecordsAsCsv implements Processor {

    private static final String RESULT_SUFFIX = "_result.json";

    private final ObjectMapper json = new ObjectMapper();
    private final CsvMapper csv = new CsvMapper();

    @Override
    public void process(Exchange exchange) throws Exception {
        String name = exchange.getMessage().getHeader(Exchange.FILE_NAME, String.class);
        if (name == null || !name.endsWith(".json")) {
            return;
        }
        Object body = exchange.getMessage().getBody();
        if (body instanceof StreamCache cache) {
            cache.reset();
        }
        JsonNode result;
        try (InputStream in = exchange.getContext().getTypeConverter().mandatoryConvertTo(InputStream.class, exchange, body)) {
            result = json.readTree(in);
        }
        JsonNode records = recordsOf(result);
        if (records == null) {
            return;
        }
        Set<String> columns = new LinkedHashSet<>();
        records.forEach(record -> record.fieldNames().forEachRemaining(columns::add));
        CsvSchema.Builder schema = CsvSchema.builder().setUseHeader(true);
        columns.forEach(schema::addColumn);
        StringWriter out = new StringWriter();
        try (SequenceWriter writer = csv.writer(schema.build()).writeValues(out)) {
            for (JsonNode record : records) {
                Map<String, String> row = new LinkedHashMap<>();
                for (String column : columns) {
                    JsonNode value = record.get(column);
                    row.put(column, value == null || value.isNull() ? "" : value.isValueNode() ? value.asText() : value.toString());
                }
                writer.write(row);
            }
        }
        exchange.getMessage().setBody(out.toString());
        exchange.getMessage().setHeader(Exchange.FILE_NAME,
                (name.endsWith(RESULT_SUFFIX) ? name.substring(0, name.length() - RESULT_SUFFIX.length()) : name) + ".csv");
    }

    /** The {@code data} array of the field that holds the records ({@code answer}, {@code subscriptions}), or null. */
    private static JsonNode recordsOf(JsonNode result) {
        List<JsonNode> candidates = new ArrayList<>();
        for (Iterator<JsonNode> fields = result.elements(); fields.hasNext();) {
            JsonNode field = fields.next();
            if (field.isObject() && field.path("data").isArray()) {
                candidates.add(field.get("data"));
            }
        }
        return candidates.size() == 1 && candidates.get(0).elements().hasNext()
                && candidates.get(0).get(0).isObject() ? candidates.get(0) : null;
    }
}
