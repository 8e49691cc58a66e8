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

  // The CRUD table after step n: each step's INSERT or UPDATE, as eslab recorded it.
  function crudRows(n) {
    var rows = [];
    for (var k = 0; k < n; k++) {
      var r = steps[k].row;
      if (r) rows[r.i] = r.cells;
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
      button.appendChild(el('span', j === 0 ? 'head m-appended' : 'attr', text));
    });
    li.appendChild(button);
    return li;
  }

  // ------------------------------------------------------------------------------------
  // One step, drawn into a set of boxes (the live page's, or a printed page's).

  function drawAbout(box, numberBox, flagsBox, n) {
    var s = steps[n - 1];
    numberBox.textContent = L.step + ' ' + n + ' ' + L.of + ' ' + total;
    flagsBox.replaceChildren.apply(flagsBox, s.flags.map(function (i) {
      var f = el('span', 'flag ' + markClass(i), data.symbols[i]);
      f.title = data.meanings[i];
      return f;
    }));
    fillLines(box, s.about);
    if (box.firstChild) box.firstChild.classList.add('action');
  }

  function drawSides(boxes, n) {
    var s = steps[n - 1];
    if (data.has_crud) {
      var row = s.row ? { i: s.row.i, old: s.row.old, cls: s.row.old ? 'changed updated' : 'changed inserted' } : null;
      fillTable(boxes.crudTable, data.crud_columns, crudRows(n), row, L.no_rows);
      fillLines(boxes.crudStorage, s.crud ? s.crud.storage : []);
      fillLines(boxes.crudAnswer, s.crud ? s.crud.answer : []);
    }
    if (data.has_es) {
      fillLines(boxes.esStorage, s.es ? s.es.storage : []);
      // Events appended here are in the log, marked new: said once.
      if (boxes.esStorageBlock) {
        boxes.esStorageBlock.hidden = !!(s.es && s.es.in_log && s.es.storage.length === 0);
      }
      fillLines(boxes.esAnswer, s.es ? s.es.answer : []);
      if (s.view === null) {
        boxes.checkpoint.textContent = L.view_down;
        boxes.checkpoint.className = 'checkpoint m-view-down';
        fillTable(boxes.viewTable, data.view_columns, [], null, L.view_down);
      } else {
        boxes.checkpoint.className = 'checkpoint';
        boxes.checkpoint.textContent = s.view > 0
          ? '(' + L.checkpoint + ' ' + events[s.view - 1].ref + ')'
          : L.view_empty;
        var changed = null;
        var here = s.view > 0 && events[s.view - 1].step === n ? events[s.view - 1].order : null;
        var rows = viewRows(s.view);
        if (here !== null) {
          rows.forEach(function (r, i) { if (r[0] === here) changed = { i: i, old: [], cls: 'changed' }; });
        }
        fillTable(boxes.viewTable, data.view_columns, rows, changed, L.no_rows);
      }
    }
  }

  // ------------------------------------------------------------------------------------
  // The live page.

  var live = {
    crudTable: $('crud-table'), crudStorage: $('crud-storage'), crudAnswer: $('crud-answer'),
    esStorage: $('es-storage'), esStorageBlock: $('es-storage-block'), esAnswer: $('es-answer'), checkpoint: $('checkpoint'),
    viewTable: $('view-table')
  };
  var logBox = $('log');
  var logItems = [];
  var marked = [];
  var slider = $('slider');
  var position = $('position');
  var current = 0;
  var selected = null;

  function drawLog(n) {
    var count = steps[n - 1].log;
    while (logBox.children.length > count) logBox.lastElementChild.remove();
    while (logBox.children.length < count) {
      var k = logBox.children.length;
      logBox.appendChild(logItems[k] || (logItems[k] = eventItem(k)));
    }
    marked.forEach(function (li) { li.classList.remove('new', 'newest'); });
    marked = [];
    for (var k2 = count - 1; k2 >= 0 && events[k2].step === n; k2--) {
      logItems[k2].classList.add('new');
      marked.push(logItems[k2]);
    }
    if (count > 0) {
      logItems[count - 1].classList.add('newest');
      marked.push(logItems[count - 1]);
      logBox.scrollTop = logBox.scrollHeight;
    }
  }

  function closeTravel() {
    if (selected === null) return;
    selected = null;
    $('travel').hidden = true;
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
    $('travel').hidden = false;
    if (data.has_crud) {
      var note = $('crud-travel');
      note.textContent = L.crud_as_of[1];
      note.className = 'travel-note ' + (L.crud_as_of[0] === null ? '' : markClass(L.crud_as_of[0]));
      note.hidden = false;
    }
  }

  function draw(n) {
    closeTravel();
    drawAbout($('about'), $('step-number'), $('step-flags'), n);
    drawSides(live, n);
    if (data.has_es) drawLog(n);
    slider.value = String(n);
    position.textContent = n + ' / ' + total;
    $('prev').disabled = n <= 1;
    $('next').disabled = n >= total;
  }

  function go(n) {
    if (total === 0) return;
    n = Math.max(1, Math.min(total, n | 0));
    if (n === current) return;
    current = n;
    draw(n);
    // The address follows once stepping pauses: a held key would otherwise flood the
    // browser's history, which it throttles.
    clearTimeout(addressTimer);
    addressTimer = setTimeout(function () {
      var hash = '#step=' + current;
      if (location.hash !== hash) {
        try { history.replaceState(null, '', hash); } catch (err) { /* an address that cannot change */ }
      }
    }, 150);
  }
  var addressTimer = null;

  function fromHash() {
    var m = /^#step=(\d+)$/.exec(location.hash);
    return m ? parseInt(m[1], 10) : null;
  }

  var timer = null;
  function setPlaying(on) {
    var button = $('play');
    if (on && current >= total) go(1);
    if (timer !== null) { clearInterval(timer); timer = null; }
    if (on) {
      timer = setInterval(function () {
        if (current >= total) { setPlaying(false); return; }
        go(current + 1);
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
      var first = steps[n - 1].about[0];
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
    var number = el('span');
    var flags = el('span', 'flags');
    var p = el('p', 'step-number');
    p.append(number, ' ', flags);
    var about = el('div', 'about');
    section.append(p, about);
    drawAbout(about, number, flags, n);
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
    drawSides(boxes, n);
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

  $('prev').addEventListener('click', function () { setPlaying(false); go(current - 1); });
  $('next').addEventListener('click', function () { setPlaying(false); go(current + 1); });
  $('play').addEventListener('click', function () { setPlaying(timer === null); });
  slider.addEventListener('input', function () { setPlaying(false); go(parseInt(slider.value, 10)); });
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
    var to = {
      ArrowRight: current + 1, ArrowLeft: current - 1, Home: 1, End: total
    }[event.key];
    if (to === undefined) {
      if (event.key === 'Escape') closeTravel();
      return;
    }
    event.preventDefault();
    setPlaying(false);
    go(to);
  });
  window.addEventListener('hashchange', function () {
    var n = fromHash();
    if (n !== null) go(n);
  });

  var flagged = [];
  steps.forEach(function (s) { if (s.flags.length) flagged.push(s.n); });
  jumpLinks($('flagged'), flagged.slice(0, 200));
  if (data.diff) {
    jumpLinks($('diff-steps'), data.diff.differing);
    jumpLinks($('gap-steps'), data.diff.gaps);
  }
  go(fromHash() || data.start);
  document.documentElement.classList.add('ready');
})();
