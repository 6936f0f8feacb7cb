package ai.huma.camel.fetch;

/**
 * Something Huma sent (a webhook field or an API answer) that the bundle will not use: an id that
 * is not a plain id, a download link that is not http(s), a page without its records. Its message
 * names the field and quotes the value only in a printable, bounded form.
 */
public class BadHumaPayloadException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public BadHumaPayloadException(String message) {
        super(message);
    }
}
