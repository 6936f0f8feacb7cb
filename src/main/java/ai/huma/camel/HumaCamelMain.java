package ai.huma.camel;

import org.apache.camel.main.Main;
import sun.misc.Signal;

/**
 * Starts the bundle with Camel Main: {@code application.properties} and {@code routes/} are read
 * from the working directory, so a user edits them and restarts without rebuilding.
 */
public final class HumaCamelMain {

    /** Where the bundle's configuration lives, relative to the working directory. */
    static final String PROPERTIES_LOCATION = "file:application.properties";

    private HumaCamelMain() {
    }

    public static void main(String[] args) throws Exception {
        Main main = new Main(HumaCamelMain.class);
        main.setPropertyPlaceholderLocations(PROPERTIES_LOCATION);
        stopGracefullyOn(main, "TERM");
        stopGracefullyOn(main, "INT");
        int exitCode;
        try {
            exitCode = main.run(args);
        } catch (RuntimeException e) {
            Throwable cause = rootCause(e);
            if (!(cause instanceof IllegalArgumentException)) {
                throw e;
            }
            // a setting is missing or wrong: say which, without a page of stack trace
            System.err.println("huma-camel did not start: " + cause.getMessage());
            exitCode = 1;
        }
        System.exit(exitCode);
    }

    /**
     * SIGTERM (and Ctrl+C) ask Camel Main to finish: the routes drain within the shutdown timeout
     * and the process exits with Camel's exit code, 0 after a clean stop. Left to the JVM, the
     * signal would end the process with 143 even after a clean drain.
     */
    private static void stopGracefullyOn(Main main, String signal) {
        try {
            Signal.handle(new Signal(signal), received -> main.completed());
        } catch (IllegalArgumentException e) {
            // the signal is not available on this platform: the JVM's own handling applies
        }
    }

    private static Throwable rootCause(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause;
    }
}
