// The dashboard: the cluster as the API shows it to the logged-in user. Every kind it shows is kept
// current by one watch over a WebSocket (a browser's six HTTP/1.1 connections per origin do not
// limit those), so nothing is re-read on a timer except usage, which cannot be watched (every 15 s,
// metrics-server's own period). Every request carries the user's token (or the browser's client
// certificate; a WebSocket carries the token as a subprotocol, as kube-apiserver accepts it), so the
// page sees and may change exactly what that user may.

const TOKEN_KEY = 'k3ts-dashboard-token';
const HISTORY_POINTS = 120;

const state = {
  token: sessionStorage.getItem(TOKEN_KEY) ?? '',
  kinds: {},
  nodeUsage: new Map(),
  hpaHistory: new Map(),
  canScale: false,
  stop: new AbortController(),
};

const $ = (sel) => document.querySelector(sel);

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null) e.append(c instanceof Node ? c : String(c));
  return e;
}

function api(path, init = {}) {
  const headers = { Accept: 'application/json', ...(init.headers ?? {}) };
  if (state.token) headers.Authorization = `Bearer ${state.token}`;
  return fetch(path, { ...init, headers, signal: init.signal ?? state.stop.signal });
}

async function apiJson(path, init) {
  const res = await api(path, init);
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw Object.assign(new Error(body.message ?? `${res.status} ${res.statusText}`), { status: res.status });
  return body;
}

const post = (path, body) => apiJson(path, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });

// ---- watches ---------------------------------------------------------------------------------

