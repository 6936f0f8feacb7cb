package ai.huma.camel.deliver;

import java.util.Map;

import ai.huma.camel.event.HumaEvent;
import org.apache.camel.Body;
import org.apache.camel.ExchangeProperty;

import ai.huma.camel.fetch.BadHumaPayloadException;
import ai.huma.camel.fetch.HumaIds;
import ai.huma.camel.settings.SafeText;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Names the result files. Every name is a single safe file name whatever Huma sends: no path
 * separator, no {@code ..}, no control character, at most 255 bytes in UTF-8 (long names are
 * trimmed on a character boundary, never refused).
 * <ul>
 * <li>question: {@code <sanitized question>_result.json}, the seed's rule: letters and digits kept,
 * white space turned into {@code _}, everything else dropped; a question with no letter or digit names
 * the file after its ticket number instead ({@code question_<ticket_number>_result.json});</li>
 * <li>subscription: {@code <subscribed_id>_result.json};</li>
 * <li>history: {@code <conversion_id>_result.json} and the visual file {@code <conversion_id>.<file_type>}.</li>
 * </ul>
 */
public class ResultFileNames {

    /** The longest file name most file systems take (ext4, XFS, APFS count bytes). */
    static final int MAX_NAME_BYTES = 255;

    private static final String RESULT_SUFFIX = "_result.json";
    private static final Pattern FILE_TYPE = Pattern.compile("[a-z0-9]{1,10}");

    /**
     * The name of a paged result (question, subscription) of this event, its payload and id (the
     * worker's {@code humaResultId}).
     */
    public String pagedResult(@ExchangeProperty(HumaEvent.PROPERTY) String eventName, @Body Map<String, Object> payload,
            @ExchangeProperty("humaResultId") String id) {
        HumaEvent event = HumaEvent.named(eventName);
        if (event == HumaEvent.QUESTION) {
            Object question = payload.get("question");
            return question(question instanceof String text ? text : null, id);
        }
        if (event == HumaEvent.SUBSCRIPTION) {
            return subscription(id);
        }
        throw new IllegalStateException("no paged result for the event " + SafeText.quoted(eventName));
    }

    public String question(String question, Object ticketNumber) {
        String sanitized = sanitizeQuestion(question);
        if (sanitized.chars().allMatch(c -> c == '_')) {
            sanitized = "question_" + HumaIds.requireId(ticketNumber, "ticket_number");
        }
        int room = MAX_NAME_BYTES - RESULT_SUFFIX.length();
        return trimToBytes(sanitized, room) + RESULT_SUFFIX;
    }

    public String subscription(Object subscribedId) {
        return HumaIds.requireId(subscribedId, "subscribed_id") + RESULT_SUFFIX;
    }

    public String historyResult(Object conversionId) {
        return HumaIds.requireId(conversionId, "conversion_id") + RESULT_SUFFIX;
    }

    public String historyFile(Object conversionId, Object fileType) {
        String type = fileType instanceof String text ? text.strip().toLowerCase(Locale.ROOT) : "";
        if (!FILE_TYPE.matcher(type).matches()) {
            throw new BadHumaPayloadException("file_type of the visual is not a plain file extension: "
                    + SafeText.quoted(fileType));
        }
        return HumaIds.requireId(conversionId, "conversion_id") + "." + type;
    }

    /** The seed's rule: letters and digits kept, white space becomes {@code _}, the rest is dropped. */
    static String sanitizeQuestion(String question) {
        if (question == null) {
            return "";
        }
        StringBuilder name = new StringBuilder(question.length());
        question.codePoints().forEach(cp -> {
            if (Character.isLetterOrDigit(cp)) {
                name.appendCodePoint(cp);
            } else if (Character.isWhitespace(cp) || Character.isSpaceChar(cp)) {
                name.append('_');
            }
        });
        return name.toString();
    }

    /** The longest prefix of {@code text} that fits in {@code maxBytes} of UTF-8, cut between code points. */
    static String trimToBytes(String text, int maxBytes) {
        int bytes = 0;
        int end = 0;
        while (end < text.length()) {
            int cp = text.codePointAt(end);
            int size = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8).length;
            if (bytes + size > maxBytes) {
                break;
            }
            bytes += size;
            end += Character.charCount(cp);
        }
        return text.substring(0, end);
    }
}
