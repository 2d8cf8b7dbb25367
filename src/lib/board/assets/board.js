// The board's page. Every stored string reaches the DOM as text (textContent,
// text nodes, option.text), never as markup: a record cannot run code here.
(() => {
  'use strict';

  const base = document.querySelector('meta[name="metaqueue-board-base"]').content;
  const $ = (id) => document.getElementById(id);
  const refreshMs = 2000;
  const colors = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04'];

  async function api(path, params = {}) {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) {
      if (value !== undefined && value !== '') query.set(key, value);
    }
    const response = await fetch(`${base}/api/${path}?${query}`, {
      headers: { Accept: 'application/json' },
    });
    const body = await response.json();
    if (!response.ok) throw new Error(body.message || response.statusText);
    return body;
  }

  /** An element with text children; attributes as properties, never HTML. */
  function el(tag, props = {}, ...children) {
    const element = document.createElement(tag);
    Object.assign(element, props);
    element.append(...children.map((c) => (c instanceof Node ? c : String(c))));
    return element;
  }

  const sum = (counts) => Object.values(counts).reduce((a, b) => a + b, 0);
  const number = (n) => n.toLocaleString('en-US');
  const num = (n) => el('td', { className: 'num' }, number(n));

  // Overview: topics, sinks, last flush and health, polled.
  let topicsKnown = [];
  async function refreshOverview() {
    try {
      const overview = await api('overview');
      $('topics').tBodies[0].replaceChildren(
        ...overview.topics.map((t) =>
          el(
            'tr',
            {},
            el('td', {}, t.topic),
            el('td', {}, el('meter', { min: 0, max: t.capacity, value: t.depth })),
            el('td', { className: 'num' }, `${number(t.depth)} / ${number(t.capacity)}`),
            num(t.published),
            num(t.accepted),
            num(t.waiting),
            num(sum(t.dropped)),
            num(sum(t.rejected)),
          ),
        ),
      );
      $('sinks').tBodies[0].replaceChildren(
        ...overview.sinks.map((s) =>
          el(
            'tr',
            {},
            el('td', {}, s.name),
            num(s.written),
            num(s.backlog),
            num(s.failedWrites),
            num(s.unflushed),
            num(s.deadLettered),
            num(s.dropped),
          ),
        ),
      );
      const health = $('health');
      health.className = `badge ${overview.health.status}`;
      health.textContent = overview.health.message
        ? `${overview.health.status}: ${overview.health.message}`
        : overview.health.status;
      $('flush').textContent = overview.lastFlushAt
        ? `last flush ${new Date(overview.lastFlushAt).toLocaleTimeString()}, ${number(overview.inFlight)} in flight`
        : 'no flush yet';
      $('refresh').textContent = `updated ${new Date(overview.now).toLocaleTimeString()}`;
      const topics = overview.topics.map((t) => t.topic);
      if (topics.join('\n') !== topicsKnown.join('\n')) {
        topicsKnown = topics;
        const select = $('filter-topic');
        const chosen = select.value;
        select.replaceChildren(new Option('any', ''), ...topics.map((t) => new Option(t, t)));
        select.value = chosen;
      }
      return overview.store;
    } catch (error) {
      $('refresh').textContent = `cannot refresh: ${error.message}`;
      return undefined;
    }
  }

  // Records: filters, keyset pages, a detail view.
  // The cursors of the pages before the current one, for "previous page".
  const earlier = [];
  let filters = {};
  let cursor;
  let nextCursor = null;

  async function loadRecords() {
    $('records-error').textContent = '';
    try {
      const page = await api('records', { ...filters, cursor });
      nextCursor = page.nextCursor;
      $('next-page').disabled = !nextCursor;
      $('previous-page').disabled = earlier.length === 0;
      $('records').tBodies[0].replaceChildren(
        ...page.items.map((r) => {
          const row = el(
            'tr',
            {},
            el('td', {}, new Date(r.publishedAt).toISOString()),
            el('td', {}, r.topic),
            el('td', {}, r.name),
            el('td', { title: r.location }, r.location),
            el('td', { title: r.context }, r.context),
            el('td', {}, r.dataTruncated ? `${r.dataPreview}…` : r.dataPreview),
          );
          row.dataset.id = r.id;
          row.addEventListener('click', () => showRecord(row));
          return row;
        }),
      );
    } catch (error) {
      $('records-error').textContent = error.message;
    }
  }

  async function showRecord(row) {
    for (const selected of document.querySelectorAll('#records tr.selected')) {
      selected.classList.remove('selected');
    }
    row.classList.add('selected');
    try {
      const record = await api(`records/${encodeURIComponent(row.dataset.id)}`);
      $('detail-id').textContent = record.id;
      $('detail-fields').replaceChildren(
        ...['topic', 'name', 'location', 'context', 'publishedAt', 'storedAt'].flatMap((key) => [
          el('dt', {}, key),
          el('dd', {}, record[key]),
        ]),
      );
      $('detail-data').textContent = JSON.stringify(record.data, null, 2);
      $('detail').hidden = false;
    } catch (error) {
      $('records-error').textContent = error.message;
    }
  }

  function firstPage() {
    earlier.length = 0;
    cursor = undefined;
    void loadRecords();
  }
  $('records-form').addEventListener('submit', (event) => {
    event.preventDefault();
    filters = Object.fromEntries(new FormData(event.target));
    firstPage();
  });
  $('first-page').addEventListener('click', firstPage);
  $('previous-page').addEventListener('click', () => {
    if (earlier.length === 0) return;
    cursor = earlier.pop();
    void loadRecords();
  });
  $('next-page').addEventListener('click', () => {
    if (!nextCursor) return;
    earlier.push(cursor);
    cursor = nextCursor;
    void loadRecords();
  });

  // Tasks: each scheduled task, its watch and last run; a task's runs, charted and listed.
  const runSources = {
    store: 'Runs from the store (table metaqueue_task_runs), shared by every replica.',
    redis: "Runs from Redis (the fleet's claims, kept 24 hours).",
    local:
      "Runs from this process only (store: false and no Redis): the last 1000 of each task run here, not the fleet's.",
  };
  const seconds = (s) =>
    s === null ? '' : s < 1 ? `${(s * 1000).toFixed(1)} ms` : `${s.toFixed(2)} s`;
  const time = (iso) => new Date(iso).toISOString();
  let storeOn = false;
  let taskShown = null;
  let runsCursor;
  let runsNext = null;
  let taskPlot = null;

  async function refreshTasks() {
    try {
      const { runsFrom, tasks } = await api('tasks');
      $('tasks-section').hidden = tasks.length === 0;
      $('tasks-note').textContent = runSources[runsFrom];
      $('tasks').tBodies[0].replaceChildren(
        ...tasks.map((t) => {
          const last = t.lastRun;
          const alarms = Object.entries(t.alarms);
          const row = el(
            'tr',
            { className: t.task === taskShown ? 'selected' : '' },
            el('td', {}, t.task),
            el('td', { title: t.cron ?? `${t.every} ms` }, t.schedule),
            el('td', {}, time(t.nextTickAt)),
            el(
              'td',
              { className: last ? `status-${last.status}` : '' },
              last ? `${last.status} at ${time(last.scheduledAt)}` : 'no run yet',
            ),
            el('td', { className: 'num' }, last ? seconds(last.durationSeconds) : ''),
            num(t.missed),
            num(t.late),
            el(
              'td',
              { className: 'alarm', title: alarms.map(([a, why]) => `${a}: ${why}`).join('\n') },
              alarms.map(([a]) => a).join(', '),
            ),
          );
          row.dataset.task = t.task;
          row.addEventListener('click', () => showTask(t.task));
          return row;
        }),
      );
      return tasks;
    } catch (error) {
      $('tasks-error').textContent = error.message;
      return [];
    }
  }

  function showTask(task) {
    taskShown = task;
    runsCursor = undefined;
    for (const row of $('tasks').tBodies[0].rows) {
      row.classList.toggle('selected', row.dataset.task === task);
    }
    void loadRuns();
  }

  async function loadRuns() {
    $('tasks-error').textContent = '';
    try {
      const page = await api(`tasks/${encodeURIComponent(taskShown)}/runs`, { cursor: runsCursor });
      runsNext = page.nextCursor;
      $('runs-older').disabled = !runsNext;
      $('task-runs-name').textContent = page.task;
      $('runs').classList.toggle('linked', storeOn);
      $('runs').tBodies[0].replaceChildren(
        ...page.items.map((r) => {
          const row = el(
            'tr',
            { title: storeOn ? `records with context ${r.id}` : r.id },
            el('td', {}, time(r.scheduledAt)),
            el('td', { className: `status-${r.status}` }, r.status),
            el('td', { className: 'num' }, seconds(r.durationSeconds)),
            el('td', {}, r.replica),
            num(r.recordsPublished),
            el('td', { title: r.error ?? '' }, r.error ?? ''),
          );
          row.dataset.run = r.id;
          if (storeOn) row.addEventListener('click', () => openRunRecords(r.id));
          return row;
        }),
      );
      $('task-runs').hidden = false;
      drawRuns(page.items);
    } catch (error) {
      $('tasks-error').textContent = error.message;
    }
  }

  // Oldest first: succeeded runs as a line of durations, a failed or lost run as a red point
  // at its duration (0 if none); skipped ticks and runs under way have none.
  function drawRuns(runs) {
    const ordered = [...runs].reverse();
    const failed = (r) => r.status === 'failed' || r.status === 'lost';
    const data = [
      ordered.map((r) => Date.parse(r.scheduledAt) / 1000),
      ordered.map((r) => (r.status === 'succeeded' ? r.durationSeconds : null)),
      ordered.map((r) => (failed(r) ? (r.durationSeconds ?? 0) : null)),
    ];
    taskPlot?.destroy();
    const container = $('task-chart');
    taskPlot = new uPlot(
      {
        width: Math.max(320, container.clientWidth),
        height: 220,
        scales: { y: { range: (u, min, max) => [0, Math.max(max, 0.001)] } },
        axes: [{}, { label: 'seconds' }],
        series: [
          {},
          {
            label: 'duration',
            stroke: colors[0],
            width: 2,
            spanGaps: true,
            points: { show: ordered.length < 60 },
          },
          {
            label: 'failed or lost',
            stroke: colors[1],
            fill: colors[1],
            paths: () => null,
            points: { show: true, size: 9, fill: colors[1] },
          },
        ],
      },
      data,
      container,
    );
  }

  /** The records view, filtered by the run's id as context: what the run published. */
  function openRunRecords(runId) {
    const form = $('records-form');
    form.reset();
    form.elements.context.value = runId;
    form.requestSubmit();
    $('records-section').scrollIntoView();
  }

  $('runs-newest').addEventListener('click', () => taskShown && showTask(taskShown));
  $('runs-older').addEventListener('click', () => {
    if (!runsNext) return;
    runsCursor = runsNext;
    void loadRuns();
  });

  // Chart: one line per location, aggregated by the server; dragging zooms.
  let plot = null;
  let range = {};
  let series = null;

  async function loadNames() {
    try {
      const { names } = await api('names');
      const select = $('chart-name');
      const chosen = select.value;
      select.replaceChildren(...names.map((n) => new Option(n, n)));
      $('names').replaceChildren(...names.map((n) => new Option(n, n)));
      if (names.includes(chosen)) select.value = chosen;
      return names;
    } catch (error) {
      $('chart-error').textContent = error.message;
      return [];
    }
  }

  async function loadChart() {
    $('chart-error').textContent = '';
    const name = $('chart-name').value;
    if (!name) return;
    try {
      series = await api('series', { name, field: $('chart-field').value, ...range });
      const fieldSelect = $('chart-field');
      fieldSelect.replaceChildren(
        ...(series.fields.length === 0
          ? [new Option('(the value)', '')]
          : series.fields.map((f) => new Option(f, f))),
      );
      fieldSelect.value = series.field ?? '';
      draw();
    } catch (error) {
      $('chart-error').textContent = error.message;
    }
  }

  function draw() {
    const stat = Number($('chart-stat').value);
    const times = [...new Set(series.lines.flatMap((l) => l.points.map((p) => p[0])))].sort(
      (a, b) => a - b,
    );
    const index = new Map(times.map((t, i) => [t, i]));
    const data = [times.map((t) => t / 1000)];
    for (const line of series.lines) {
      const values = new Array(times.length).fill(null);
      for (const point of line.points) values[index.get(point[0])] = point[stat];
      data.push(values);
    }
    const bucket =
      series.bucketMs >= 1000 ? `${series.bucketMs / 1000} s` : `${series.bucketMs} ms`;
    $('chart-note').textContent =
      series.lines.length === 0
        ? 'no numeric data for this name'
        : `${number(times.length)} buckets of ${bucket}${series.truncated ? ', truncated' : ''}`;
    plot?.destroy();
    const container = $('chart');
    plot = new uPlot(
      {
        width: Math.max(320, container.clientWidth),
        height: 300,
        cursor: { drag: { x: true, y: false, setScale: false } },
        series: [
          {},
          ...series.lines.map((line, i) => ({
            label: line.location,
            stroke: colors[i % colors.length],
            width: 2,
            spanGaps: true,
            points: { show: times.length < 60 },
          })),
        ],
        hooks: { setSelect: [zoom] },
      },
      data,
      container,
    );
  }

  function zoom(u) {
    if (u.select.width < 2) return;
    const from = u.posToVal(u.select.left, 'x') * 1000;
    const to = u.posToVal(u.select.left + u.select.width, 'x') * 1000;
    u.setSelect({ left: 0, width: 0, top: 0, height: 0 }, false);
    range = { from: new Date(from).toISOString(), to: new Date(Math.ceil(to)).toISOString() };
    void loadChart();
  }

  $('chart-name').addEventListener('change', () => {
    range = {};
    $('chart-field').replaceChildren();
    void loadChart();
  });
  $('chart-field').addEventListener('change', () => void loadChart());
  $('chart-stat').addEventListener('change', () => series && draw());
  $('chart-reset').addEventListener('click', () => {
    range = {};
    void loadChart();
  });

  async function start() {
    const store = await refreshOverview();
    storeOn = store === true;
    const tasks = await refreshTasks();
    if (tasks.length > 0) showTask(tasks[0].task);
    setInterval(() => {
      void refreshOverview();
      void refreshTasks();
    }, refreshMs);
    // With store: false there are no records to list or chart.
    if (store === false) {
      $('chart-section').hidden = true;
      $('records-section').hidden = true;
      document.body.dataset.ready = 'true';
      return;
    }
    void loadRecords();
    const names = await loadNames();
    // Start with a name whose data is numbers, if one is offered.
    for (const name of names.slice(0, 10)) {
      $('chart-name').value = name;
      await loadChart();
      if (series && series.lines.length > 0) break;
    }
    document.body.dataset.ready = 'true';
  }
  void start();
})();