const keyOf = (o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

// A WebSocket cannot carry Authorization: the token goes as a subprotocol beside the data one.
const WATCH_PROTOCOL = 'base64.binary.k8s.io';
function watchProtocols() {
  if (!state.token) return [WATCH_PROTOCOL];
  const bytes = new TextEncoder().encode(state.token);
  const b64url = btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  return [WATCH_PROTOCOL, `base64url.bearer.authorization.k8s.io.${b64url}`];
}

/** One watch over a WebSocket; resolves when it ends, `gone` when the server said the version is too old. */
function watchSocket(path, rv, onEvent) {
  return new Promise((resolve) => {
    const url = new URL(`${path}?watch=1&allowWatchBookmarks=true&resourceVersion=${encodeURIComponent(rv)}`, location.href);
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(url, watchProtocols());
    let gone = false;
    const stop = () => ws.close();
    state.stop.signal.addEventListener('abort', stop);
    ws.onmessage = (msg) => {
      const ev = JSON.parse(msg.data);
      if (ev.type === 'ERROR') {
        gone = true;
        ws.close();
        return;
      }
      onEvent(ev);
    };
    ws.onclose = (ev) => {
      state.stop.signal.removeEventListener('abort', stop);
      resolve({ gone, code: ev.code });
    };
  });
}

/** List, then watch from the list's resourceVersion; relist after a 410 or a broken socket. */
async function follow(name, path) {
  const items = new Map();
  state.kinds[name] = items;
  while (!state.stop.signal.aborted) {
    try {
      const list = await apiJson(path);
      items.clear();
      for (const o of list.items ?? []) items.set(keyOf(o), o);
      render();
      let rv = list.metadata.resourceVersion;
      for (;;) {
        const opened = Date.now();
        const end = await watchSocket(path, rv, (ev) => {
          rv = ev.object.metadata.resourceVersion;
          if (ev.type === 'BOOKMARK') return;
          if (ev.type === 'DELETED') items.delete(keyOf(ev.object));
          else items.set(keyOf(ev.object), ev.object);
          render();
        });
        if (state.stop.signal.aborted) return;
        if (end.gone) break; // too old: list again
        // The server's timeout ends a watch cleanly: resume from the last version. A socket that
        // failed (refused, or the server gone) is retried through a fresh list, not in a tight loop.
        if (end.code !== 1000 || Date.now() - opened < 1000) throw new Error(`watch closed (${end.code})`);
      }
    } catch (err) {
      if (state.stop.signal.aborted) return;
      if (err.status === 403) {
        // The user may not see this kind: leave its section empty rather than retrying forever.
        state.kinds[name] = new Map();
        render();
        return;
      }
      setStatus(`reconnecting ${name}: ${err.message}`);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function pollNodeUsage() {
  while (!state.stop.signal.aborted) {
    try {
      const list = await apiJson('/apis/metrics.k8s.io/v1beta1/nodes');
      state.nodeUsage = new Map((list.items ?? []).map((m) => [m.metadata.name, m.usage]));
      render();
    } catch {
      // No metrics yet (or no right to read them): the bars stay empty.
    }
    await new Promise((r) => setTimeout(r, 15_000));
  }
}

// ---- quantities ------------------------------------------------------------------------------

const SUFFIX = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
function quantity(q) {
  const m = /^([0-9.]+)([a-zA-Z]*)$/.exec(String(q ?? ''));
  return m && m[2] in SUFFIX ? Number(m[1]) * SUFFIX[m[2]] : NaN;
}

function usageMeter(used, total, label) {
  if (!(used >= 0) || !(total > 0)) return el('span', { class: 'muted' }, '–');
  const pct = Math.round((used / total) * 100);
  return el('span', {}, el('meter', { min: 0, max: 100, value: pct, 'aria-label': `${label} ${pct}%` }), ` ${pct}%`);
}

// ---- rendering -------------------------------------------------------------------------------

let frame = 0;
function render() {
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    renderNodes();
    renderPodMap();
    renderDeployments();
    renderServices();
    renderHpas();
    renderEvents();
  });
}

const values = (name) => [...(state.kinds[name]?.values() ?? [])];
const byName = (a, b) => keyOf(a).localeCompare(keyOf(b));
const condition = (o, type) => (o.status?.conditions ?? []).find((c) => c.type === type);

/** Puts `rows` in `parent`, keeping every existing element whose markup is unchanged: a button
 *  being clicked or holding the keyboard focus is not swapped out by an unrelated watch event. */
function fill(parent, rows) {
  const old = new Map([...parent.children].map((c) => [c.outerHTML, c]));
  const focused = parent.contains(document.activeElement) ? document.activeElement.getAttribute('aria-label') : null;
  const next = rows.map((r) => {
    const same = old.get(r.outerHTML);
    if (same) old.delete(r.outerHTML);
    return same ?? r;
  });
  if (next.length !== parent.children.length || next.some((r, i) => parent.children[i] !== r)) parent.replaceChildren(...next);
  if (focused && !parent.contains(document.activeElement)) parent.querySelector(`[aria-label="${CSS.escape(focused)}"]`)?.focus();
}

function renderNodes() {
  const pods = values('pods');
  fill(
    $('#nodes tbody'),
    values('nodes')
      .sort(byName)
      .map((n) => {
        const ready = condition(n, 'Ready')?.status === 'True';
        const roles = Object.keys(n.metadata.labels ?? {})
          .filter((l) => l.startsWith('node-role.kubernetes.io/'))
          .map((l) => l.slice('node-role.kubernetes.io/'.length))
          .join(',');
        const ip = (n.status?.addresses ?? []).find((a) => a.type === 'InternalIP')?.address ?? '';
        const usage = state.nodeUsage.get(n.metadata.name);
        const alloc = n.status?.allocatable ?? {};
        return el(
          'tr',
          { 'data-node': n.metadata.name },
          el('th', { scope: 'row' }, n.metadata.name),
          el('td', { class: ready ? 'ready' : 'notready' }, ready ? 'Ready' : 'NotReady'),
          el('td', {}, roles || '<none>'),
          el('td', {}, ip),
          el('td', {}, usageMeter(quantity(usage?.cpu), quantity(alloc.cpu), 'CPU')),
          el('td', {}, usageMeter(quantity(usage?.memory), quantity(alloc.memory), 'memory')),
          el('td', {}, String(pods.filter((p) => p.spec?.nodeName === n.metadata.name).length)),
        );
      }),
  );
}

function renderPodMap() {
  const pods = values('pods').sort(byName);
  const nodes = values('nodes').sort(byName).map((n) => n.metadata.name);
  const pending = pods.filter((p) => !p.spec?.nodeName);
  const cards = [...nodes.map((name) => [name, pods.filter((p) => p.spec?.nodeName === name)]), ...(pending.length ? [['(not scheduled)', pending]] : [])];
  fill(
    $('#pod-map'),
    cards.map(([name, list]) =>
      el(
        'article',
        { 'aria-label': `node ${name}` },
        el('h3', {}, `${name} (${list.length})`),
        el('ul', {}, list.map((p) => el('li', { class: `phase-${p.status?.phase ?? 'Pending'}` }, `${p.metadata.namespace}/${p.metadata.name} — ${p.status?.phase ?? 'Pending'}`))),
      ),
    ),
  );
}

function rollout(d) {
  const progressing = condition(d, 'Progressing');
  const available = condition(d, 'Available');
  if ((d.status?.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) return 'waiting for the controller';
  if (progressing?.reason === 'ProgressDeadlineExceeded') return 'stuck: progress deadline exceeded';
  const want = d.spec?.replicas ?? 1;
  if ((d.status?.updatedReplicas ?? 0) === want && (d.status?.availableReplicas ?? 0) === want && (d.status?.replicas ?? 0) === want) return 'complete';
  if (available?.status === 'False') return 'rolling out (not yet available)';
  return 'rolling out';
}

async function scale(d, replicas) {
  const path = `/apis/apps/v1/namespaces/${encodeURIComponent(d.metadata.namespace)}/deployments/${encodeURIComponent(d.metadata.name)}/scale`;
  try {
    await apiJson(path, { method: 'PATCH', body: JSON.stringify({ spec: { replicas } }), headers: { 'Content-Type': 'application/merge-patch+json' } });
    setStatus(`${d.metadata.namespace}/${d.metadata.name} scaled to ${replicas}`);
  } catch (err) {
    setStatus(`scaling ${d.metadata.name} failed: ${err.message}`);
  }
}

function renderDeployments() {
  fill(
    $('#deployments tbody'),
    values('deployments')
      .sort(byName)
      .map((d) => {
        const want = d.spec?.replicas ?? 1;
        const label = `${d.metadata.namespace}/${d.metadata.name}`;
        const controls = state.canScale
          ? el(
              'span',
              {},
              el('button', { type: 'button', 'aria-label': `scale ${label} down`, disabled: want === 0, onclick: () => scale(d, Math.max(0, want - 1)) }, '−'),
              ` ${want} `,
              el('button', { type: 'button', 'aria-label': `scale ${label} up`, onclick: () => scale(d, want + 1) }, '+'),
            )
          : el('span', { title: 'you may not scale deployments' }, String(want));
        return el(
          'tr',
          { 'data-deployment': label },
          el('td', {}, d.metadata.namespace),
          el('th', { scope: 'row' }, d.metadata.name),
          el('td', {}, `${d.status?.readyReplicas ?? 0}/${want}`),
          el('td', {}, String(d.status?.updatedReplicas ?? 0)),
          el('td', {}, rollout(d)),
          el('td', {}, controls),
        );
      }),
  );
}

function renderServices() {
  const endpoints = state.kinds.endpoints ?? new Map();
  fill(
    $('#services tbody'),
    values('services')
      .sort(byName)
      .map((s) => {
        const ep = endpoints.get(keyOf(s));
        const addrs = (ep?.subsets ?? []).flatMap((ss) => (ss.addresses ?? []).flatMap((a) => (ss.ports ?? []).map((p) => `${a.ip}:${p.port}/${p.protocol ?? 'TCP'}`)));
        const ports = (s.spec?.ports ?? []).map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(', ');
        return el(
          'tr',
          {},
          el('td', {}, s.metadata.namespace),
          el('th', { scope: 'row' }, s.metadata.name),
          el('td', {}, s.spec?.type ?? 'ClusterIP'),
          el('td', {}, s.spec?.clusterIP ?? ''),
          el('td', {}, ports),
          el('td', {}, addrs.length ? addrs.join(', ') : el('span', { class: 'warn' }, 'none ready')),
        );
      }),
  );
}

function utilization(h) {
  const m = (h.status?.currentMetrics ?? []).find((c) => c.type === 'Resource');
  const target = (h.spec?.metrics ?? []).find((c) => c.type === 'Resource');
  return { current: m?.resource?.current?.averageUtilization, target: target?.resource?.target?.averageUtilization, name: target?.resource?.name ?? 'cpu' };
}

function chart(points, max) {
  const w = 400;
  const h = 100;
  const path = (key, scaleMax) =>
    points
      .map((p, i) => `${i ? 'L' : 'M'}${((i / Math.max(1, HISTORY_POINTS - 1)) * w).toFixed(1)},${(h - (Math.min(p[key] ?? 0, scaleMax) / scaleMax) * h).toFixed(1)}`)
      .join(' ');
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', `0 0 ${w} ${h}`);
  svg.setAttribute('role', 'img');
  const last = points.at(-1) ?? {};
  svg.setAttribute('aria-label', `replicas ${last.replicas ?? '?'}, utilization ${last.utilization ?? '?'}% over the last ${points.length} changes`);
  for (const [key, color, scaleMax] of [['replicas', '#0b4f9c', Math.max(1, max)], ['utilization', '#a40000', 200]]) {
    const p = document.createElementNS('http://www.w3.org/2000/svg', 'path');
    p.setAttribute('d', path(key, scaleMax));
    p.setAttribute('fill', 'none');
    p.setAttribute('stroke', color);
    p.setAttribute('stroke-width', '2');
    svg.append(p);
  }
  return svg;
}

function renderHpas() {
  const hpas = values('hpas').sort(byName);
  for (const h of hpas) {
    const u = utilization(h);
    const hist = state.hpaHistory.get(keyOf(h)) ?? [];
    const point = { replicas: h.status?.currentReplicas ?? 0, utilization: u.current ?? 0 };
    const prev = hist.at(-1);
    if (!prev || prev.replicas !== point.replicas || prev.utilization !== point.utilization) hist.push(point);
    if (hist.length > HISTORY_POINTS) hist.shift();
    state.hpaHistory.set(keyOf(h), hist);
  }
  if (hpas.length === 0) {
    fill($('#hpas'), [el('p', {}, 'No HorizontalPodAutoscaler yet (kubectl autoscale deployment <name> --cpu-percent=50 --min=2 --max=8).')]);
    return;
  }
  fill(
    $('#hpas'),
    hpas.map((h) => {
      const u = utilization(h);
      return el(
        'article',
        { class: 'hpa', 'data-hpa': keyOf(h) },
        el('h3', {}, `${keyOf(h).replace(/^\//, '')} → ${h.spec?.scaleTargetRef?.kind}/${h.spec?.scaleTargetRef?.name}`),
        el('p', {}, `${u.name}: ${u.current ?? '<unknown>'}%/${u.target ?? '?'}% · replicas ${h.status?.currentReplicas ?? 0} (min ${h.spec?.minReplicas ?? 1}, max ${h.spec?.maxReplicas})`),
        chart(state.hpaHistory.get(keyOf(h)) ?? [], h.spec?.maxReplicas ?? 1),
        el('p', { class: 'legend' }, 'blue: replicas (0 to max) · red: utilization (0 to 200 %)'),
      );
    }),
  );
}

function renderEvents() {
  const time = (e) => e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp ?? '';
  fill(
    $('#events tbody'),
    values('events')
      .sort((a, b) => time(b).localeCompare(time(a)))
      .slice(0, 25)
      .map((e) =>
        el(
          'tr',
          {},
          el('td', {}, time(e).replace('T', ' ').replace(/\..*|Z$/, '')),
          el('td', { class: e.type === 'Warning' ? 'warn' : undefined }, e.type ?? ''),
          el('td', {}, e.reason ?? ''),
          el('td', {}, `${e.involvedObject?.kind ?? ''}/${e.involvedObject?.name ?? ''}`),
          el('td', {}, e.message ?? ''),
        ),
      ),
  );
}

function setStatus(text) {
  $('#status').textContent = text;
}

// ---- start -----------------------------------------------------------------------------------

async function whoAmI() {
  const review = await post('/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
  return review.status?.userInfo ?? {};
}

async function mayScale() {
  try {
    const r = await post('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: { resourceAttributes: { group: 'apps', resource: 'deployments', subresource: 'scale', verb: 'patch' } },
    });
    return r.status?.allowed === true;
  } catch {
    return false;
  }
}

async function start() {
  let user;
  try {
    user = await whoAmI();
  } catch (err) {
    if (state.token) {
      sessionStorage.removeItem(TOKEN_KEY);
      state.token = '';
      $('#login-error').textContent = err.status === 401 ? 'That token was not accepted.' : `Login failed: ${err.message}`;
    }
    $('#login').hidden = false;
    $('#app').hidden = true;
    $('#token').focus();
    return;
  }
  $('#login').hidden = true;
  $('#app').hidden = false;
  $('#logout').hidden = !state.token;
  $('#who').textContent = `logged in as ${user.username ?? 'unknown'}`;
  state.canScale = await mayScale();
  for (const [name, path] of [
    ['nodes', '/api/v1/nodes'],
    ['pods', '/api/v1/pods'],
    ['deployments', '/apis/apps/v1/deployments'],
    ['services', '/api/v1/services'],
    ['endpoints', '/api/v1/endpoints'],
    ['hpas', '/apis/autoscaling/v2/horizontalpodautoscalers'],
    ['events', '/api/v1/events'],
  ]) {
    void follow(name, path);
  }
  void pollNodeUsage();
}

$('#login-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  state.token = $('#token').value.trim();
  $('#token').value = '';
  sessionStorage.setItem(TOKEN_KEY, state.token);
  $('#login-error').textContent = '';
  void start();
});

$('#logout').addEventListener('click', () => {
  state.stop.abort();
  sessionStorage.removeItem(TOKEN_KEY);
  location.reload();
});

void start();
