package ai.huma.camel.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The soak's accounting (bench/soak.sh): every ticket SoakClient got a 200 for must end as a complete
 * result file (every record of SoakHumaApi's answer, rows 1..n in order, of that ticket) or as a
 * readable dead letter holding its payload; anything else is LOST.
 * <p>
 * Usage: {@code SoakAccount <tickets.tsv> <kills file> <output dir>[:<output dir>...] <report dir> <console log>... -- <dead-letter dir>...};
 * several output folders (one per instance, separated by {@code :}) count as one: a result in any of
 * them is the ticket's. The kills file holds one line per SIGKILL: its epoch ms and, optionally, the
 * instance and the console log of the process killed ({@code <ms> <instance> <log file name>}), so
 * that each lost ticket can be set against the kill that followed its 200, and each ticket worked
 * twice against the kill that cut its first working short.
 * Reads the result files, the dead letters ({@code *.json} directly in each folder given) and the
 * bundle's console logs (for the tickets worked more than once: the {@code Questions/Computed <ticket>:
 * N page(s)} lines of huma-deliver, with their time); prints {@code key=value} lines and writes the tickets behind each
 * count to the report folder ({@code lost.tsv}, {@code worked-twice.tsv}, {@code incomplete.tsv},
 * {@code unreadable-dead-letters.txt}).
 * <p>
 * Worked twice: a SIGKILL that lands after an event's result is written and before the broker or the
 * journal has it as done gives the event to a worker again, which writes the same result again (docs/queues.md,
 * "an event cut between writing its result and being done"). A second working is put down to a kill
 * when the process that logged the first was SIGKILLed between the two lines. Each worker works one
 * event at a time, so a kill can cut at most one event per worker of the queue ({@code -Dsoak.workers},
 * huma.workers, 4): the allowance. Every other second working (none of the killed process's, or more
 * events at one kill than it has workers) is beyond it; the count beyond one event a kill is given too.
 */
public final class SoakAccount {

    private static final Pattern WORKED = Pattern.compile("Questions/Computed ([0-9a-f]{24}): (\\d+) page\\(s\\), (\\d+) record\\(s\\)");
    /** The time at the start of a console line, local time (the bundle's log pattern). */
    private static final Pattern LINE_TIME = Pattern.compile("^(\\d{4}-\\d{2}-\\d{2}) (\\d{2}:\\d{2}:\\d{2}\\.\\d{3})");
    /** A kill recorded just after the signal may read a few ms later than a line the other instance logged. */
    private static final long KILL_SLACK_MS = 200;
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Ticket(long n, String ticket, boolean acked, String answers, String repeat, String file, int records,
            long ackedAt) {
    }

    /** One working of a ticket: when its result line was logged (epoch ms, -1 if unknown), and by which process's log. */
    private record Work(long at, String log) {
    }

