package ai.huma.camel.settings;

import java.util.List;
import java.util.stream.Collectors;

/** Every problem of the settings, in one message: one line, or a list when there are several. */
public class InvalidSettingsException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public InvalidSettingsException(List<String> problems) {
        super(problems.size() == 1 ? problems.get(0)
                : problems.size() + " settings are missing or invalid:" + problems.stream()
                        .map(problem -> System.lineSeparator() + "  - " + problem).collect(Collectors.joining()));
    }
}
