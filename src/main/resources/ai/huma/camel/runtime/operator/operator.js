// The operator page: reads the JSON of /operator/*.json every 5 s and shows it. Everything shown
// is set as text (never as HTML). The token is kept in this tab's sessionStorage and sent only with
// a replay, in the X-Huma-Management-Token header.
'use strict';
(() => {
  const TOKEN_KEY = 'huma-management-token';
  const $ = (id) => document.getElementById(id);
  const token = $('token');
  token.value = sessionStorage.getItem(TOKEN_KEY) || '';
  token.addEventListener('input', () => sessionStorage.setItem(TOKEN_KEY, token.value));

  async function get(path) {
    const answer = await fetch(path, { cache: 'no-store' });
    if (!answer.ok) {
      throw new Error(path + ': HTTP ' + answer.status);
    }
    return answer.json();
  }

  function time(iso) {
    if (!iso) {
      return '';
    }
    const date = new Date(iso);
    return isNaN(date) ? iso : date.toLocaleString();
  }

  function cell(row, label, text, className) {
    const td = row.insertCell();
    td.dataset.label = label;
    td.textContent = text === null || text === undefined ? '' : String(text);
    if (className) {
      td.className = className;
    }
    return td;
  }

  function rows(table, items, fill) {
    const body = $(table).tBodies[0];
    body.replaceChildren();
    for (const item of items) {
      fill(body.insertRow(), item);
    }
  }

  function showStatus(status) {
    const badge = $('readiness');
    badge.textContent = status.ready ? 'ready' : 'not ready';
    badge.className = 'badge ' + (status.ready ? 'up' : 'down');
    const failing = status.checks.filter((check) => check.state !== 'UP');
    $('why-not').hidden = failing.length === 0;
    const list = $('checks');
    list.replaceChildren();
    for (const check of failing) {
      const item = document.createElement('li');
      const details = Object.entries(check.details || {}).map(([key, value]) => key + ' ' + value).join(', ');
      item.textContent = check.name + ' ' + check.state + (check.message ? ': ' + check.message : '')
        + (check.error ? ' (' + check.error + ')' : '') + (details ? ' [' + details + ']' : '');
      list.appendChild(item);
    }
    rows('queues', status.queues, (row, queue) => {
      cell(row, 'Queue', queue.queue);
      cell(row, 'Event', queue.event);
      cell(row, 'Waiting', queue.depth === null ? 'n/a' : queue.depth, 'number');
      cell(row, 'Capacity', queue.capacity === null ? '' : queue.capacity, 'number');
    });
    const waiting = [];
    if (status.journal_pending !== undefined) {
      waiting.push('journal: ' + status.journal_pending + ' accepted event(s) not finished');
    }
    if (status.broker_pending !== undefined) {
      waiting.push('broker: ' + status.broker_pending + ' event(s) queued or in flight');
    }
    if (status.tickets_waiting !== undefined) {
      waiting.push('tickets waiting for Huma: ' + status.tickets_waiting);
    }
    $('waiting').textContent = waiting.join(' · ');
    $('replay-off').hidden = status.replay_enabled;
    $('token-box').hidden = !status.replay_enabled;
    document.body.classList.toggle('read-only', !status.replay_enabled);
  }

  function showDeadLetters(deadLetters) {
    const list = deadLetters.dead_letters;
    $('dead-letter-count').textContent = deadLetters.total > list.length
      ? '(' + list.length + ' newest of ' + deadLetters.total + ')' : '(' + list.length + ')';
    $('no-dead-letters').hidden = list.length > 0;
    rows('dead-letters', list, (row, letter) => {
      row.dataset.name = letter.name;
      cell(row, 'Failed at', time(letter.failed_at));
      cell(row, 'Event', letter.event);
      cell(row, 'Id', letter.id, 'id');
      cell(row, 'Reason', (letter.http_status ? 'HTTP ' + letter.http_status + ' · ' : '') + (letter.reason || ''), 'reason');
      cell(row, 'Attempts', letter.attempts, 'number');
      cell(row, 'Replays', letter.replays, 'number');
      const action = cell(row, '', '');
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'replay';
      button.textContent = 'Replay';
      button.title = letter.name;
      button.addEventListener('click', () => replay(letter.name, button));
      action.appendChild(button);
    });
  }

  function showEvents(events) {
    const list = events.events;
    $('event-count').textContent = '(' + list.length + (events.recorded > list.length ? ' of ' + events.recorded : '') + ')';
    $('no-events').hidden = list.length > 0;
    rows('events', list, (row, event) => {
      row.dataset.id = event.id || '';
      row.dataset.outcome = event.outcome;
      cell(row, 'Time', time(event.at));
      cell(row, 'Event', event.event);
      cell(row, 'Id', event.id, 'id');
      cell(row, 'Outcome', event.outcome, 'outcome ' + event.outcome.replace(/ /g, '-'));
      cell(row, 'Pages', event.pages, 'number');
      cell(row, 'Records', event.records, 'number');
      let what = event.files.join(', ');
      if (event.destinations.length > 0) {
        what += ' → ' + event.destinations.join(', ');
      }
      if (event.outcome === 'dead letter') {
        what = (event.dead_letter || '') + ': ' + (event.reason || '');
      } else if (event.outcome === 'nothing to fetch') {
        what = 'status ' + (event.reason || '');
      }
      cell(row, 'Files', what, 'files');
      cell(row, 'Trace id', event.trace_id, 'id');
    });
  }

  function say(text, failed) {
    const message = $('message');
    message.textContent = text;
    message.className = failed ? 'failed' : 'done';
  }

  async function replay(name, button) {
    button.disabled = true;
    const headers = {};
    if (token.value.trim()) {
      headers['X-Huma-Management-Token'] = token.value.trim();
    }
    try {
      const answer = await fetch('/operator/dead-letters/' + encodeURIComponent(name) + '/replay',
        { method: 'POST', headers, cache: 'no-store' });
      const body = await answer.json().catch(() => ({}));
      if (answer.ok) {
        say(name + ': moved to the replay folder; its worker takes it within seconds.', false);
      } else {
        say('Replay refused: ' + (body.error || 'HTTP ' + answer.status), true);
      }
    } catch (error) {
      say('Replay failed: ' + error.message, true);
    }
    button.disabled = false;
    refresh();
  }

  async function refresh() {
    try {
      const [status, deadLetters, events] = await Promise.all(
        [get('/operator/status.json'), get('/operator/dead-letters.json'), get('/operator/events.json')]);
      showStatus(status);
      showDeadLetters(deadLetters);
      showEvents(events);
      $('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
    } catch (error) {
      $('updated').textContent = 'could not refresh: ' + error.message;
    }
  }

  refresh();
  setInterval(() => {
    if (!document.hidden) {
      refresh();
    }
  }, 5000);
})();
