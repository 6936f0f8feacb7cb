package ai.huma.camel.ask;

/** A ticket that had neither webhook nor a finished status within huma.reconcile.give-up: a dead letter. */
public class TicketGivenUpException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public TicketGivenUpException(String message) {
        super(message);
    }
}
