package ai.huma.camel.deliver;

import ai.huma.camel.event.HumaEvent;
import ai.huma.camel.settings.SafeText;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.camel.Body;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Message;
import org.apache.camel.StreamCache;
import org.apache.camel.Variable;
import org.apache.camel.attachment.AttachmentMessage;

/**
 * The results of one event (one file, or a visual and its {@code _result.json}) and the
 * destinations they go to ({@code huma.output.<event>.uri}: one Camel endpoint URI, or several
 * separated by commas). Used by the {@code huma-deliver} route, which sends every file to every
 * destination in turn:
 * <ul>
 * <li>to a file, FTP, SFTP or S3 endpoint, each file under its name: {@code CamelFileName}, and the
 * S3 object key ({@code CamelAwsS3Key}), its length and content type;</li>
 * <li>to a mail endpoint ({@code smtp:} or {@code smtps:}), one message per result: a subject that
 * names the event and its id, a short text, and every file attached under its name.</li>
 * </ul>
 * A comma separates two destinations only where the next one starts with a scheme
 * ({@code file:}, {@code sftp:}, ...), so that a mail URI can list several recipients
 * ({@code to=a@example.com,b@example.com}).
 */
public class ResultDelivery implements CamelContextAware {

    /** The exchange property holding the result files of the event. */
    public static final String FILES = "humaResultFiles";
    /** A file written to a folder while the rest of its result is not (DeadLetters.discardPartialOutput). */
    public static final String PARTIAL_OUTPUT = "humaPartialOutput";

    private static final Pattern PLAIN_FILE_NAME = Pattern.compile("[^/\\\\\\x00-\\x1F]{1,255}");
    private static final Pattern DESTINATION_SEPARATOR = Pattern.compile(",\\s*(?=[A-Za-z][A-Za-z0-9+.-]*:)");
    private static final Map<String, String> CONTENT_TYPES = Map.of(
            "json", "application/json",
            "pdf", "application/pdf",
            "csv", "text/csv",
            "pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation");

    /** The artifact of each optional output component, for the message when a host lacks it. */
    private static final Map<String, String> COMPONENT_ARTIFACTS = Map.of(
            "ftp", "org.apache.camel:camel-ftp",
            "ftps", "org.apache.camel:camel-ftp",
            "sftp", "org.apache.camel:camel-ftp",
            "aws2-s3", "org.apache.camel:camel-aws2-s3",
            "smtp", "org.apache.camel:camel-mail",
            "smtps", "org.apache.camel:camel-mail",
            "kafka", "org.apache.camel:camel-kafka",
            "jms", "org.apache.camel:camel-jms");

    private CamelContext camelContext;

    /** One file of a result: its name and content (text, bytes or a stream cache). */
    public record ResultFile(String name, Object content) {
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    /** At start-up: every output property names endpoints of components this bundle carries. */
    public void check() {
        for (HumaEvent event : HumaEvent.values()) {
            checkDestinations(event.outputSetting(),
                    camelContext.getPropertiesComponent().resolveProperty(event.outputSetting()).orElse(""));
        }
    }

    /** Keeps the message body as one result file, named by its {@code CamelFileName} header. */
    public void add(Exchange exchange) {
        Message message = exchange.getMessage();
        String name = message.getHeader(Exchange.FILE_NAME, String.class);
        if (name == null || name.isBlank()) {
            throw new IllegalStateException("a result file needs its CamelFileName header");
        }
        @SuppressWarnings("unchecked")
        List<ResultFile> files = exchange.getProperty(FILES, List.class);
        if (files == null) {
            files = new ArrayList<>();
            exchange.setProperty(FILES, files);
        }
        files.add(new ResultFile(name, message.getBody()));
    }

    /** The destinations of a comma-separated list of endpoint URIs, checked to be usable. */
    public List<String> destinations(@ExchangeProperty("humaOutputUris") String uris) {
        return split(uris);
    }

    /** The destination at that place of the list (the index of the loop over them). */
    public String destination(@Variable("destinations") List<String> destinations,
            @ExchangeProperty(Exchange.LOOP_INDEX) int index) {
        return destinations.get(index);
    }

    public static List<String> split(String uris) {
        List<String> destinations = new ArrayList<>();
        if (uris != null) {
            String text = uris.strip();
            int start = 0;
            Matcher separator = DESTINATION_SEPARATOR.matcher(text);
            while (separator.find()) {
                if (!insideRaw(text, separator.start())) {
                    destinations.add(text.substring(start, separator.start()));
                    start = separator.end();
                }
            }
            destinations.add(text.substring(start));
            destinations.replaceAll(String::strip);
            destinations.removeIf(String::isEmpty);
        }
        if (destinations.isEmpty()) {
            throw new IllegalArgumentException("no output endpoint is set (huma.output.<event>.uri is empty)");
        }
        return destinations;
    }

