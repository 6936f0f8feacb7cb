package ai.huma.camel.fetch;

import java.io.IOException;

/**
 * An answer (of the Huma API, a download, or the merged pages of one result) past its configured
 * size. Asking again would bring the same bytes, so it is never retried: the event becomes a dead
 * letter whose reason names the limit. An {@link IOException} because it is thrown while a stream
 * is read.
 */
public class AnswerTooLargeException extends IOException {

    private static final long serialVersionUID = 1L;

    public AnswerTooLargeException(String message) {
        super(message);
    }
}
