// Gatehouse dashboard: plain JS, no build step. Reads the admin API (GET /config, /sync,
// /config/history) and streams live figures from /ui/events (server-sent events read through
// fetch, so that the admin token goes in the Authorization header, never in a URL).
'use strict';

const state = { token: '', config: null, live: null, history: [] };

function tokenFromPage() {
  const m = /(?:^|[#&])token=([^&]+)/.exec(location.hash);
  if (m) {
    sessionStorage.setItem('gatehouse-token', decodeURIComponent(m[1]));
    history.replaceState(null, '', location.pathname); // keep the token out of the address bar
  }
  return sessionStorage.getItem('gatehouse-token') || '';
}

function headers() {
  return state.token ? { Authorization: 'Bearer ' + state.token } : {};
}

async function api(path) {
  const r = await fetch(path, { headers: headers() });
  if (r.status === 401) {
    throw Object.assign(new Error('unauthorized'), { status: 401 });
  }
  if (!r.ok) {
    throw new Error(path + ': ' + r.status);
  }
  return r.json();
}

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v; else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c === null || c === undefined ? '' : c);
  return e;
}

function fill(tableId, rows) {
  const body = document.querySelector('#' + tableId + ' tbody');
  body.replaceChildren(...rows);
}

function num(v, digits) {
  return v === null || v === undefined ? '–' : Number(v).toFixed(digits === undefined ? 1 : digits);
}

function pct(v) {
  return v === null || v === undefined ? '–' : (v * 100).toFixed(1) + ' %';
}

function ms(v) {
  return v === null || v === undefined ? '–' : (v < 10 ? v.toFixed(1) : Math.round(v)) + ' ms';
}

function setStatus(text, cls) {
  const s = document.getElementById('status');
  s.textContent = text;
  s.className = 'pill ' + (cls || '');
}

function describeMatch(m) {
  const parts = [];
  if (m.path) parts.push(Object.entries(m.path).map(([k, v]) => k + ' ' + v).join(' '));
  if (m.methods && m.methods.length) parts.push(m.methods.join(','));
  if (m.headers && Object.keys(m.headers).length) parts.push('headers ' + Object.keys(m.headers).join(','));
  return parts.join(' ') || 'any';
}

function trafficBy(key) {
  const out = new Map();
  for (const t of (state.live && state.live.traffic) || []) {
    const k = t[key];
    const a = out.get(k) || { rps: 0, errorsRps: 0, p99Ms: null };
    a.rps += t.rps;
    a.errorsRps += t.rps * t.errorRate;
    if (t.p99Ms !== null && (a.p99Ms === null || t.p99Ms > a.p99Ms)) a.p99Ms = t.p99Ms;
    out.set(k, a);
  }
  return out;
}

function renderRoutes() {
  if (!state.config) return;
  const byRoute = trafficBy('route');
  fill('routes', state.config.config.routes.map(r => {
    const t = byRoute.get(r.name) || { rps: 0, errorsRps: 0, p99Ms: null };
    const action = r.backends ? r.backends.map(b => b.upstream + ' (' + b.weight + ')').join(', ')
      : r.redirect ? 'redirect ' + (r.redirect.status || '') : r.directResponse ? 'direct ' + r.directResponse.status : '';
    return el('tr', { 'data-route': r.name },
      el('td', {}, r.name),
      el('td', {}, (r.hosts || []).join(', ') + ' · ' + (r.match || []).map(describeMatch).join(' | ')),
      el('td', {}, action),
      el('td', { class: 'num rps' }, num(t.rps)),
      el('td', { class: 'num' }, pct(t.rps > 0 ? t.errorsRps / t.rps : null)),
      el('td', { class: 'num' }, ms(t.p99Ms)));
  }));
}