    public static void main(String[] args) throws Exception {
        Path ticketsFile = Path.of(args[0]);
        List<Long> kills = new ArrayList<>();
        Map<String, Long> killOfLog = new HashMap<>();
        for (String line : Files.readAllLines(Path.of(args[1]))) {
            String[] f = line.strip().split("\\s+");
            if (f[0].isEmpty()) {
                continue;
            }
            kills.add(Long.parseLong(f[0]));
            if (f.length >= 3) {
                killOfLog.put(f[2], Long.parseLong(f[0]));
            }
        }
        kills.sort(null);
        List<Path> outputs = new ArrayList<>();
        for (String dir : args[2].split(":")) {
            if (!dir.isEmpty()) {
                outputs.add(Path.of(dir));
            }
        }
        Path report = Path.of(args[3]);
        List<Path> logs = new ArrayList<>();
        List<Path> deadLetterDirs = new ArrayList<>();
        boolean dead = false;
        for (int i = 4; i < args.length; i++) {
            if (args[i].equals("--")) {
                dead = true;
            } else {
                (dead ? deadLetterDirs : logs).add(Path.of(args[i]));
            }
        }
        Files.createDirectories(report);

        List<Ticket> tickets = new ArrayList<>();
        for (String line : Files.readAllLines(ticketsFile, StandardCharsets.UTF_8)) {
            String[] f = line.split("\t");
            if (f[0].equals("n")) {
                continue;
            }
            tickets.add(new Ticket(Long.parseLong(f[0]), f[1], f[2].equals("1"), f[4], f[5], f[6], Integer.parseInt(f[7]),
                    Long.parseLong(f[8])));
        }

        // the dead letters: ticket -> files; the unreadable ones apart
        Map<String, List<Path>> deadLetters = new HashMap<>();
        List<String> unreadable = new ArrayList<>();
        int deadLetterFiles = 0;
        int foreign = 0;
        Map<String, Ticket> byTicket = new HashMap<>();
        tickets.forEach(t -> byTicket.put(t.ticket(), t));
        for (Path dir : deadLetterDirs) {
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> files = Files.list(dir)) {
                for (Path file : files.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList()) {
                    deadLetterFiles++;
                    String why = null;
                    String ticket = null;
                    try {
                        JsonNode record = JSON.readTree(file.toFile());
                        JsonNode payload = record.path("payload");
                        if (payload.isTextual()) {
                            payload = JSON.readTree(payload.asText());
                        }
                        ticket = payload.path("ticket_number").asText(null);
                        Ticket sent = ticket == null ? null : byTicket.get(ticket);
                        if (!"Questions/Computed".equals(record.path("event").asText())) {
                            why = "event is " + record.path("event");
                        } else if (ticket == null) {
                            why = "no payload.ticket_number";
                        } else if (sent == null) {
                            foreign++;
                            continue;
                        } else if (!("soak " + ticket).equals(payload.path("question").asText())
                                || !"succeeded".equals(payload.path("question_status").asText())) {
                            why = "payload differs from the webhook sent: " + payload;
                        } else if (record.path("reason").asText("").isEmpty() || !record.path("attempts").isNumber()) {
                            why = "no reason or attempts";
                        }
                    } catch (IOException e) {
                        why = "not JSON: " + e.getMessage().lines().findFirst().orElse("");
                    }
                    if (why != null) {
                        unreadable.add(file + "\t" + why);
                    } else {
                        deadLetters.computeIfAbsent(ticket, k -> new ArrayList<>()).add(file);
                    }
                }
            }
        }

        // how often each ticket's result was fetched, when and by which process, from the bundle's own lines
        Map<String, List<Work>> worked = new HashMap<>();
        // the logs of each instance (1 for bundle-NNN.log, I for bundle-I-NNN.log) by the time of their first line
        Map<Integer, TreeMap<Long, String>> logsOfInstance = new HashMap<>();
        for (Path log : logs) {
            String name = log.getFileName().toString();
            long[] first = {-1};
            try (Stream<String> lines = Files.lines(log, StandardCharsets.ISO_8859_1)) {
                lines.forEach(line -> {
                    if (first[0] < 0) {
                        first[0] = time(line);
                    }
                    Matcher m = WORKED.matcher(line);
                    if (m.find()) {
                        worked.computeIfAbsent(m.group(1), k -> new ArrayList<>()).add(new Work(time(line), name));
                    }
                });
            }
            if (first[0] >= 0) {
                logsOfInstance.computeIfAbsent(instance(name), k -> new TreeMap<>()).put(first[0], name);
            }
        }
        // a result file in an instance's folder with no line of that instance: written, and the process killed
        // before it logged the line; another working followed (else there would be a line). That working
        // counts too, at the file's time, by the process of that instance running then
        for (Ticket t : tickets) {
            for (int i = 0; i < outputs.size(); i++) {
                Path file = outputs.get(i).resolve(t.file());
                int instance = i + 1;
                List<Work> works = worked.getOrDefault(t.ticket(), List.of());
                if (!Files.exists(file) || works.stream().anyMatch(w -> instance(w.log()) == instance)) {
                    continue;
                }
                long at = Files.getLastModifiedTime(file).toMillis();
                TreeMap<Long, String> byStart = logsOfInstance.get(instance);
                Map.Entry<Long, String> running = byStart == null ? null : byStart.floorEntry(at);
                if (running != null && !works.isEmpty()) {
                    worked.computeIfAbsent(t.ticket(), k -> new ArrayList<>()).add(new Work(at, running.getValue() + " (its file, no line)"));
                }
            }
        }
        // each second (third...) working: put down to the kill of the process that logged the one before, or not
        Map<String, Integer> cutByKill = new TreeMap<>();
        Map<String, String> twiceWhy = new HashMap<>();
        int twiceAfterKill = 0;
        int twiceWithoutKill = 0;
        for (Map.Entry<String, List<Work>> entry : worked.entrySet()) {
            List<Work> works = entry.getValue();
            if (works.size() < 2) {
                continue;
            }
            works.sort((a, b) -> Long.compare(a.at(), b.at()));
            List<String> why = new ArrayList<>();
            boolean allAfterKill = true;
            for (int i = 1; i < works.size(); i++) {
                Work before = works.get(i - 1);
                Work again = works.get(i);
                Long kill = killOfLog.get(before.log().replace(" (its file, no line)", ""));
                if (kill != null && before.at() >= 0 && again.at() >= 0 && before.at() <= kill && kill <= again.at() + KILL_SLACK_MS) {
                    cutByKill.merge(before.log().replace(" (its file, no line)", ""), 1, Integer::sum);
                    why.add(again.log() + " after the SIGKILL of " + before.log() + " (" + (kill - before.at()) + " ms after it)");
                } else {
                    allAfterKill = false;
                    why.add(again.log() + " after " + before.log() + ", no SIGKILL of it in between");
                }
            }
            if (allAfterKill) {
                twiceAfterKill++;
            } else {
                twiceWithoutKill++;
            }
            twiceWhy.put(entry.getKey(), String.join("; ", why));
        }
        int unexcusedWorkings = 0;
        for (List<Work> works : worked.values()) {
            unexcusedWorkings += Math.max(0, works.size() - 1);
        }
        int workers = Integer.getInteger("soak.workers", 4);
        int mostAtOneKill = 0;
        int beyondOneAtKill = 0;
        int beyondWorkersAtKill = 0;
        for (int n : cutByKill.values()) {
            unexcusedWorkings -= n;
            mostAtOneKill = Math.max(mostAtOneKill, n);
            beyondOneAtKill += Math.max(0, n - 1);
            beyondWorkersAtKill += Math.max(0, n - workers);
        }
        int beyondAllowance = unexcusedWorkings + beyondWorkersAtKill;

