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
  // what each part shows now: redrawn only when it changes, so that a row stays put under a finger
  const shown = {};

  async function get(path) {
    const answer = await fetch(path, { cache: 'no-store' });
    if (!answer.ok) {
      throw new Error(path + ': HTTP ' + answer.status);
    }
    return answer.json();
  }

  function changed(part, data) {
    const text = JSON.stringify(data);
    if (shown[part] === text) {
      return false;
    }
    shown[part] = text;
    return true;
  }

  /** Local time as 2026-12-05 14:40:36. */
  function time(iso) {
    const date = new Date(iso || '');
    if (isNaN(date)) {
      return iso || '';
    }
    const two = (n) => String(n).padStart(2, '0');
    return date.getFullYear() + '-' + two(date.getMonth() + 1) + '-' + two(date.getDate()) + ' '
      + two(date.getHours()) + ':' + two(date.getMinutes()) + ':' + two(date.getSeconds());
  }

  function cell(row, label, text, className, title) {
    const td = row.insertCell();
    td.dataset.label = label;
    td.textContent = text === null || text === undefined ? '' : String(text);
    if (className) {
      td.className = className;
    }
    if (title) {
      td.title = title;
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

  function tile(label, value, warn) {
    const box = document.createElement('div');
    box.className = 'tile' + (warn ? ' warn' : '');
    const number = document.createElement('strong');
    number.textContent = value;
    const name = document.createElement('span');
    name.textContent = label;
    box.append(number, name);
    return box;
  }

  function showStatus(status) {
    const badge = $('readiness');
    badge.textContent = status.ready ? 'ready' : 'not ready';
    badge.className = 'badge ' + (status.ready ? 'up' : 'down');
    const failing = status.checks.filter((check) => check.state !== 'UP');
    $('why-not').hidden = failing.length === 0;
    $('checks').replaceChildren(...failing.map((check) => {
      const item = document.createElement('li');
      const details = Object.entries(check.details || {}).map(([key, value]) => key + ' ' + value).join(', ');
      item.textContent = check.name + ' ' + check.state + (check.message ? ': ' + check.message : '')
        + (check.error ? ' (' + check.error + ')' : '') + (details ? ' [' + details + ']' : '');
      return item;
    }));
    const tiles = status.queues.map((queue) => tile(queue.queue + ' queue',
      queue.depth === null ? 'n/a' : queue.depth + (queue.capacity ? ' / ' + queue.capacity : ''),
      queue.capacity && queue.depth >= queue.capacity));
    if (status.journal_pending !== undefined) {
      tiles.push(tile('journal, not finished', status.journal_pending));
    }
    if (status.broker_pending !== undefined) {
      tiles.push(tile('broker, queued or in flight', status.broker_pending));
    }
    if (status.tickets_waiting !== undefined) {
      tiles.push(tile('tickets waiting for Huma', status.tickets_waiting));
    }
    tiles.push(tile('dead letters', status.dead_letters, status.dead_letters > 0));
    $('tiles').replaceChildren(...tiles);
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
      cell(row, 'Failed at', time(letter.failed_at), 'time', letter.name);
      cell(row, 'Event', letter.event);
      cell(row, 'Id', letter.id, 'id');
      cell(row, 'Reason', (letter.http_status ? 'HTTP ' + letter.http_status + ' · ' : '') + (letter.reason || ''), 'reason');
      cell(row, 'Attempts', letter.attempts, 'number');
      cell(row, 'Replays', letter.replays, 'number');
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'replay';
      button.textContent = 'Replay';
      button.title = 'Move ' + letter.name + ' into the replay folder';
      button.addEventListener('click', () => replay(letter.name, button));
      cell(row, '', '').appendChild(button);
    });
  }

  function shortReason(reason) {
    return reason && reason.length > 140 ? reason.slice(0, 140) + '…' : reason || '';
  }

  function showEvents(events) {
    const list = events.events;
    $('event-count').textContent = '(' + list.length + (events.recorded > list.length ? ' of ' + events.recorded : '') + ')';
    $('no-events').hidden = list.length > 0;
    rows('events', list, (row, event) => {
      row.dataset.id = event.id || '';
      row.dataset.outcome = event.outcome;
      cell(row, 'Time', time(event.at), 'time');
      cell(row, 'Event', event.event);
      cell(row, 'Id', event.id, 'id');
      cell(row, 'Outcome', event.outcome, 'outcome ' + event.outcome.replace(/ /g, '-'));
      cell(row, 'Pages', event.pages, 'number');
      cell(row, 'Records', event.records, 'number');
      let what = event.files.join(', ');
      let full = what;
      if (event.destinations.length > 0) {
        // the endpoint without its options on the page; all of it (masked) in the tooltip and the JSON
        what += ' → ' + event.destinations.map((uri) => uri.split('?')[0]).join(', ');
        full += ' → ' + event.destinations.join(', ');
      }
      if (event.outcome === 'dead letter') {
        what = shortReason(event.reason);
        full = (event.dead_letter || '') + ': ' + (event.reason || '');
      } else if (event.outcome === 'nothing to fetch') {
        what = full = 'status ' + (event.reason || '');
      }
      cell(row, 'Files', what, 'files', full);
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
      delete status.generated_at;
      if (changed('status', status)) {
        showStatus(status);
      }
      if (changed('deadLetters', deadLetters)) {
        showDeadLetters(deadLetters);
      }
      if (changed('events', events)) {
        showEvents(events);
      }
      $('updated').textContent = 'updated ' + time(new Date().toISOString()).slice(11);
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