function renderUpstreams() {
  const live = state.live;
  if (!live) return;
  const byUpstream = trafficBy('upstream');
  const rows = [];
  for (const c of live.clusters) {
    const t = byUpstream.get(c.name) || { rps: 0, errorsRps: 0, p99Ms: null };
    c.endpoints.forEach((e, i) => rows.push(el('tr', { 'data-endpoint': e.address },
      el('td', {}, i === 0 ? c.name : ''),
      el('td', {}, e.address),
      el('td', { class: e.health }, e.health),
      el('td', { class: 'num' }, e.activeRequests),
      el('td', { class: 'num' }, i === 0 ? num(t.rps) : ''),
      el('td', { class: 'num' }, i === 0 ? pct(t.rps > 0 ? t.errorsRps / t.rps : null) : ''),
      el('td', { class: 'num' }, i === 0 ? ms(t.p99Ms) : ''))));
  }
  fill('upstreams', rows);
  fill('listeners', (state.config ? state.config.config.listeners : []).map(l => el('tr', {},
    el('td', {}, l.name), el('td', {}, l.protocol || 'HTTP'), el('td', {}, (l.address || '') + ':' + l.port),
    el('td', { class: 'num' }, (live.connections || {})[l.name] || 0))));
  fill('egress', live.egressDenied.map(d => el('tr', {},
    el('td', {}, d.destination), el('td', {}, d.reason), el('td', { class: 'num' }, d.count))));
  document.getElementById('version').textContent = 'config v' + live.version;
}

function renderCertificates() {
  const certs = (state.config && state.config.certificates) || [];
  const now = Date.now();
  fill('certificates', certs.map(c => {
    if (c.error) return el('tr', {}, el('td', {}, c.listener), el('td', { class: 'soon', colspan: 3 }, c.error));
    const days = Math.floor((Date.parse(c.notAfter) - now) / 86400000);
    return el('tr', {}, el('td', {}, c.listener), el('td', {}, c.subject), el('td', {}, c.notAfter.slice(0, 10)),
      el('td', { class: 'num' + (days < 14 ? ' soon' : '') }, days));
  }));
}

async function loadSources() {
  const sync = await api('/sync');
  fill('sources', sync.sources.map(s => el('tr', {},
    el('td', {}, s.name + ' (' + s.kind + ')'),
    el('td', { class: s.lastError ? 'UNHEALTHY' : 'HEALTHY' }, s.lastError ? 'error' : 'ok'),
    el('td', {}, s.lastSuccess || '–'),
    el('td', {}, s.lastError || ''))));
}

async function loadHistory() {
  const h = await api('/config/history');
  state.history = h.versions;
  fill('versions', h.versions.slice().reverse().map(v => el('tr', {},
    el('td', {}, v.version + (v.serving ? ' (serving)' : '')), el('td', {}, v.source), el('td', {}, v.at),
    el('td', { class: 'num' }, v.routes), el('td', { class: 'num' }, v.upstreams),
    el('td', {}, el('a', { href: '#', 'data-diff': v.version }, 'vs previous')))));
  for (const id of ['diff-a', 'diff-b']) {
    const sel = document.getElementById(id);
    const keep = sel.value;
    sel.replaceChildren(...h.versions.map(v => el('option', { value: v.version }, 'v' + v.version + ' ' + v.source)));
    if (keep) sel.value = keep;
  }
  const versions = h.versions.map(v => v.version);
  if (!document.getElementById('diff-a').value && versions.length) {
    document.getElementById('diff-a').value = versions[Math.max(0, versions.length - 2)];
  }
  if (versions.length) document.getElementById('diff-b').value = document.getElementById('diff-b').value || versions[versions.length - 1];
}

/** A line diff (longest common subsequence) of two pretty-printed configs. */
function diffLines(a, b) {
  const n = a.length, m = b.length;
  const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--)
    lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const out = [];
  let i = 0, j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) { out.push([' ', a[i]]); i++; j++; }
    else if (lcs[i + 1][j] >= lcs[i][j + 1]) out.push(['-', a[i++]]);
    else out.push(['+', b[j++]]);
  }
  while (i < n) out.push(['-', a[i++]]);
  while (j < m) out.push(['+', b[j++]]);
  return out;
}

async function showDiff(from, to) {
  const [a, b] = await Promise.all([api('/config/history/' + from), api('/config/history/' + to)]);
  const lines = diffLines(JSON.stringify(a.config, null, 2).split('\n'), JSON.stringify(b.config, null, 2).split('\n'));
  const changed = lines.filter(l => l[0] !== ' ').length;
  const pre = document.getElementById('diff');
  pre.replaceChildren(el('div', {}, 'v' + from + ' (' + a.source + ') → v' + to + ' (' + b.source + '): ' + changed + ' changed lines'),
    ...lines.filter((l, k) => l[0] !== ' ' || lines.slice(Math.max(0, k - 2), k + 3).some(x => x[0] !== ' '))
      .map(l => el('div', { class: l[0] === '+' ? 'add' : l[0] === '-' ? 'del' : '' }, l[0] + ' ' + l[1])));
}