        int acked = 0;
        int results = 0;
        int deadLettered = 0;
        int lost = 0;
        int incomplete = 0;
        int resultsNotAcked = 0;
        int resultsInTwoFolders = 0;
        int deadLettersNotAcked = 0;
        int twice = 0;
        int twiceRepeated = 0;
        int twiceRetried = 0;
        Map<String, Integer> lostByAnswers = new TreeMap<>();
        long lostGapMin = Long.MAX_VALUE;
        long lostGapMax = -1;
        int lostNoKillAfter = 0;
        try (PrintWriter lostOut = writer(report.resolve("lost.tsv"));
                PrintWriter twiceOut = writer(report.resolve("worked-twice.tsv"));
                PrintWriter incompleteOut = writer(report.resolve("incomplete.tsv"))) {
            lostOut.println("n\tticket\tanswers\trepeat\tfile\tms from its 200 to the next SIGKILL");
            twiceOut.println("n\tticket\ttimes\tacked\tanswers\trepeat\tworked again");
            incompleteOut.println("n\tticket\tfile\twhat is wrong");
            for (Ticket t : tickets) {
                String problem = "missing";
                int copies = 0;
                for (Path output : outputs) {
                    Path file = output.resolve(t.file());
                    if (Files.exists(file)) {
                        copies++;
                        String wrong = check(file, t);
                        // a complete copy is the ticket's result; a wrong one is reported unless a complete one is found
                        problem = problem == null ? null : wrong;
                    }
                }
                resultsInTwoFolders += copies > 1 ? 1 : 0;
                boolean complete = problem == null;
                boolean hasDeadLetter = deadLetters.containsKey(t.ticket());
                if (!complete && !problem.equals("missing")) {
                    incomplete++;
                    incompleteOut.println(t.n() + "\t" + t.ticket() + "\t" + t.file() + "\t" + problem);
                }
                int times = worked.getOrDefault(t.ticket(), List.of()).size();
                if (times > 1) {
                    twice++;
                    if (!t.repeat().equals("-")) {
                        twiceRepeated++;
                    }
                    if (t.answers().contains(",")) {
                        twiceRetried++;
                    }
                    twiceOut.println(t.n() + "\t" + t.ticket() + "\t" + times + "\t" + (t.acked() ? 1 : 0) + "\t" + t.answers() + "\t" + t.repeat()
                            + "\t" + twiceWhy.get(t.ticket()));
                }
                if (!t.acked()) {
                    resultsNotAcked += complete ? 1 : 0;
                    deadLettersNotAcked += hasDeadLetter ? 1 : 0;
                    continue;
                }
                acked++;
                if (complete) {
                    results++;
                } else if (hasDeadLetter) {
                    deadLettered++;
                } else {
                    lost++;
                    lostByAnswers.merge(t.answers(), 1, Integer::sum);
                    long gap = kills.stream().filter(k -> k >= t.ackedAt()).findFirst().map(k -> k - t.ackedAt()).orElse(-1L);
                    if (gap < 0) {
                        lostNoKillAfter++;
                    } else {
                        lostGapMin = Math.min(lostGapMin, gap);
                        lostGapMax = Math.max(lostGapMax, gap);
                    }
                    lostOut.println(t.n() + "\t" + t.ticket() + "\t" + t.answers() + "\t" + t.repeat() + "\t" + t.file() + "\t"
                            + (gap < 0 ? "no kill after it" : gap));
                }
            }
        }
        Files.write(report.resolve("unreadable-dead-letters.txt"), unreadable, StandardCharsets.UTF_8);

