-- wrk script: POSTs a realistic `rejected` Questions/Computed webhook, a new ticket number per
-- request (the bundle drops repeats of the same delivery, and Huma's real webhooks are each
-- different), tallies the answers by status, and prints one machine-readable BENCH line at the end.
-- The Authorization, Content-Type and (optionally) `Connection: close` headers come from wrk's -H.
--   wrk ... -s webhook.lua <url> -- <run prefix: 8 hex digits> [pause between requests, ms]

local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("thread_id", next_id)
  table.insert(threads, thread)
end

function init(args)
  prefix = args[1] or "00000000"
  pause = tonumber(args[2] or "0")
  counter = 0
  statuses = {}
  if pause > 0 then
    -- only defined when asked for: wrk then waits this long before each request (a light load)
    function delay()
      return pause
    end
  end
end

function request()
  counter = counter + 1
  -- 8 + 4 + 12 = 24 hex digits, unique per run, thread and request
  local ticket = string.format("%s%04x%012x", prefix, thread_id, counter)
  local body = '{"question":"Why did sales drop in the north region in week ' .. (counter % 53) ..
      '?","question_status":"rejected","ticket_number":"' .. ticket .. '"}'
  return wrk.format("POST", nil, nil, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local by_status = {}
  local ok, non2xx = 0, 0
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      by_status[status] = (by_status[status] or 0) + n
      if status >= 200 and status < 300 then ok = ok + n else non2xx = non2xx + n end
    end
  end
  local list = {}
  for status, n in pairs(by_status) do table.insert(list, status .. ":" .. n) end
  table.sort(list)
  local e = summary.errors
  io.write(string.format(
      "BENCH requests=%d duration_us=%d ok=%d non2xx=%d s503=%d p50_us=%d p99_us=%d max_us=%d " ..
      "err_connect=%d err_read=%d err_write=%d err_timeout=%d statuses=%s\n",
      summary.requests, summary.duration, ok, non2xx, by_status[503] or 0,
      latency:percentile(50), latency:percentile(99), latency.max,
      e.connect, e.read, e.write, e.timeout, table.concat(list, ",")))
end
