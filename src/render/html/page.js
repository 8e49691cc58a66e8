// eslab's page: draws the step asked for from the data eslab embedded. Every word and every
// state comes from that data (eslab's narration and its fold of the log); this script only
// looks them up and puts them in the page, always as text (textContent), never as markup.
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('eslab-data').textContent);
  var L = data.labels;
  var steps = data.steps;
  var events = data.events;
  var total = steps.length;
  var $ = function (id) { return document.getElementById(id); };
  var markIndex = function (name) { return data.marks.indexOf(name); };
  var OVERWRITTEN = data.symbols[markIndex('overwritten')];

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  function markClass(i) { return 'm-' + data.marks[i].replace(/_/g, '-'); }

  // Narrated lines, each with its legend mark as a class (the symbol is in the text).
  function fillLines(box, lines) {
    var nodes = lines.map(function (line) {
      return el('div', line[0] === null ? 'line' : 'line ' + markClass(line[0]), line[1]);
    });
    box.replaceChildren.apply(box, nodes);
  }

  // A table of rows of text; `changed` marks one row and the old values it overwrote.
  function fillTable(table, columns, rows, changed, emptyText) {
    var columnsKey = columns.join('\u0000');
    if (table.eslabColumns !== columnsKey) {
      // The columns changed (a migration added one): the table is drawn afresh.
      table.replaceChildren();
      table.eslabColumns = columnsKey;
    }
    if (!table.tHead) {
      var head = table.createTHead().insertRow();
      // A column name may wrap after an underscore (unit_price_cents), never mid-word.
      columns.forEach(function (c) { head.appendChild(el('th', null, c.replace(/_/g, '_\u200b'))); });
      table.appendChild(el('tbody'));
    }
    var body = table.tBodies[0];
    if (rows.length === 0) {
      var empty = el('td', 'empty', emptyText);
      empty.colSpan = columns.length;
      var tr0 = el('tr');
      tr0.appendChild(empty);
      body.replaceChildren(tr0);
      return;
    }
    if (body.rows.length && body.rows[0].cells[0].className === 'empty') body.replaceChildren();
    while (body.rows.length > rows.length) body.lastElementChild.remove();
    rows.forEach(function (cells, i) {
      cells = columns.map(function (c, j) { return cells[j] === undefined ? '' : cells[j]; });
      var tr = body.rows[i] || body.appendChild(el('tr'));
      var hit = changed && changed.i === i ? changed : null;
      var key = cells.join('\u0000') + (hit ? '\u0001' + JSON.stringify(hit.old || []) + hit.cls : '');
      if (tr.eslabKey === key) return;
      tr.eslabKey = key;
      tr.className = hit ? hit.cls : '';
      var old = {};
      (hit && hit.old || []).forEach(function (o) { old[o[0]] = o[1]; });
      tr.replaceChildren.apply(tr, cells.map(function (text, j) {
        var td = el('td');
        td.dataset.label = columns[j];
        if (Object.prototype.hasOwnProperty.call(old, j)) {
          td.className = 'overwritten';
          td.append(el('s', 'old', old[j]), ' ' + OVERWRITTEN + ' ', el('span', 'new', text));
        } else {
          td.textContent = text;
        }
        return td;
      }));
    });
  }

  // The CRUD table after step n: each step's INSERT or UPDATE, as eslab recorded it, and
  // each migration's default filled into every row there was.
  function crudRows(n) {
    var rows = [];
    for (var k = 0; k < n; k++) {
      var r = steps[k].row;
      if (r) rows[r.i] = r.cells;
      var fill = steps[k].fill;
      if (fill) {
        rows = rows.map(function (cells) {
          cells = cells.slice();
          cells[fill[0]] = fill[1];
          return cells;
        });
      }
    }
    return rows;
  }

  // OrderView after `count` events: each order's state as of its last event (computed by
  // eslab with the domain's apply), in the order the orders first appear.
  function viewRows(count) {
    var byOrder = new Map();
    for (var k = 0; k < count; k++) {
      var e = events[k];
      if (e.state) byOrder.set(e.order, e.state);
    }
    var rows = [];
    byOrder.forEach(function (state, order) { rows.push([order].concat(state)); });
    return rows;
  }

  function eventItem(k) {
    var e = events[k];
    var li = el('li', 'event');
    var button = el('button', 'event-button');
    button.type = 'button';
    button.dataset.event = String(e.id);
    button.dataset.index = String(k);
    e.lines.forEach(function (text, j) {
      var line = el('span', j === 0 ? 'head m-appended' : 'attr', text);
      // The + is shown on the events of the step shown only (class `new` on the item).
      if (j === 0) line.prepend(el('span', 'plus', data.symbols[markIndex('appended')] + ' '));
      button.appendChild(line);
    });
    // Shown on the event where the latest snapshot was taken (class `snapshot` on the item).
    button.appendChild(el('span', 'snapshot-here', L.snapshot_here));
    li.appendChild(button);
    return li;
  }

  // ------------------------------------------------------------------------------------
  // One step, drawn into a set of boxes (the live page's, or a printed page's).

  // The step: its command and question, and once shown, its note, verdicts and flags.
  function drawAbout(boxes, n, shown) {
    var s = steps[n - 1];
    boxes.number.textContent = L.step + ' ' + n + ' ' + L.of + ' ' + total;
    boxes.flags.replaceChildren.apply(boxes.flags, (shown ? s.flags : []).map(function (i) {
      var f = el('span', 'flag ' + markClass(i), data.symbols[i]);
      f.title = data.meanings[i];
      return f;
    }));
    fillLines(boxes.ask, s.ask);
    if (boxes.ask.firstChild) boxes.ask.firstChild.classList.add('action');
    fillLines(boxes.about, shown ? s.about : []);
  }

  // The columns of the CRUD table after step k: one a migration added shows from its step.
  function crudColumns(k) {
    return data.crud_columns.filter(function (c, j) { return data.crud_column_from[j] <= Math.max(k, 1); });
  }

  // What a design said, right under the step (eslab chose it: see `payoff` in html.rs).
  function payoff(side) {
    return side ? side.payoff || side.answer : [];
  }

  // The panes for step n: as they stood after it once shown, as they stood before it while
  // it is asked (step k = n - 1, 0 before the first).
  function drawSides(boxes, n, shown) {
    var s = steps[n - 1];
    var k = shown ? n : n - 1;
    var crud = shown ? s.crud : null;
    var es = shown ? s.es : null;
    if (data.has_crud) {
      var row = shown && s.row ? { i: s.row.i, old: s.row.old, cls: s.row.old ? 'changed updated' : 'changed inserted' } : null;
      fillTable(boxes.crudTable, crudColumns(k), crudRows(k), row, L.no_rows);
      fillLines(boxes.crudStorage, crud ? crud.storage : []);
      if (boxes.crudStorageBlock) boxes.crudStorageBlock.hidden = !shown;
      fillLines(boxes.crudAnswer, payoff(crud));
    }
    if (data.has_es) {
      fillLines(boxes.esStorage, es ? es.storage : []);
      // Events appended here are in the log, marked new: said once.
      if (boxes.esStorageBlock) {
        boxes.esStorageBlock.hidden = !shown || !!(es && es.in_log && es.storage.length === 0);
      }
      fillLines(boxes.esAnswer, payoff(es));
      drawView(boxes, k, shown ? n : null);
    }
  }

  // OrderView after step k (0: before the first); `n` marks the order step n changed.
  function drawView(boxes, k, n) {
    var view = k > 0 ? steps[k - 1].view : 0;
    if (view === null) {
      boxes.checkpoint.textContent = L.view_down;
      boxes.checkpoint.className = 'checkpoint m-view-down';
      fillTable(boxes.viewTable, data.view_columns, [], null, L.view_down);
      return;
    }
    boxes.checkpoint.className = 'checkpoint';
    boxes.checkpoint.textContent = view > 0
      ? '(' + L.checkpoint + ' ' + events[view - 1].ref + ')'
      : L.view_empty;
    var changed = null;
    var here = n !== null && view > 0 && events[view - 1].step === n ? events[view - 1].order : null;
    var rows = viewRows(view);
    if (here !== null) {
      rows.forEach(function (r, i) { if (r[0] === here) changed = { i: i, old: [], cls: 'changed' }; });
    }
    fillTable(boxes.viewTable, data.view_columns, rows, changed, L.no_rows);
  }

  // ------------------------------------------------------------------------------------
  // The live page.

  var live = {
    crudTable: $('crud-table'), crudStorage: $('crud-storage'), crudStorageBlock: $('crud-storage-block'), crudAnswer: $('crud-answer'),
    esStorage: $('es-storage'), esStorageBlock: $('es-storage-block'), esAnswer: $('es-answer'), checkpoint: $('checkpoint'),
    viewTable: $('view-table')
  };
  var logBox = $('log');
  var logItems = [];
  var marked = [];
  var slider = $('slider');
  var position = $('position');
  var current = 0;
  // Whether step `current` is shown whole, or asked (its question, the panes as before it).
  var revealed = true;
  // Each step asked first, then shown: the room answers before it sees.
  var askFirst = true;
  var selected = null;

  function drawLog(n, shown) {
    var k = shown ? n : n - 1;
    var count = k > 0 ? steps[k - 1].log : 0;
    while (logBox.children.length > count) logBox.lastElementChild.remove();
    while (logBox.children.length < count) {
      var k = logBox.children.length;
      logBox.appendChild(logItems[k] || (logItems[k] = eventItem(k)));
    }
    marked.forEach(function (li) { li.classList.remove('new', 'newest', 'snapshot'); });
    marked = [];
    var snapshot = k > 0 ? steps[k - 1].snapshot : undefined;
    for (var k3 = 0; snapshot !== undefined && k3 < count; k3++) {
      if (events[k3].id === snapshot) {
        logItems[k3].classList.add('snapshot');
        marked.push(logItems[k3]);
      }
    }
    // Only the events this step appended are new, the last of them the newest (◀).
    for (var k2 = count - 1; shown && k2 >= 0 && events[k2].step === n; k2--) {
      logItems[k2].classList.add('new');
      marked.push(logItems[k2]);
    }
    if (shown && count > 0 && events[count - 1].step === n) logItems[count - 1].classList.add('newest');
    if (count > 0) toBottom(8);
  }

  // The log scrolled to its last event. Events off screen are sized by estimate until drawn
  // (content-visibility), so the bottom moves as they are: scroll again for a few frames.
  var scrollFrames = 0;
  function toBottom(frames) {
    var again = scrollFrames === 0;
    scrollFrames = frames;
    if (!again) return;
    (function scroll() {
      logBox.scrollTop = logBox.scrollHeight;
      if (--scrollFrames > 0) requestAnimationFrame(scroll);
    })();
  }

  function closeTravel() {
    if (selected === null) return;
    selected = null;
    $('travel').hidden = true;
    $('view-block').hidden = false;
    if (data.has_crud) $('crud-travel').hidden = true;
    var pressed = logBox.querySelector('.selected');
    if (pressed) {
      pressed.classList.remove('selected');
      pressed.setAttribute('aria-pressed', 'false');
    }
  }

  // Time travel: OrderView as of one event, from eslab's fold up to it.
  function travel(k) {
    closeTravel();
    var e = events[k];
    selected = k;
    var button = logItems[k].firstChild;
    button.classList.add('selected');
    button.setAttribute('aria-pressed', 'true');
    $('travel-heading').textContent = L.as_of + ' ' + e.ref;
    var rows = viewRows(k + 1);
    var changed = null;
    rows.forEach(function (r, i) { if (r[0] === e.order) changed = { i: i, old: [], cls: 'changed' }; });
    fillTable($('travel-table'), data.view_columns, rows, changed, L.no_rows);
    // In place of OrderView now: one OrderView on screen at a time.
    $('view-block').hidden = true;
    $('travel').hidden = false;
    if (data.has_crud) {
      var note = $('crud-travel');
      note.textContent = L.crud_as_of[1];
      note.className = 'travel-note ' + (L.crud_as_of[0] === null ? '' : markClass(L.crud_as_of[0]));
      note.hidden = false;
    }
  }

  var aboutBoxes = { ask: $('ask-lines'), about: $('about'), number: $('step-number'), flags: $('step-flags') };

  function draw(n, shown) {
    closeTravel();
    drawAbout(aboutBoxes, n, shown);
    drawSides(live, n, shown);
    if (data.has_es) drawLog(n, shown);
    var hint = $('reveal-hint');
    hint.textContent = L.reveal;
    hint.hidden = shown;
    $('payoff').classList.toggle('asked', !shown);
    slider.value = String(n);
    position.textContent = n + ' / ' + total;
    $('prev').disabled = n <= 1 && !(shown && askFirst);
    $('next').disabled = n >= total && shown;
  }

  // Shows step n, whole or asked; the answers are brought into view once shown.
  function go(n, shown) {
    if (total === 0) return;
    n = Math.max(1, Math.min(total, n | 0));
    if (n === current && shown === revealed) return;
    current = n;
    revealed = shown;
    draw(n, shown);
    if (shown && document.documentElement.classList.contains('ready')) {
      $('payoff').scrollIntoView({ block: 'nearest' });
    }
    // The address follows once stepping pauses: a held key would otherwise flood the
    // browser's history, which it throttles.
    clearTimeout(addressTimer);
    addressTimer = setTimeout(function () {
      var hash = '#step=' + current + (revealed ? '' : '&ask');
      if (location.hash !== hash) {
        try { history.replaceState(null, '', hash); } catch (err) { /* an address that cannot change */ }
      }
    }, 150);
  }
  var addressTimer = null;

  // → : a step asked is shown; a step shown leads to the next, asked first if the room is.
  function forward() {
    if (!revealed) go(current, true);
    else if (current < total) go(current + 1, !askFirst);
  }
  // ← : the step before, shown whole (step 1 shown goes back to its question).
  function back() {
    if (current > 1) go(current - 1, true);
    else if (revealed && askFirst) go(1, false);
  }

  // `#step=N` opens step N whole (a link names a moment to see); `#step=N&ask` asks it.
  function fromHash() {
    var m = /^#step=(\d+)(&ask)?$/.exec(location.hash);
    return m ? { n: parseInt(m[1], 10), shown: !m[2] } : null;
  }

  function setAskFirst(on) {
    askFirst = on;
    var button = $('ask');
    button.setAttribute('aria-pressed', on ? 'true' : 'false');
    button.textContent = on ? L.ask_first : L.show_whole;
    // The marked steps and the run's summary tell outcomes: shown only when steps are shown whole.
    $('flagged').hidden = on;
    $('summary').hidden = on;
    if (!on && !revealed) go(current, true);
  }

  var timer = null;
  function setPlaying(on) {
    var button = $('play');
    if (on && current >= total && revealed) go(1, !askFirst);
    if (timer !== null) { clearInterval(timer); timer = null; }
    if (on) {
      timer = setInterval(function () {
        if (current >= total && revealed) { setPlaying(false); return; }
        forward();
      }, 1500);
    }
    button.textContent = on ? '⏸ ' + L.pause : '▶ ' + L.play;
    button.setAttribute('aria-pressed', on ? 'true' : 'false');
  }

  function jumpLinks(box, list) {
    if (!box) return;
    box.replaceChildren.apply(box, list.map(function (n) {
      var li = el('li');
      var a = el('a', null, L.step + ' ' + n);
      a.href = '#step=' + n;
      var first = steps[n - 1].ask[0];
      if (first) a.title = first[1];
      steps[n - 1].flags.forEach(function (i) {
        a.append(' ', el('span', 'flag ' + markClass(i), data.symbols[i]));
      });
      li.appendChild(a);
      return li;
    }));
  }

  // ------------------------------------------------------------------------------------
  // Print: every step on its own page, drawn when the page is printed.

  var PRINT_EVENTS = 12;
  function printStep(n) {
    var section = el('section', 'print-step');
    var boxes0 = { number: el('span'), flags: el('span', 'flags'), ask: el('div', 'about'), about: el('div', 'about') };
    var p = el('p', 'step-number');
    p.append(boxes0.number, ' ', boxes0.flags);
    section.append(p, boxes0.ask, boxes0.about);
    drawAbout(boxes0, n, true);
    var panes = el('div', 'panes');
    var boxes = {};
    var s = steps[n - 1];
    if (data.has_crud) {
      var crud = el('div', 'pane crud');
      boxes.crudTable = el('table', 'rows');
      boxes.crudStorage = el('div', 'lines');
      boxes.crudAnswer = el('div', 'lines answer');
      crud.append(el('h2', null, $('crud-heading').textContent), boxes.crudTable,
        boxes.crudStorage, boxes.crudAnswer);
      panes.appendChild(crud);
    }
    if (data.has_es) {
      var es = el('div', 'pane es');
      var log = el('ol', 'log');
      var from = Math.max(0, s.log - PRINT_EVENTS);
      if (from > 0) log.appendChild(el('li', 'event earlier', '⋮ ' + from + ' ' + L.earlier_events));
      for (var k = from; k < s.log; k++) {
        var item = eventItem(k);
        if (events[k].step === n) item.classList.add('new');
        if (k === s.log - 1 && events[k].step === n) item.classList.add('newest');
        if (events[k].id === s.snapshot) item.classList.add('snapshot');
        log.appendChild(item);
      }
      boxes.esStorage = el('div', 'lines');
      boxes.esAnswer = el('div', 'lines answer');
      boxes.checkpoint = el('span', 'checkpoint');
      boxes.viewTable = el('table', 'rows');
      var viewHeading = el('h3', null, 'OrderView ');
      viewHeading.appendChild(boxes.checkpoint);
      es.append(el('h2', null, $('es-heading').textContent), log, boxes.esStorage,
        viewHeading, boxes.viewTable, boxes.esAnswer);
      panes.appendChild(es);
    }
    section.appendChild(panes);
    drawSides(boxes, n, true);
    return section;
  }

  var printed = false;
  window.addEventListener('beforeprint', function () {
    if (printed) return;
    printed = true;
    var box = $('print');
    for (var n = 1; n <= total; n++) box.appendChild(printStep(n));
  });

  // ------------------------------------------------------------------------------------
  // Wiring.

  $('prev').addEventListener('click', function () { setPlaying(false); back(); });
  $('next').addEventListener('click', function () { setPlaying(false); forward(); });
  $('ask').addEventListener('click', function () { setAskFirst(!askFirst); });
  $('play').addEventListener('click', function () { setPlaying(timer === null); });
  slider.addEventListener('input', function () { setPlaying(false); go(parseInt(slider.value, 10), true); });
  if (data.has_es) {
    logBox.dataset.empty = L.no_events;
    logBox.addEventListener('click', function (event) {
      var button = event.target.closest('.event-button');
      if (!button) return;
      var k = parseInt(button.dataset.index, 10);
      if (selected === k) closeTravel(); else travel(k);
    });
    $('travel-close').textContent = L.back_to_step;
    $('travel-close').addEventListener('click', closeTravel);
  }
  document.addEventListener('keydown', function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    // The slider moves itself with the arrow keys.
    if (event.target === slider && event.key.indexOf('Arrow') === 0) return;
    var act = {
      ArrowRight: forward, ArrowLeft: back,
      Home: function () { go(1, !askFirst); }, End: function () { go(total, true); }
    }[event.key];
    if (act === undefined) {
      if (event.key === 'Escape') closeTravel();
      return;
    }
    event.preventDefault();
    setPlaying(false);
    act();
  });
  window.addEventListener('hashchange', function () {
    var at = fromHash();
    if (at !== null) go(at.n, at.shown);
  });

  var flagged = [];
  steps.forEach(function (s) { if (s.flags.length) flagged.push(s.n); });
  jumpLinks($('flagged'), flagged.slice(0, 200));
  if (data.diff) {
    jumpLinks($('diff-steps'), data.diff.differing);
    jumpLinks($('gap-steps'), data.diff.gaps);
  }
  setAskFirst(true);
  var opening = fromHash();
  if (opening) go(opening.n, opening.shown); else go(data.start, !askFirst);
  document.documentElement.classList.add('ready');
})();