    /**
     * True when this position is inside a {@code RAW(...)} or {@code RAW{...}} value (a password with
     * a comma in it), which ends at its closing bracket followed by {@code &} or the end.
     */
    private static boolean insideRaw(String text, int position) {
        int open = Math.max(text.lastIndexOf("RAW(", position), text.lastIndexOf("RAW{", position));
        if (open < 0) {
            return false;
        }
        char close = text.charAt(open + 3) == '(' ? ')' : '}';
        for (int i = open + 4; i < position; i++) {
            if (text.charAt(i) == close && (i + 1 == text.length() || text.charAt(i + 1) == '&' || text.charAt(i + 1) == ',')) {
                return false;
            }
        }
        return true;
    }

    /**
     * Checks at start-up that every destination of a property is a URI of a component the jar
     * carries, so that a typo stops the start instead of dead-lettering every event.
     *
     * @return the property's value, unchanged
     */
    public String checkDestinations(String property, String uris) {
        List<String> destinations;
        try {
            destinations = split(uris);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(property + " is empty: give at least one Camel endpoint URI");
        }
        for (String uri : destinations) {
            String scheme = uri.contains(":") ? uri.substring(0, uri.indexOf(':')).toLowerCase(Locale.ROOT) : "";
            if (scheme.isEmpty()) {
                throw new IllegalArgumentException(property + ": not a Camel endpoint URI (no scheme such as file: or sftp:)");
            }
            if (camelContext != null && camelContext.getComponent(scheme, true, false) == null) {
                String artifact = COMPONENT_ARTIFACTS.get(scheme);
                throw new IllegalArgumentException(property + ": no Camel component for '" + scheme + "' on the class path"
                        + (artifact != null ? ": add " + artifact + " to your dependencies (the standalone jar has it)"
                                : " (the standalone jar has file, ftp, ftps, sftp, aws2-s3, smtp, smtps, direct, seda, ...)"));
            }
        }
        return uris;
    }

    /** True for a mail destination: the whole result goes as one message with attachments. */
    public boolean isMail(@Variable("destination") String destination) {
        String uri = destination.toLowerCase(Locale.ROOT);
        return uri.startsWith("smtp:") || uri.startsWith("smtps:");
    }

    /** Makes the message the file at that place of the result, for a file-like destination. */
    public void asFile(Exchange exchange, @ExchangeProperty(Exchange.LOOP_INDEX) int index) throws IOException {
        ResultFile file = files(exchange).get(index);
        Message message = exchange.getMessage();
        Object content = reread(file.content());
        message.setBody(content);
        message.setHeader(Exchange.FILE_NAME, file.name());
        message.setHeader("CamelAwsS3Key", file.name());
        message.setHeader("CamelAwsS3ContentType", contentType(file.name()));
        long length = lengthOf(content);
        if (length >= 0) {
            message.setHeader("CamelAwsS3ContentLength", length);
        } else {
            message.removeHeader("CamelAwsS3ContentLength");
        }
        message.setHeader(Exchange.CONTENT_TYPE, contentType(file.name()));
        if (message instanceof AttachmentMessage attachments && attachments.hasAttachments()) {
            attachments.getAttachments().clear();
        }
    }

    /**
     * Makes the message one mail for the whole result: subject naming the event and its id (unless
     * the destination sets a subject), a short text, each file attached under its name.
     */
    public void asMail(Exchange exchange, @Variable("destination") String destination,
            @ExchangeProperty("humaEvent") String event, @ExchangeProperty("humaResultId") String id) throws IOException {
        List<ResultFile> files = files(exchange);
        Message message = exchange.getMessage();
        AttachmentMessage mail = exchange.getMessage(AttachmentMessage.class);
        StringBuilder text = new StringBuilder("Huma ").append(event).append(' ').append(id)
                .append(": the result is attached.\n\n");
        for (ResultFile file : files) {
            byte[] bytes = bytesOf(reread(file.content()));
            MailAttachments.add(mail, file.name(), bytes, contentType(file.name()));
            text.append("- ").append(file.name()).append(" (").append(bytes.length).append(" bytes)\n");
        }
        text.append("\nSent by huma-camel.\n");
        message.setBody(text.toString());
        message.setHeader(Exchange.CONTENT_TYPE, "text/plain; charset=UTF-8");
        if (!destination.toLowerCase(Locale.ROOT).matches(".*[?&]subject=.*")) {
            message.setHeader("Subject", "Huma " + event + " " + id);
        }
        message.removeHeader(Exchange.FILE_NAME);
    }

