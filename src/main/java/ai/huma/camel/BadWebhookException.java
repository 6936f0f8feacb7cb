package ai.huma.camel;

/** A webhook request the bundle refuses; its message is safe to send back to the caller. */
public class BadWebhookException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public BadWebhookException(String message) {
        super(message);
    }
}
