package ai.huma.camel.edge;

/**
 * A webhook request the bundle refuses; its message is safe to send back to the caller, with its
 * status: 400, or 413 for a body over {@code huma.http.max-body-size}.
 */
public class BadWebhookException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;

    public BadWebhookException(String message) {
        this(400, message);
    }

    public BadWebhookException(int status, String message) {
        super(message);
        this.status = status;
    }

    /** The HTTP status of the answer: 400 or 413. */
    public int getStatus() {
        return status;
    }
}