// ---- topology: clients → listeners → routes → upstreams → endpoints; egress → destinations ----

const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attrs, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function edgeColour(errorRate) {
  return errorRate >= 0.05 ? 'var(--bad)' : errorRate >= 0.01 ? 'var(--warn)' : 'var(--ok)';
}

function edgeWidth(rps) {
  return rps > 0 ? Math.min(14, 1.5 + 3 * Math.log10(1 + rps * 10)) : 1;
}

function renderTopology() {
  const graph = document.getElementById('topology');
  if (!state.config || !state.live) return;
  const cfg = state.config.config;
  const live = state.live;
  const columns = ['clients', 'listeners', 'routes', 'upstreams', 'endpoints'];
  const nodes = new Map();
  const edges = [];
  const add = (id, column, label, cls) => { if (!nodes.has(id)) nodes.set(id, { id, column, label, cls: cls || '' }); };
  const byRoute = trafficBy('route');
  add('clients', 0, 'clients');
  const http = cfg.listeners.filter(l => !l.protocol || l.protocol === 'HTTP' || l.protocol === 'HTTPS');
  for (const l of cfg.listeners) add('l:' + l.name, 1, l.name + ' :' + l.port);
  for (const l of http) {
    let rps = 0, err = 0;
    for (const r of cfg.routes) { const t = byRoute.get(r.name); if (t) { rps += t.rps; err += t.errorsRps; } }
    edges.push({ from: 'clients', to: 'l:' + l.name, rps: rps / Math.max(1, http.length), errorRate: rps ? err / rps : 0 });
  }
  for (const r of cfg.routes) {
    add('r:' + r.name, 2, r.name);
    const t = byRoute.get(r.name) || { rps: 0, errorsRps: 0 };
    for (const l of http) edges.push({ from: 'l:' + l.name, to: 'r:' + r.name, rps: t.rps / Math.max(1, http.length),
      errorRate: t.rps ? t.errorsRps / t.rps : 0 });
  }
  for (const t of live.traffic) {
    if (!t.upstream) continue;
    add('u:' + t.upstream, 3, t.upstream);
    edges.push({ from: 'r:' + t.route, to: 'u:' + t.upstream, rps: t.rps, errorRate: t.errorRate });
  }
  for (const r of cfg.routes) for (const b of r.backends || []) {
    add('u:' + b.upstream, 3, b.upstream);
    if (!edges.some(e => e.from === 'r:' + r.name && e.to === 'u:' + b.upstream)) {
      edges.push({ from: 'r:' + r.name, to: 'u:' + b.upstream, rps: 0, errorRate: 0 });
    }
  }
  const upstreamRps = trafficBy('upstream');
  for (const c of live.clusters) {
    add('u:' + c.name, 3, c.name);
    const t = upstreamRps.get(c.name) || { rps: 0, errorsRps: 0 };
    const serving = c.endpoints.filter(e => e.health === 'HEALTHY').length || 1;
    for (const e of c.endpoints) {
      add('e:' + c.name + '/' + e.address, 4, e.address + (e.health === 'HEALTHY' ? '' : ' ' + e.health.toLowerCase()), e.health);
      const up = e.health === 'HEALTHY';
      edges.push({ from: 'u:' + c.name, to: 'e:' + c.name + '/' + e.address, rps: up ? t.rps / serving : 0,
        errorRate: up ? (t.rps ? t.errorsRps / t.rps : 0) : 1, dashed: !up });
    }
  }
  for (const l of cfg.listeners.filter(l => l.protocol === 'EGRESS')) {
    for (const d of live.egress) {
      add('d:' + d.destination, 3, d.destination + ' (egress)');
      edges.push({ from: 'l:' + l.name, to: 'd:' + d.destination, rps: d.rps, errorRate: d.rps ? d.deniedRps / d.rps : 0 });
    }
  }
  layout(graph, columns, nodes, edges);
}

