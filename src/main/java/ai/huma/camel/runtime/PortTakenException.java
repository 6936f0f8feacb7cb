package ai.huma.camel.runtime;

/**
 * A server of the standalone jar could not listen because its port is taken: the message names the
 * port, the interface and the setting to change, and is what the jar prints when it does not start.
 */
public final class PortTakenException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public PortTakenException(String host, int port, String setting, String variable, Throwable cause) {
        super("Address already in use: another process listens on port " + port + " of " + host + " (" + setting + ", "
                + variable + ")", cause);
    }
}
