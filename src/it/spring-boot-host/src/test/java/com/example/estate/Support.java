package com.example.estate;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import ai.huma.camel.simulator.HumaSimulator;
import ai.huma.camel.simulator.SimulatedWebhooks;
import ai.huma.camel.simulator.SimulatedWebhooks.Kind;
import ai.huma.camel.simulator.SimulatedWebhooks.Webhook;

/** What the tests share: a simulated Huma API, its webhooks, and folders of their own under target/. */
final class Support {

    private Support() {
    }

    /** A simulated Huma API on a free loopback port. */
    static HumaSimulator simulator() {
        try {
            return new HumaSimulator();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A new, empty folder under target/ (removed by mvn clean, kept for a look after a failure). */
    static Path folderUnderTarget(String prefix) {
        try {
            Path target = Files.createDirectories(Path.of("target", "test-work"));
            return Files.createTempDirectory(target, prefix).toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A webhook of that kind with a new id. A question's result file is named after its question (the
     * Huma SDK's rule), so each question asked here is a question of its own.
     */
    static Webhook webhook(Kind kind) {
        String id = SimulatedWebhooks.newId();
        return SimulatedWebhooks.webhook(kind, id, "What were the sales of ticket " + id);
    }
}
