package ai.huma.camel.ask;

/**
 * A request to ask Huma that cannot be sent (not JSON, no question, a visual of an unknown type):
 * never retried, it becomes a dead letter with this message as its reason, and nothing is sent.
 */
public class BadAskRequestException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public BadAskRequestException(String message) {
        super(message);
    }
}
