// sdfarm operator dashboard: plain ES module, no build step. Every request carries the operator's key as a
// Bearer token; the live stream is read with fetch() because EventSource cannot send that header.

const KEY_STORAGE = 'sdfarm.dashboard.key';
const VIEWS = ['overview', 'jobs', 'workers', 'conversions', 'models', 'dlq', 'gallery'];
const $ = (id) => document.getElementById(id);

let apiKey = sessionStorage.getItem(KEY_STORAGE);
let streamAbort = null;
let currentView = null;
const jobsPage = { before: null, next: null, selected: null, selectedVersion: null };
const charts = {};
const imageCache = new Map();

class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

async function api(path, options = {}) {
  const headers = { Accept: 'application/json', ...(options.headers || {}) };
  if (apiKey) headers.Authorization = `Bearer ${apiKey}`;
  const res = await fetch(path, { ...options, headers });
  if (!res.ok) {
    let detail = `${res.status} ${res.statusText}`;
    try {
      const problem = await res.json();
      if (problem.detail) detail = problem.detail;
    } catch (e) { /* not a problem body */ }
    throw new ApiError(res.status, detail);
  }
  return res.status === 204 ? null : res.json();
}

// ---- DOM helpers (text only: nothing from the API is parsed as HTML) ----

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function table(caption, headers, rows) {
  return el('table', { class: 'data' },
    el('caption', { class: 'sr-only' }, caption),
    el('thead', {}, el('tr', {}, headers.map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, rows));
}

const num = (v) => (v === null || v === undefined ? '–' : Number(v).toLocaleString('en'));
const time = (iso) => (iso ? new Date(iso).toLocaleTimeString('en-GB') : '–');
/** Today's times as hh:mm:ss, older ones with their day; the full instant is in the cell's title. */
function dateTime(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  const today = d.toDateString() === new Date().toDateString();
  return today ? d.toLocaleTimeString('en-GB')
    : d.toLocaleString('en-GB', { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
}
const short = (s, n = 8) => (s ? String(s).slice(0, n) : '–');

function bytes(v) {
  if (v === null || v === undefined) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let x = Number(v);
  let i = 0;
  while (Math.abs(x) >= 1024 && i < units.length - 1) { x /= 1024; i++; }
  return `${x.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

function stateBadge(state) {
  return el('span', { class: `state state-${String(state).toLowerCase()}` }, state);
}

function progressCell(p) {
  const pct = Math.round((p?.fraction || 0) * 100);
  return el('span', { class: 'progress-cell' },
    el('progress', { max: 100, value: pct, 'aria-label': `${pct} percent` }),
    el('span', { class: 'progress-text' }, `${p?.step ?? 0}/${p?.total_steps ?? 0}`));
}

function notice(container, text, cls = 'hint') {
  container.replaceChildren(el('p', { class: cls }, text));
}

/** Shows an endpoint's failure in a view; 404 means the endpoint is not deployed. */
function showFailure(container, e, what) {
  if (e instanceof ApiError && e.status === 404) {
    notice(container, `${what}: not available (this gateway does not serve that endpoint).`, 'unavailable');
  } else {
    notice(container, `${what}: ${e.message}`, 'error');
  }
}

/** An image of any tenant: fetched with the key, shown through an object URL. */
async function authImage(url, alt) {
  const img = el('img', { alt, loading: 'lazy' });
  try {
    let objectUrl = imageCache.get(url);
    if (!objectUrl) {
      const res = await fetch(url, { headers: { Authorization: `Bearer ${apiKey}` } });
      if (!res.ok) throw new Error(`${res.status}`);
      objectUrl = URL.createObjectURL(await res.blob());
      imageCache.set(url, objectUrl);
    }
    img.src = objectUrl;
  } catch (e) {
    img.alt = `${alt} (not loaded: ${e.message})`;
  }
  return img;
}

// ---- login ----

async function login(key) {
  apiKey = key;
  try {
    await api('/v1/dashboard/overview');
  } catch (e) {
    apiKey = null;
    if (e.status === 403) return 'This key has no operator role: the dashboard needs an operator or admin key.';
    if (e.status === 401) return 'This key is not valid.';
    return `Cannot log in: ${e.message}`;
  }
  sessionStorage.setItem(KEY_STORAGE, key);
  return null;
}

function showLoggedIn(loggedIn) {
  $('login').hidden = loggedIn;
  $('tabs').hidden = !loggedIn;
  $('session').hidden = !loggedIn;
  if (!loggedIn) {
    VIEWS.forEach((v) => { $(`view-${v}`).hidden = true; });
    if (streamAbort) streamAbort.abort();
    streamAbort = null;
  }
}

function logout() {
  sessionStorage.removeItem(KEY_STORAGE);
  apiKey = null;
  imageCache.forEach((u) => URL.revokeObjectURL(u));
  imageCache.clear();
  showLoggedIn(false);
}

// ---- live stream ----

async function openStream() {
  if (streamAbort) streamAbort.abort();
  const controller = new AbortController();
  streamAbort = controller;
  const live = $('live');
  while (!controller.signal.aborted) {
    try {
      const res = await fetch('/v1/dashboard/stream', {
        headers: { Authorization: `Bearer ${apiKey}`, Accept: 'text/event-stream' },
        signal: controller.signal,
      });
      if (res.status === 401 || res.status === 403) { logout(); return; }
      if (!res.ok) throw new Error(`${res.status}`);
      live.textContent = 'live';
      live.className = 'live on';
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
          const data = block.split(/\r?\n/).filter((l) => l.startsWith('data:'))
            .map((l) => l.slice(5).replace(/^ /, '')).join('\n');
          if (data) onOverview(JSON.parse(data));
        }
      }
    } catch (e) {
      if (controller.signal.aborted) return;
    }
    live.textContent = 'reconnecting…';
    live.className = 'live off';
    await new Promise((r) => setTimeout(r, 3000));
  }
}

function onOverview(o) {
  renderOverview(o);
  // Views that follow the farm refresh with each tick.
  if (currentView === 'jobs' && jobsPage.before === null) loadJobs();
  if (currentView === 'workers') loadWorkers();
  if (currentView === 'conversions') loadConversions();
}

// ---- overview ----

function card(label, value, id) {
  return el('div', { class: 'card', id },
    el('div', { class: 'card-label' }, label),
    el('div', { class: 'card-value' }, num(value)));
}

function renderOverview(o) {
  const cards = [
    card('Queued · interactive', o.queued?.interactive, 'queued-interactive'),
    card('Queued · batch', o.queued?.batch, 'queued-batch'),
  ];
  for (const [topic, lag] of Object.entries(o.lag || {})) {
    const name = topic.split('.').pop();
    cards.push(card(`Worker lag · ${name}`, lag, `lag-${name}`));
  }
  for (const [state, n] of Object.entries(o.active || {})) {
    cards.push(card(`Jobs ${state.toLowerCase()}`, n, `active-${state.toLowerCase()}`));
  }
  cards.push(card('Outbox backlog', o.outbox_backlog, 'outbox-backlog'));
  cards.push(card('Webhooks pending', o.webhooks_pending, 'webhooks-pending'));
  $('overview-cards').replaceChildren(...cards);
  $('overview-updated').textContent = `Updated ${time(o.at)}. Queued per priority is counted at each update; `
    + 'worker lag, jobs by state and the backlogs are the metrics gauges, refreshed every few seconds.';
  renderCharts(o.minutes || []);
}

function renderCharts(minutes) {
  if (!window.Chart) {
    $('overview-updated').textContent += ' · charts unavailable (Chart.js did not load)';
    return;
  }
  const labels = minutes.map((m) => new Date(m.start).toLocaleTimeString('en-GB',
    { hour: '2-digit', minute: '2-digit' }));
  const series = (k) => minutes.map((m) => m[k]);
  const common = {
    animation: false, responsive: true, maintainAspectRatio: false,
    scales: { x: { ticks: { maxTicksLimit: 12 } }, y: { beginAtZero: true } },
  };
  if (!charts.throughput) {
    charts.throughput = new window.Chart($('chart-throughput'), {
      type: 'bar',
      data: { labels, datasets: [
        { label: 'succeeded', data: series('succeeded'), backgroundColor: '#2e7d32' },
        { label: 'failed', data: series('failed'), backgroundColor: '#c62828' },
        { label: 'cancelled', data: series('cancelled'), backgroundColor: '#9e9e9e' },
      ] },
      options: { ...common, scales: { x: { stacked: true, ticks: { maxTicksLimit: 12 } },
        y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } },
    });
    charts.latency = new window.Chart($('chart-latency'), {
      type: 'line',
      data: { labels, datasets: [{ label: 's / step', data: series('seconds_per_step'),
        borderColor: '#1565c0', backgroundColor: '#1565c0', spanGaps: true, pointRadius: 2 }] },
      options: common,
    });
    return;
  }
  charts.throughput.data.labels = labels;
  ['succeeded', 'failed', 'cancelled'].forEach((k, i) => { charts.throughput.data.datasets[i].data = series(k); });
  charts.latency.data.labels = labels;
  charts.latency.data.datasets[0].data = series('seconds_per_step');
  charts.throughput.update('none');
  charts.latency.update('none');
}

// ---- jobs ----

function jobsQuery() {
  const q = new URLSearchParams({ limit: '50' });
  const state = $('filter-state').value;
  const tenant = $('filter-tenant').value.trim();
  if (state) q.set('state', state);
  if (tenant) q.set('tenant', tenant);
  if (jobsPage.before) q.set('before', jobsPage.before);
  return q;
}

let jobsLoading = false;
async function loadJobs() {
  if (jobsLoading) return;
  jobsLoading = true;
  const body = $('jobs-table').tBodies[0];
  try {
    const page = await api(`/v1/dashboard/jobs?${jobsQuery()}`);
    jobsPage.next = page.next;
    $('jobs-older').disabled = !page.next;
    $('jobs-newest').disabled = jobsPage.before === null;
    const rows = page.items.map((j) => el('tr', {
      dataset: { jobId: j.id, state: j.state },
      class: j.id === jobsPage.selected ? 'selected' : null,
      tabindex: 0,
      onclick: () => showJob(j.id),
      onkeydown: (ev) => { if (ev.key === 'Enter') showJob(j.id); },
    },
    el('td', { class: 'mono', title: j.id }, short(j.id)),
    el('td', {}, j.tenant),
    el('td', { class: 'state-cell' }, stateBadge(j.state)),
    el('td', { class: 'nowrap' }, progressCell(j.progress)),
    el('td', {}, j.priority),
    el('td', { class: 'prompt', title: j.prompt || '' }, j.prompt || ''),
    el('td', { class: 'nowrap', title: j.created_at }, dateTime(j.created_at))));
    if (rows.length === 0) rows.push(el('tr', {}, el('td', { colspan: 7, class: 'hint' }, 'No jobs.')));
    body.replaceChildren(...rows);
    // The open detail follows its job, re-read only when the job has moved (keeps its scroll position).
    const selected = page.items.find((j) => j.id === jobsPage.selected);
    if (selected && `${selected.state}:${selected.progress.step}` !== jobsPage.selectedVersion) refreshJobDetail();
  } catch (e) {
    body.replaceChildren(el('tr', {}, el('td', { colspan: 7, class: 'error' }, `Jobs: ${e.message}`)));
  } finally {
    jobsLoading = false;
  }
}

async function showJob(id) {
  jobsPage.selected = id;
  document.querySelectorAll('#jobs-table tr.selected').forEach((r) => r.classList.remove('selected'));
  document.querySelector(`#jobs-table tr[data-job-id="${id}"]`)?.classList.add('selected');
  await refreshJobDetail();
}

async function refreshJobDetail() {
  const box = $('job-detail');
  box.hidden = false;
  const id = jobsPage.selected;
  try {
    const d = await api(`/v1/dashboard/jobs/${id}`);
    const j = d.job;
    jobsPage.selectedVersion = `${j.state}:${j.progress?.step}`;
    const p = j.params || {};
    const facts = [
      ['Tenant', d.tenant], ['State', stateBadge(j.state)], ['Priority', j.priority],
      ['Model', j.model || short(j.model_sha256, 12)], ['Progress', progressCell(j.progress)],
      ['Queue position', j.queue_position], ['Worker', d.events?.worker_id], ['Last event seq', d.events?.last_seq],
      ['Webhooks', Object.entries(d.events?.webhooks || {}).map(([k, v]) => `${k.toLowerCase()} ${v}`).join(', ')],
      ['Created', dateTime(j.created_at)], ['Started', dateTime(j.started_at)], ['Finished', dateTime(j.finished_at)],
      ['Error', j.error],
    ];
    const params = Object.entries(p).filter(([, v]) => v !== null && v !== '' && typeof v !== 'object');
    const outputs = el('div', { class: 'thumbs' });
    box.replaceChildren(
      el('h3', {}, 'Job ', el('span', { class: 'mono' }, j.id)),
      el('dl', { class: 'facts' }, facts.filter(([, v]) => v !== undefined && v !== null && v !== '')
        .map(([k, v]) => [el('dt', {}, k), el('dd', {}, v)])),
      el('h4', {}, 'Outputs'),
      outputs,
      el('h4', {}, 'Parameters'),
      el('dl', { class: 'facts params' }, params.map(([k, v]) => [el('dt', {}, k), el('dd', {}, String(v))])));
    if (!j.outputs || j.outputs.length === 0) {
      outputs.append(el('p', { class: 'hint' }, 'None yet.'));
    } else {
      for (const o of j.outputs) {
        outputs.append(el('figure', {}, await authImage(o.url, `output ${o.index} of job ${j.id}`),
          el('figcaption', {}, `#${o.index} · seed ${o.seed} · ${o.width}×${o.height}`)));
      }
    }
  } catch (e) {
    notice(box, `Job ${id}: ${e.message}`, 'error');
  }
}

// ---- workers ----

// GET /v1/workers: { workers: [{ id, host, backend, state, last_seen, memory: { heap_used_bytes, heap_max_bytes },
// resident_bytes, resident_models: [{ sha256, name }], current_jobs: [uuid], pod }], warnings: [string] }
async function loadWorkers() {
  const box = $('workers-body');
  try {
    const w = await api('/v1/workers');
    const workers = w.workers || [];
    const rows = workers.map((x) => el('tr', { dataset: { workerId: x.id } },
      el('td', { class: 'mono' }, x.id), el('td', {}, x.host || '–'), el('td', {}, x.backend || '–'),
      el('td', {}, stateBadge(x.state)), el('td', { class: 'nowrap', title: x.last_seen || '' }, time(x.last_seen)),
      el('td', { class: 'nowrap' }, x.memory
        ? `${bytes(x.memory.heap_used_bytes)} / ${bytes(x.memory.heap_max_bytes)}` : '–'),
      el('td', { class: 'nowrap' }, bytes(x.resident_bytes)),
      el('td', {}, (x.resident_models || []).map((m) => m.name || short(m.sha256, 12)).join(', ') || '–'),
      el('td', { class: 'mono' }, (x.current_jobs || []).map((id) => short(id)).join(', ') || '–'),
      el('td', {}, x.pod ? `${x.pod.name} · ${x.pod.phase}${x.pod.ready ? ' · ready' : ''} · ${x.pod.node || '?'}`
        + ` · ${x.pod.gpus} GPU · ${x.pod.restarts} restarts` : '–')));
    if (rows.length === 0) rows.push(el('tr', {}, el('td', { colspan: 10, class: 'hint' }, 'No workers seen.')));
    box.replaceChildren(
      ...(w.warnings || []).map((t) => el('p', { class: 'warning', role: 'alert' }, t)),
      table('Workers', ['Worker', 'Host', 'Backend', 'State', 'Last seen', 'Heap used / max', 'Resident',
        'Resident models', 'Current jobs', 'Pod'], rows));
  } catch (e) {
    showFailure(box, e, 'Workers');
  }
}

// ---- conversions ----

// GET /v1/conversions: [{ id, state, source, output, progress: { percent, phase }, error,
// result: { bytes_in, bytes_out, bytes_saved, ... }, created_at, ... }]
async function loadConversions() {
  const box = $('conversions-body');
  try {
    const items = await api('/v1/conversions');
    const rows = items.map((x) => {
      const pct = x.progress?.percent ?? 0;
      return el('tr', { dataset: { conversionId: x.id } },
        el('td', { class: 'mono', title: x.id }, short(x.id)), el('td', {}, stateBadge(x.state)),
        el('td', { class: 'nowrap' }, el('span', { class: 'progress-cell' },
          el('progress', { max: 100, value: pct, 'aria-label': `${pct} percent` }),
          el('span', { class: 'progress-text' }, `${pct}% ${x.progress?.phase || ''}`))),
        el('td', { class: 'mono' }, x.source || '–'), el('td', { class: 'mono' }, x.output || '–'),
        el('td', { class: 'nowrap' }, bytes(x.result?.bytes_in)),
        el('td', { class: 'nowrap' }, bytes(x.result?.bytes_out)),
        el('td', { class: 'nowrap' }, bytes(x.result?.bytes_saved)),
        el('td', { class: 'error' }, x.error || ''),
        el('td', { class: 'nowrap', title: x.created_at }, dateTime(x.created_at)));
    });
    if (rows.length === 0) rows.push(el('tr', {}, el('td', { colspan: 10, class: 'hint' }, 'No conversions.')));
    box.replaceChildren(table('Conversions', ['Conversion', 'State', 'Progress', 'Source', 'Output', 'In', 'Out',
      'Saved', 'Error', 'Created'], rows));
  } catch (e) {
    showFailure(box, e, 'Conversions');
  }
}

// ---- models ----

async function loadModels() {
  const box = $('models-body');
  try {
    const models = await api('/v1/models');
    const rows = models.map((m) => el('tr', {},
      el('td', {}, m.name), el('td', { class: 'mono', title: m.sha256 }, short(m.sha256, 12)),
      el('td', { class: 'mono' }, m.autov2 || '–'), el('td', {}, m.family || '–'), el('td', {}, m.precision || '–'),
      el('td', {}, m.ema || '–'), el('td', {}, bytes(m.size_bytes)), el('td', {}, dateTime(m.registered_at))));
    if (rows.length === 0) rows.push(el('tr', {}, el('td', { colspan: 8, class: 'hint' }, 'No models registered.')));
    box.replaceChildren(table('Models', ['Name', 'sha256', 'AutoV2', 'Family', 'Precision', 'EMA', 'Size',
      'Registered'], rows));
  } catch (e) {
    showFailure(box, e, 'Models');
  }
}

// ---- DLQ ----

async function loadDlq() {
  const box = $('dlq-body');
  try {
    const records = await api('/v1/dashboard/dlq');
    const rows = records.map((r) => el('tr', { dataset: { coordinates: `${r.topic}/${r.partition}/${r.offset}` } },
      el('td', { class: 'mono' }, `${r.topic.replace('sdfarm.generation.requests.', '')} ${r.partition}@${r.offset}`),
      el('td', {}, dateTime(r.timestamp)), el('td', { class: 'mono', title: r.job_id || '' }, short(r.job_id)),
      el('td', {}, r.tenant || '–'), el('td', {}, num(r.attempts)), el('td', { class: 'error' }, r.error || '–'),
      el('td', { class: 'mono' }, r.origin || '–'),
      el('td', {}, el('button', { type: 'button', class: 'requeue', onclick: (ev) => requeue(r, ev.target) },
        'Requeue'))));
    if (rows.length === 0) rows.push(el('tr', {}, el('td', { colspan: 8, class: 'hint' }, 'No dead letters.')));
    box.replaceChildren(table('Dead-letter records', ['Record', 'Dead-lettered', 'Job', 'Tenant', 'Attempts',
      'Error', 'Origin', 'Action'], rows));
  } catch (e) {
    showFailure(box, e, 'Dead letters');
  }
}

async function requeue(r, button) {
  button.disabled = true;
  const msg = $('dlq-message');
  try {
    const res = await api(`/v1/dashboard/dlq/${encodeURIComponent(r.topic)}/${r.partition}/${r.offset}/requeue`,
      { method: 'POST' });
    msg.className = 'ok';
    msg.textContent = res.requeued ? `Job ${res.job_id} is queued again on ${res.topic}.`
      : `Job ${res.job_id} is already ${res.state.toLowerCase()}; nothing was published.`;
  } catch (e) {
    msg.className = 'error';
    msg.textContent = `Requeue failed: ${e.message}`;
    button.disabled = false;
  }
}

// ---- gallery ----

async function loadGallery() {
  const box = $('gallery-body');
  try {
    const images = await api('/v1/dashboard/gallery?limit=24');
    if (images.length === 0) { notice(box, 'No images yet.'); return; }
    const figures = await Promise.all(images.map(async (i) => el('figure', { dataset: { jobId: i.job_id } },
      await authImage(i.url, `${i.prompt || 'image'} (tenant ${i.tenant})`),
      el('figcaption', {}, el('strong', {}, i.tenant), ` · ${time(i.finished_at)}`, el('br'),
        el('span', { class: 'prompt' }, i.prompt || '')))));
    box.replaceChildren(...figures);
  } catch (e) {
    showFailure(box, e, 'Gallery');
  }
}

// ---- routing ----

const loaders = {
  overview: async () => renderOverview(await api('/v1/dashboard/overview')),
  jobs: loadJobs, workers: loadWorkers, conversions: loadConversions, models: loadModels, dlq: loadDlq,
  gallery: loadGallery,
};

function route() {
  if (!apiKey) return;
  const view = VIEWS.includes(location.hash.slice(1)) ? location.hash.slice(1) : 'overview';
  currentView = view;
  VIEWS.forEach((v) => { $(`view-${v}`).hidden = v !== view; });
  document.querySelectorAll('#tabs a').forEach((a) => {
    if (a.dataset.view === view) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  });
  loaders[view]().catch((e) => {
    if (e.status === 401 || e.status === 403) logout();
  });
}

function start() {
  showLoggedIn(true);
  route();
  openStream();
}

$('login-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const error = $('login-error');
  error.textContent = '';
  const failure = await login($('api-key').value.trim());
  if (failure) {
    error.textContent = failure;
    return;
  }
  $('api-key').value = '';
  start();
});
$('logout').addEventListener('click', logout);
$('jobs-filter').addEventListener('submit', (ev) => {
  ev.preventDefault();
  jobsPage.before = null;
  loadJobs();
});
$('jobs-older').addEventListener('click', () => {
  if (!jobsPage.next) return;
  jobsPage.before = jobsPage.next;
  loadJobs();
});
$('jobs-newest').addEventListener('click', () => {
  jobsPage.before = null;
  loadJobs();
});
window.addEventListener('hashchange', route);

if (apiKey) start(); else showLoggedIn(false);
