// herd's status page: the tree from /api/v1/status, kept live by
// /events (Server-Sent Events, resumed by sequence number), rows drawn
// only where the window shows them so that 10,000 children stay fast.
// Everything from herdd goes into the page as text (textContent), never
// as HTML.
'use strict';

const ROW = 28;          // px, as --row in page.html
const SPARK_MIN = 30;    // minutes the restart sparkline covers
const EVENTS_KEPT = 300;

const st = {
  kids: new Map(),       // path -> child, as status gives it, plus .at
  order: [],             // paths in the tree's start order
  collapsed: new Set(),  // supervisor paths whose subtree is hidden
  visible: [],           // paths shown, after filter and collapse
  filter: '',
  sort: null, desc: false,
  spark: new Map(),      // path -> {last, buckets: [SPARK_MIN]}
  lastSeq: -1,
  dirty: new Set(), full: false, timer: 0, busy: false, again: false,
  selected: null,
  herd: null,
};

const $ = (id) => document.getElementById(id);

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

function say(msg) { $('msg').textContent = msg || ''; }

async function api(op, args) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(args || {}))
    // a string that reads as JSON goes quoted (http-api.c's rule)
    q.set(k, typeof v === 'string' && !/^[-0-9[{"tf]/.test(v) ? v :
      JSON.stringify(v));
  const r = await fetch('/api/v1/' + op + (q.toString() ? '?' + q : ''),
    { credentials: 'same-origin' });
  const j = await r.json().catch(() => ({}));
  if (r.status === 401) { location.href = '/login'; throw new Error('token'); }
  if (!r.ok) throw Object.assign(new Error(j.error ? j.error.message :
    r.statusText), { code: j.error && j.error.code, status: r.status });
  return j;
}

async function change(op, path) {
  const r = await fetch('/api/v1/' + op, {
    method: 'POST', credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', 'X-Herd-Change': '1' },
    body: JSON.stringify(op === 'restart' ? { name: path, force: true } :
      { name: path }),
  });
  const j = await r.json().catch(() => ({}));
  if (!r.ok) say(op + ' ' + path + ': ' + (j.error ? j.error.message :
    r.status + ' ' + r.statusText));
  else say('');
}

// ---- the model ----

function depth(path) { return path === '' ? 0 : path.split('/').length - 1; }

function parentOf(path) {
  const i = path.lastIndexOf('/');
  return i < 0 ? null : path.slice(0, i);
}

function hiddenByCollapse(path) {
  for (let p = parentOf(path); p !== null; p = parentOf(p))
    if (st.collapsed.has(p)) return true;
  return false;
}

function minuteNow() { return Math.floor(Date.now() / 60000); }

function noteRestarts(c) {
  let s = st.spark.get(c.path);
  const m = minuteNow();
  if (!s) { s = { last: c.restarts, at: m, b: new Array(SPARK_MIN).fill(0) };
    st.spark.set(c.path, s); return; }
  while (s.at < m) { s.b.shift(); s.b.push(0); s.at++;
    if (m - s.at > SPARK_MIN) s.at = m; }
  if (c.restarts > s.last) s.b[SPARK_MIN - 1] += c.restarts - s.last;
  s.last = c.restarts;
}

function take(c) {
  c.at = performance.now();
  st.kids.set(c.path, c);
  noteRestarts(c);
}

function recompute() {
  const f = st.filter.toLowerCase();
  let v = st.order.filter((p) => {
    const c = st.kids.get(p);
    if (!c) return false;
    if (f) return p.toLowerCase().includes(f) || c.state.includes(f) ||
      (c.reason || '').toLowerCase().includes(f);
    return !hiddenByCollapse(p);
  });
  if (st.sort) {
    const key = {
      path: (c) => c.path, kind: (c) => c.strategy || c.type,
      state: (c) => c.state, pid: (c) => c.pid, restarts: (c) => c.restarts,
      uptime: (c) => c.uptime_ms, reason: (c) => c.reason || '',
    }[st.sort];
    v = v.slice().sort((a, b) => {
      const x = key(st.kids.get(a)), y = key(st.kids.get(b));
      const r = x < y ? -1 : x > y ? 1 : 0;
      return st.desc ? -r : r;
    });
  }
  st.visible = v;
  $('spacer').style.height = (v.length * ROW) + 'px';
  $('shown').textContent = v.length === st.order.length ?
    st.order.length + ' children' : v.length + ' of ' + st.order.length;
  const n = {};
  for (const c of st.kids.values()) n[c.state] = (n[c.state] || 0) + 1;
  $('counts').textContent = Object.entries(n).map(([k, x]) => x + ' ' + k)
    .join(', ');
}

// ---- drawing ----

function fmtUptime(ms) {
  if (!ms) return '';
  const s = Math.floor(ms / 1000);
  if (s < 60) return s + 's';
  if (s < 3600) return Math.floor(s / 60) + 'm' + (s % 60) + 's';
  if (s < 86400) return Math.floor(s / 3600) + 'h' +
    Math.floor(s % 3600 / 60) + 'm';
  return Math.floor(s / 86400) + 'd' + Math.floor(s % 86400 / 3600) + 'h';
}

const SVG = 'http://www.w3.org/2000/svg';
function spark(path) {
  const s = st.spark.get(path), svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', 'spark');
  svg.setAttribute('viewBox', '0 0 60 18');
  if (!s) return svg;
  const max = Math.max(1, ...s.b);
  const pts = s.b.map((x, i) => (i * 2) + ',' + (17 - x / max * 16)).join(' ');
  const line = document.createElementNS(SVG, 'polyline');
  line.setAttribute('points', pts);
  line.setAttribute('fill', 'none');
  line.setAttribute('stroke', s.b.some((x) => x) ? '#e5534b' : '#b8c0cc');
  line.setAttribute('stroke-width', '1.5');
  svg.appendChild(line);
  const t = document.createElementNS(SVG, 'title');
  t.textContent = s.b.reduce((a, x) => a + x, 0) + ' restarts in ' +
    SPARK_MIN + ' min';
  svg.appendChild(t);
  return svg;
}

function button(label, op, path) {
  const b = el('button', null, label);
  b.type = 'button';
  b.dataset.op = op;
  b.dataset.path = path;
  return b;
}

function drawRow(path, i) {
  const c = st.kids.get(path), r = el('div', 'row');
  r.style.top = (i * ROW) + 'px';
  r.dataset.path = path;
  if (path === st.selected) r.classList.add('sel');
  const name = el('span');
  name.style.paddingLeft = (st.filter || st.sort ? 0 : depth(path) * 16) + 'px';
  const tog = el('span', 'tog', c.type === 'supervisor' ?
    (st.collapsed.has(path) ? '\u25B8' : '\u25BE') : '');
  tog.dataset.toggle = path;
  name.appendChild(tog);
  name.appendChild(document.createTextNode(st.filter || st.sort ? path :
    c.name));
  name.title = path;
  r.appendChild(name);
  r.appendChild(el('span', null, c.type === 'supervisor' ? c.strategy :
    'worker'));
  const s = el('span');
  s.appendChild(el('span', 'badge s-' + c.state, c.state));
  r.appendChild(s);
  r.appendChild(el('span', null, c.pid || ''));
  const up = c.state === 'running' ?
    c.uptime_ms + (performance.now() - c.at) : 0;
  r.appendChild(el('span', 'up', fmtUptime(up)));
  r.appendChild(el('span', null, c.restarts));
  let why = c.reason || '';
  if (c.detail) why += ' (' + c.detail + ')';
  if (c.exited_at_ms) why += ' at ' +
    new Date(c.exited_at_ms).toLocaleTimeString();
  const w = el('span', null, why);
  w.title = why;
  r.appendChild(w);
  const sp = el('span');
  sp.appendChild(spark(path));
  r.appendChild(sp);
  const act = el('span');
  act.appendChild(button('restart', 'restart', path));
  if (c.state === 'running' || c.state === 'starting' ||
      c.state === 'restarting') act.appendChild(button('stop', 'stop', path));
  else act.appendChild(button('start', 'start', path));
  r.appendChild(act);
  return r;
}

// Draws the rows the window shows, once per turn of the page's loop
// however many changes asked for it (a timer, not requestAnimationFrame:
// that one waits for a frame, which a hidden or headless page may not
// make for a long time).
let drawQueued = false;
function draw() {
  if (drawQueued) return;
  drawQueued = true;
  setTimeout(() => {
    drawQueued = false;
    const sc = $('scroll'), sp = $('spacer');
    const first = Math.max(0, Math.floor(sc.scrollTop / ROW) - 5);
    const last = Math.min(st.visible.length,
      Math.ceil((sc.scrollTop + sc.clientHeight) / ROW) + 5);
    const rows = [];
    for (let i = first; i < last; i++) rows.push(drawRow(st.visible[i], i));
    sp.replaceChildren(...rows);
  }, 0);
}

function drawNode() {
  const h = st.herd;
  if (!h) return;
  $('node').textContent = 'herdd ' + h.version + ', pid ' + h.pid + ', ' +
    h.state + ', ' + h.config;
}

function addEvent(ev) {
  const box = $('events'), d = el('div', 'ev');
  const t = ev.time ? new Date(ev.time).toLocaleTimeString() : '';
  d.appendChild(el('span', 't', t));
  d.appendChild(el('span', 'k', ev.event));
  let what = ev.path !== undefined ? ev.path : '';
  if (ev.pid) what += ' pid ' + ev.pid;
  if (ev.reason) what += ' ' + ev.reason;
  if (ev.detail) what += ' (' + ev.detail + ')';
  d.appendChild(el('span', null, what));
  box.prepend(d);
  while (box.childElementCount > EVENTS_KEPT) box.lastElementChild.remove();
  $('seq').textContent = 'seq ' + ev.seq;
}

// ---- fetching ----

async function fullRefresh() {
  const s = await api('status', {});
  st.herd = s.herd;
  const seen = new Set();
  st.order = [];
  for (const c of s.children) { take(c); st.order.push(c.path); seen.add(c.path); }
  for (const p of [...st.kids.keys()]) if (!seen.has(p)) st.kids.delete(p);
  drawNode();
  recompute();
  draw();
}

// One status request at a time: replies that crossed would let an older
// one overwrite a newer. What changes meanwhile waits for the next.
async function refreshDirty() {
  st.timer = 0;
  if (st.busy) { st.again = true; return; }
  const names = [...st.dirty].filter((p) => p !== '');
  const full = st.full || names.some((p) => !st.kids.has(p));
  st.dirty.clear();
  st.full = false;
  st.busy = true;
  try {
    if (full || names.length > 500) {
      await fullRefresh();
    } else if (names.length) {
      const s = await api('status', { names });
      st.herd = s.herd;
      for (const c of s.children) take(c);
      drawNode();
      recompute();
      draw();
    }
  } catch (e) {
    if (e.code === 'not_found') st.full = true;
    else say('status: ' + e.message);
  } finally {
    st.busy = false;
    if (st.again || st.full) { st.again = false; schedule(); }
  }
}

function schedule() {
  if (!st.timer) st.timer = setTimeout(refreshDirty, 150);
}

function onEvent(ev) {
  if (typeof ev.seq === 'number') st.lastSeq = ev.seq;
  addEvent(ev);
  if (ev.event === 'child.deleted' && ev.path) {
    st.kids.delete(ev.path);
    st.order = st.order.filter((p) => p !== ev.path);
    recompute();
    draw();
    return;
  }
  if (ev.event === 'config.reloaded' || ev.event === 'herd.started') st.full = true;
  if (typeof ev.path === 'string') st.dirty.add(ev.path);
  schedule();
  if (ev.path === st.selected && ev.event === 'child.started') showLogs(ev.path);
}

function follow() {
  const es = new EventSource('/events?since=' + st.lastSeq);
  es.onopen = () => { $('live').className = 'on'; $('live').textContent = 'live'; };
  es.onmessage = (m) => { try { onEvent(JSON.parse(m.data)); } catch (e) {} };
  es.addEventListener('gap', () => { st.full = true; schedule(); });
  es.onerror = () => {
    $('live').className = 'off';
    $('live').textContent = 'reconnecting';
    // EventSource comes back by itself with Last-Event-ID
  };
}

// Messages per second of an actor: two of its "stats" counts apart.
const rates = new Map(); // id -> {handled, at, rate}

async function actorRate(x) {
  try {
    const s = await api('stats', { name: x.id });
    const now = performance.now(), was = rates.get(x.id);
    const r = { handled: s.reply.handled, at: now, rate: null };
    if (was) r.rate = (r.handled - was.handled) / ((now - was.at) / 1000);
    rates.set(x.id, r);
  } catch (e) { /* an actor on an older libherd: no figure */ }
}

async function actors() {
  try {
    const a = await api('actors', {});
    const list = Array.isArray(a) ? a : (a.actors || []);
    // the first 100 (their stats are a request each)
    await Promise.all(list.slice(0, 100).map(actorRate));
    const rows = list.map((x) => {
      const tr = el('tr'), r = rates.get(x.id);
      for (const v of [x.name, x.id, x.pid, x.state, x.mailbox,
        r && r.rate !== null ? r.rate.toFixed(1) : '-',
        x.ready ? 'yes' : 'no', (x.names || []).join(', ')])
        tr.appendChild(el('td', null, v));
      return tr;
    });
    $('actorrows').replaceChildren(...rows);
    $('nactors').textContent = list.length + ' registered';
  } catch (e) { $('nactors').textContent = e.message; }
}

// The saga coordinator's TXs in flight (herdctl tx list), when it runs.
async function txs() {
  try {
    const r = await api('tx', {});
    const list = (r.reply && r.reply.txs) || [];
    const rows = list.map((t) => {
      const tr = el('tr');
      for (const v of [t.tx, t.saga, t.state, t.two_phase ? 'yes' : 'no',
        t.age_ms !== undefined ? fmtUptime(t.age_ms) : '',
        (t.jobs || []).length])
        tr.appendChild(el('td', null, v));
      return tr;
    });
    $('txrows').replaceChildren(...rows);
    $('ntxs').textContent = list.length + ' in flight';
  } catch (e) {
    $('ntxs').textContent = e.code === 'not_found' ?
      'no saga coordinator (herd-sagad) runs' : e.message;
  }
}

async function showLogs(path) {
  st.selected = path;
  $('logname').textContent = path;
  draw();
  try {
    const r = await fetch('/logs?' + new URLSearchParams({ name: path }),
      { credentials: 'same-origin' });
    const t = await r.text();
    $('logtext').textContent = t; // the output, or why there is none
    $('logtext').scrollTop = $('logtext').scrollHeight;
  } catch (e) { $('logtext').textContent = e.message; }
}

// ---- wiring ----

function wire() {
  $('scroll').addEventListener('scroll', draw, { passive: true });
  window.addEventListener('resize', draw);
  $('filter').addEventListener('input', (e) => {
    st.filter = e.target.value.trim(); recompute(); draw();
  });
  $('cols').addEventListener('click', (e) => {
    const k = e.target.dataset && e.target.dataset.sort;
    if (!k) return;
    if (st.sort === k) { if (st.desc) st.sort = null; st.desc = !st.desc; }
    else { st.sort = k; st.desc = false; }
    recompute(); draw();
  });
  $('spacer').addEventListener('click', (e) => {
    const t = e.target;
    if (t.dataset.op) { change(t.dataset.op, t.dataset.path); return; }
    if (t.dataset.toggle !== undefined && t.textContent) {
      const p = t.dataset.toggle;
      if (st.collapsed.has(p)) st.collapsed.delete(p); else st.collapsed.add(p);
      recompute(); draw(); return;
    }
    const row = t.closest('.row');
    if (row) showLogs(row.dataset.path);
  });
  setInterval(draw, 1000);     // uptimes; herdd is not asked
  setInterval(actors, 5000);
  setInterval(txs, 5000);
}

async function main() {
  wire();
  try {
    const e = await api('events', { since: -1 });
    st.lastSeq = e.last_seq;
    await fullRefresh();
    follow();
    actors();
    txs();
  } catch (e) {
    say(e.message);
  }
}

main();
