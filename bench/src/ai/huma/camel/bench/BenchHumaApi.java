package ai.huma.camel.bench;

import java.nio.charset.StandardCharsets;

import ai.huma.camel.simulator.HumaSimulator;

/**
 * The fake Huma API of the tests, with the data the end-to-end run needs: {@code count} computed
 * questions {@link #ticket}(0..count-1), each answer {@code records} rows long (5 pages at the
 * default limit of 100 for 500 rows), next to the README's sample question, subscription and visual.
 * The fake API serves only the tickets it was given (any other is a 404), and its own main gives
 * one, hence this wrapper. Prints {@code API_URL=...} and {@code API_SECRET_KEY=...}, then serves
 * until stopped. Usage: {@code BenchHumaApi <count> <records>}.
 */
public final class BenchHumaApi {

    /** The ticket number of bench question {@code i}: 24 hex digits, as Huma's are. */
    public static String ticket(int i) {
        return String.format("5eed%020x", i);
    }

    public static void main(String[] args) throws Exception {
        int count = Integer.parseInt(args[0]);
        int records = Integer.parseInt(args[1]);
        HumaSimulator api = new HumaSimulator();
        for (int i = 0; i < count; i++) {
            api.question(ticket(i), records);
        }
        api.question("65a1b2c3d4e5f60718293a4b", 250);
        api.subscription("6601a2b3c4d5e6f708192a3b", 120);
        api.visual("6702b3c4d5e6f708192a3b4c", "pdf", "%PDF-1.4 fake visual\n".getBytes(StandardCharsets.US_ASCII));
        System.out.println("API_URL=" + api.baseUrl());
        System.out.println("API_SECRET_KEY=" + api.apiKey());
        System.out.println("BENCH_QUESTIONS=" + count + "x" + records);
    }
}