function layout(graph, columns, nodes, edges) {
  const width = graph.clientWidth || 900;
  const perColumn = columns.map((_, i) => [...nodes.values()].filter(n => n.column === i));
  const rows = Math.max(1, ...perColumn.map(c => c.length));
  const height = Math.max(220, 40 + rows * 34);
  graph.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
  graph.style.height = height + 'px';
  const colWidth = width / columns.length;
  const boxW = Math.min(170, colWidth - 30);
  perColumn.forEach((col, i) => col.forEach((n, k) => {
    n.x = i * colWidth + (colWidth - boxW) / 2;
    n.y = 30 + (k + 0.5) * ((height - 30) / col.length) - 11;
  }));
  const layer = [];
  columns.forEach((c, i) => layer.push(svg('text', { class: 'column', x: i * colWidth + colWidth / 2, y: 14, 'text-anchor': 'middle' }, c)));
  for (const e of edges) {
    const a = nodes.get(e.from), b = nodes.get(e.to);
    if (!a || !b) continue;
    const x1 = a.x + boxW, y1 = a.y + 11, x2 = b.x, y2 = b.y + 11, mx = (x1 + x2) / 2;
    const p = svg('path', { class: 'edge', d: `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`,
      stroke: edgeColour(e.errorRate), 'stroke-width': edgeWidth(e.rps).toFixed(1),
      'data-from': e.from, 'data-to': e.to, 'data-rps': e.rps.toFixed(2) });
    if (e.dashed) p.setAttribute('stroke-dasharray', '4 4');
    p.append(svg('title', {}, `${e.from} → ${e.to}: ${e.rps.toFixed(1)} req/s, ${(e.errorRate * 100).toFixed(1)} % errors`));
    layer.push(p);
  }
  for (const n of nodes.values()) {
    const g = svg('g', { class: 'node ' + n.cls, 'data-id': n.id, transform: `translate(${n.x},${n.y})` });
    g.append(svg('rect', { width: boxW, height: 22 }), svg('text', { x: 6, y: 15 }, n.label.length > 26 ? n.label.slice(0, 25) + '…' : n.label));
    layer.push(g);
  }
  graph.replaceChildren(...layer);
}

// ---- live stream ----

async function stream() {
  for (;;) {
    try {
      const r = await fetch('/ui/events', { headers: headers() });
      if (r.status === 401) {
        askForToken();
        return;
      }
      setStatus('live', 'live');
      const reader = r.body.getReader();
      const decoder = new TextDecoder();
      let buffered = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffered += decoder.decode(value, { stream: true });
        let end;
        while ((end = buffered.indexOf('\n\n')) >= 0) {
          const event = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const data = event.split('\n').filter(l => l.startsWith('data:')).map(l => l.slice(5)).join('\n');
          if (data) onLive(JSON.parse(data));
        }
      }
    } catch (e) {
      // the gateway restarted or the connection dropped: show it and try again
    }
    setStatus('disconnected', 'down');
    await new Promise(resolve => setTimeout(resolve, 2000));
  }
}

function onLive(live) {
  const versionChanged = !state.live || state.live.version !== live.version;
  state.live = live;
  if (versionChanged) {
    refreshConfig();
  }
  renderRoutes();
  renderUpstreams();
  renderTopology();
}

async function refreshConfig() {
  try {
    state.config = await api('/config');
    renderRoutes();
    renderCertificates();
    renderTopology();
    await Promise.all([loadSources(), loadHistory()]);
  } catch (e) {
    if (e.status === 401) askForToken(); else setStatus(e.message, 'down');
  }
}

function askForToken() {
  setStatus('token needed', 'down');
  document.getElementById('login').hidden = false;
}

document.getElementById('login').addEventListener('submit', ev => {
  ev.preventDefault();
  state.token = document.getElementById('token').value;
  sessionStorage.setItem('gatehouse-token', state.token);
  document.getElementById('login').hidden = true;
  start();
});

document.getElementById('diff-show').addEventListener('click', () =>
  showDiff(document.getElementById('diff-a').value, document.getElementById('diff-b').value));

document.getElementById('versions').addEventListener('click', ev => {
  const v = ev.target.getAttribute && ev.target.getAttribute('data-diff');
  if (!v) return;
  ev.preventDefault();
  const versions = state.history.map(h => h.version);
  const i = versions.indexOf(Number(v));
  showDiff(i > 0 ? versions[i - 1] : versions[0], Number(v));
});

function start() {
  refreshConfig();
  stream();
}

state.token = tokenFromPage();
start();
