package ai.huma.camel;

import org.apache.camel.main.Main;

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
        if (exitCode != 0) {
            System.exit(exitCode);
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