    /**
     * After a file went to a folder ({@code file:} destination): while the other files of the result
     * are not there yet, the dead-letter route removes it again if the event fails (a visual never
     * stays without its {@code _result.json}).
     */
    public void written(Exchange exchange, @Variable("destination") String destination,
            @ExchangeProperty(Exchange.LOOP_INDEX) int index) {
        boolean last = index == files(exchange).size() - 1;
        String produced = exchange.getMessage().getHeader(Exchange.FILE_NAME_PRODUCED, String.class);
        if (!last && destination.toLowerCase(Locale.ROOT).startsWith("file:") && produced != null) {
            exchange.setProperty(PARTIAL_OUTPUT, produced);
        } else {
            exchange.removeProperty(PARTIAL_OUTPUT);
        }
    }

    /**
     * Makes the message the file at that place of the result, for the transform hook: its body, its
     * name in {@code CamelFileName}, its event in {@code HumaEvent}; nothing else.
     */
    public void asTransformInput(Exchange exchange, @ExchangeProperty(Exchange.LOOP_INDEX) int index) {
        ResultFile file = files(exchange).get(index);
        Message message = exchange.getMessage();
        message.getHeaders().clear();
        message.setBody(reread(file.content()));
        message.setHeader(Exchange.FILE_NAME, file.name());
        message.setHeader(HumaEvent.NAME_HEADER, exchange.getProperty(HumaEvent.PROPERTY, String.class));
    }

    /**
     * Takes what the transform hook gave back as the file at that place: its body (a stream is kept
     * as a stream cache, read again for each destination) and its name, which must stay a plain file
     * name; no body: the file is dropped ({@link #dropEmpty}).
     */
    public void transformed(Exchange exchange, @ExchangeProperty(Exchange.LOOP_INDEX) int index) {
        List<ResultFile> files = files(exchange);
        Message message = exchange.getMessage();
        String name = message.getHeader(Exchange.FILE_NAME, String.class);
        if (name == null || name.isBlank()) {
            name = files.get(index).name();
        }
        if (!PLAIN_FILE_NAME.matcher(name).matches() || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("the transform hook gave the file name " + SafeText.quoted(name)
                    + ": a plain file name is expected (no folders)");
        }
        Object body = message.getBody();
        if (body instanceof InputStream || body instanceof java.io.Reader) {
            body = exchange.getContext().getTypeConverter().convertTo(StreamCache.class, exchange, body);
        }
        files.set(index, new ResultFile(name, body));
    }

    /** Drops the files the transform hook gave back without a body. */
    public void dropEmpty(Exchange exchange) {
        files(exchange).removeIf(file -> file.content() == null);
    }

    /** The names of the result files, for the log. */
    public List<String> names(@ExchangeProperty(FILES) List<ResultFile> files) {
        return files == null ? List.of() : files.stream().map(ResultFile::name).toList();
    }

    static String contentType(String name) {
        int dot = name.lastIndexOf('.');
        String extension = dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
        return CONTENT_TYPES.getOrDefault(extension, "application/octet-stream");
    }

    @SuppressWarnings("unchecked")
    private static List<ResultFile> files(Exchange exchange) {
        List<ResultFile> files = exchange.getProperty(FILES, List.class);
        if (files == null || files.isEmpty()) {
            throw new IllegalStateException("the event has no result files to deliver");
        }
        return files;
    }

    /** A stream cache is read from its start again, for each destination. */
    private static Object reread(Object content) {
        if (content instanceof StreamCache cache) {
            cache.reset();
        }
        return content;
    }

    private static long lengthOf(Object content) {
        if (content instanceof StreamCache cache) {
            return cache.length();
        }
        if (content instanceof byte[] bytes) {
            return bytes.length;
        }
        if (content instanceof String text) {
            return text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        }
        return -1;
    }

    private static byte[] bytesOf(Object content) throws IOException {
        if (content instanceof byte[] bytes) {
            return bytes;
        }
        if (content instanceof String text) {
            return text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
        if (content instanceof StreamCache cache) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            cache.writeTo(out);
            return out.toByteArray();
        }
        if (content instanceof InputStream in) {
            return in.readAllBytes();
        }
        throw new IOException("a result file of type " + (content == null ? "null" : content.getClass().getName())
                + " cannot be attached");
    }

    /** The mail API's classes, in a class of their own: loaded only for a mail destination (camel-mail). */
    private static final class MailAttachments {

        static void add(AttachmentMessage mail, String name, byte[] bytes, String contentType) {
            mail.addAttachment(name, new jakarta.activation.DataHandler(
                    new jakarta.mail.util.ByteArrayDataSource(bytes, contentType)));
        }
    }
}