        System.out.println("acked=" + acked);
        System.out.println("acked_results=" + results);
        System.out.println("acked_dead_letters=" + deadLettered);
        System.out.println("lost=" + lost);
        System.out.println("lost_by_answers=" + lostByAnswers);
        System.out.println("lost_to_next_kill_ms=" + (lostGapMax < 0 ? "-" : lostGapMin + "-" + lostGapMax));
        System.out.println("lost_without_kill_after=" + lostNoKillAfter);
        System.out.println("incomplete_results=" + incomplete);
        System.out.println("results_not_acked=" + resultsNotAcked);
        System.out.println("dead_letters_not_acked=" + deadLettersNotAcked);
        System.out.println("dead_letter_files=" + deadLetterFiles);
        System.out.println("dead_letters_foreign=" + foreign);
        System.out.println("unreadable_dead_letters=" + unreadable.size());
        System.out.println("worked_twice=" + twice);
        System.out.println("worked_twice_repeated=" + twiceRepeated);
        System.out.println("worked_twice_retried=" + twiceRetried);
        System.out.println("worked_twice_after_kill=" + twiceAfterKill);
        System.out.println("worked_twice_without_kill=" + twiceWithoutKill);
        System.out.println("worked_twice_most_at_one_kill=" + mostAtOneKill);
        System.out.println("worked_twice_beyond_allowance=" + beyondAllowance);
        System.out.println("worked_twice_allowance_per_kill=" + workers);
        System.out.println("worked_twice_beyond_one_at_a_kill=" + (unexcusedWorkings + beyondOneAtKill));
        System.out.println("results_in_two_folders=" + resultsInTwoFolders);
        System.out.println("worked_lines=" + worked.values().stream().mapToInt(List::size).sum());
    }

    /** The instance of a console log: I for bundle-I-NNN.log, else 1. */
    private static int instance(String log) {
        Matcher m = Pattern.compile("^bundle-(\\d+)-\\d+[.]log").matcher(log);
        return m.find() ? Integer.parseInt(m.group(1)) : 1;
    }

    /** The epoch ms of a console line's time (local time), or -1. */
    private static long time(String line) {
        Matcher m = LINE_TIME.matcher(line);
        if (!m.find()) {
            return -1;
        }
        return LocalDateTime.parse(m.group(1) + "T" + m.group(2)).atZone(ZoneId.systemDefault()).toInstant().toEpochMilli();
    }

    /** Null when the file holds exactly the ticket's records, rows 1..n in order; else what is wrong. */
    private static String check(Path file, Ticket t) {
        try {
            JsonNode result = JSON.readTree(file.toFile());
            JsonNode data = result.path("answer").path("data");
            if (!data.isArray()) {
                return "no answer.data";
            }
            if (data.size() != t.records()) {
                return data.size() + " records of " + t.records();
            }
            for (int i = 0; i < data.size(); i++) {
                JsonNode row = data.get(i);
                if (row.path("row").asInt() != i + 1 || !t.ticket().equals(row.path("owner").asText())) {
                    return "record " + (i + 1) + " is " + row;
                }
            }
            if (!t.ticket().equals(result.path("ticket_number").asText())) {
                return "ticket_number " + result.path("ticket_number");
            }
            return null;
        } catch (IOException e) {
            return "not JSON: " + e.getMessage().lines().findFirst().orElse("");
        }
    }

    private static PrintWriter writer(Path path) throws IOException {
        return new PrintWriter(Files.newBufferedWriter(path, StandardCharsets.UTF_8));
    }

    private SoakAccount() {
    }
}
