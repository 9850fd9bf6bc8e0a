// Config API web console: plain ES module, no framework, no build step. Hash routes:
//   #/licenses · #/licenses/<id>/<tab>[/<delivery id>] · #/calls[/<request id>]
const main = document.getElementById('main');
const nav = document.getElementById('nav');
const toastEl = document.getElementById('toast');

/** Open live streams and timers of the current view, closed when the route changes. */
let cleanups = [];
function onLeave(fn) { cleanups.push(fn); }

// ------------------------------------------------------------------ DOM helpers (no innerHTML: every value is text)
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}
const fmtTime = (iso) => (iso ? new Date(iso).toLocaleString() : '—');
const badge = (text, cls = text) => h('span', { class: `badge s-${cls}` }, text);
const dash = (v) => (v === null || v === undefined || v === '' ? '—' : v);

function table(columns, rows, opts = {}) {
  const body = h('tbody', {}, rows.map((r) => row(columns, r, opts)));
  const t = h('table', {}, h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', class: c.cls }, c.title)))), body);
  if (opts.label) t.setAttribute('aria-label', opts.label);
  return { el: h('div', { class: 'table-wrap' }, t), body };
}
function row(columns, r, opts = {}) {
  const tr = h('tr', { 'data-id': opts.key ? opts.key(r) : undefined }, columns.map((c) => h('td', { class: c.cls, 'data-label': c.title }, c.cell(r))));
  if (opts.selected && opts.selected(r)) tr.classList.add('selected');
  return tr;
}

function errorBox(err) {
  const type = err.type ?? 'network';
  return h('div', { class: 'error', role: 'alert' }, h('strong', {}, type), ': ', err.message ?? String(err));
}
function toast(message) {
  toastEl.textContent = message;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (toastEl.textContent = ''), 6000);
}

/** A modal confirmation; resolves true when confirmed. */
function confirmAction(text, okLabel = 'Confirm') {
  const dialog = document.getElementById('confirm');
  document.getElementById('confirm-text').textContent = text;
  document.getElementById('confirm-ok').textContent = okLabel;
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true }));
}

// ------------------------------------------------------------------ API
class ConsoleError extends Error {
  constructor(type, message, status) { super(message); this.type = type; this.status = status; }
}
async function api(method, path, body) {
  let res;
  try {
    res = await fetch(`/console/api${path}`, {
      method,
      credentials: 'same-origin',
      headers: { 'x-console-request': '1', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ConsoleError('network', `The server could not be reached (${e.message})`, 0);
  }
  const data = await res.json().catch(() => null);
  if (!res.ok) {
    const err = new ConsoleError(data?.error?.type ?? `http_${res.status}`, data?.error?.message ?? res.statusText, res.status);
    if (res.status === 401 && path !== '/session') { showSignIn(err); }
    throw err;
  }
  return data;
}

/** Run a side effect after confirmation and report its result (or its error) in words. */
async function sideEffect(question, okLabel, fn, done, errorSlot) {
  if (!(await confirmAction(question, okLabel))) return;
  errorSlot?.replaceChildren();
  try {
    const out = await fn();
    toast(done(out));
  } catch (err) {
    if (errorSlot) errorSlot.replaceChildren(errorBox(err));
    toast(`Failed — ${err.type}: ${err.message}`);
  }
}

/** Server-sent events with a visible connection state (`onState(connected)` too). */
function live(url, handlers, indicator, onState) {
  const es = new EventSource(url);
  const set = (on) => {
    if (indicator) { indicator.textContent = on ? '● live' : '○ reconnecting…'; indicator.classList.toggle('off', !on); }
    onState?.(on);
  };
  es.onopen = () => set(true);
  es.onerror = () => set(false);
  for (const [event, fn] of Object.entries(handlers)) es.addEventListener(event, (e) => fn(JSON.parse(e.data)));
  es.addEventListener('signed_out', () => { es.close(); showSignIn(); });
  onLeave(() => es.close());
  return es;
}

// ------------------------------------------------------------------ sign-in
function showSignIn(err) {
  for (const fn of cleanups.splice(0)) fn();
  nav.hidden = true;
  const input = h('input', { type: 'password', id: 'token', name: 'token', autocomplete: 'current-password', required: true });
  const slot = h('div', {}, err && err.status !== 401 ? errorBox(err) : null);
  const form = h('form', { onsubmit: async (e) => {
    e.preventDefault();
    slot.replaceChildren();
    try {
      await api('POST', '/session', { token: input.value });
      input.value = '';
      nav.hidden = false;
      if (!location.hash || location.hash === '#/') location.hash = '#/licenses';
      else route();
    } catch (e2) {
      slot.replaceChildren(errorBox(e2));
      input.select();
    }
  } },
  h('label', { for: 'token' }, 'Admin token (ADMIN_TOKEN of this server)'), input, slot, h('button', { type: 'submit' }, 'Sign in'));
  main.replaceChildren(h('section', { class: 'card signin', 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title' }, 'Sign in'),
    h('p', { class: 'muted' }, 'The token is exchanged for a session cookie; it is not stored in this browser.'), form));
  input.focus();
}

document.getElementById('sign-out').addEventListener('click', async () => {
  try { await api('DELETE', '/session'); } catch { /* signed out anyway */ }
  showSignIn();
  toast('Signed out');
});

// ------------------------------------------------------------------ router
const TABS = [
  ['agents', 'Agents'], ['groups', 'Groups'], ['bots', 'Bots & templates'], ['tags', 'Tags'],
  ['auto_access', 'Auto access'], ['bans', 'Customer bans'], ['properties', 'Properties'], ['webhooks', 'Webhooks'],
  ['deliveries', 'Deliveries'],
];

async function route() {
  for (const fn of cleanups.splice(0)) fn();
  toastEl.textContent = '';
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  for (const a of nav.querySelectorAll('a')) {
    const current = (a.getAttribute('href') === '#/calls') === (parts[0] === 'calls');
    if (current) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  main.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
  try {
    if (parts[0] === 'calls') await callsView(parts[1]);
    else if (parts[0] === 'licenses' && parts[1]) await licenseView(Number(parts[1]), parts[2] ?? 'agents', parts[3]);
    else await licensesView();
  } catch (err) {
    if (err.status === 401) return;
    main.replaceChildren(errorBox(err));
  }
}
window.addEventListener('hashchange', route);

// ------------------------------------------------------------------ licences
async function licensesView() {
  const { licenses } = await api('GET', '/licenses');
  const { el } = table([
    { title: 'Licence', cell: (l) => h('a', { href: `#/licenses/${l.id}/agents` }, String(l.id)) },
    { title: 'Organization', cell: (l) => l.organization_name },
    { title: 'Region', cell: (l) => l.region },
    { title: 'Plan', cell: (l) => l.plan },
    { title: 'Expiry', cell: (l) => (l.expires_at ? fmtTime(l.expires_at) : 'never') },
    { title: 'Created', cls: 'hide-narrow', cell: (l) => fmtTime(l.created_at) },
  ], licenses, { label: 'Licences' });
  main.replaceChildren(h('h1', {}, 'Licences'), licenses.length ? el : h('p', { class: 'muted' }, 'No licences yet.'));
}

/** How long the open licence view gathers change signals before reloading (the server coalesces bursts too). */
const LIVE_RELOAD_MS = 150;

async function licenseView(id, tab, sub) {
  if (!TABS.some(([t]) => t === tab)) tab = 'agents';
  const title = h('h1', {});
  const summary = h('p', { class: 'muted', id: 'license-summary' });
  const showLicense = ({ license, applications }) => {
    title.textContent = `Licence ${license.id} — ${license.organization_name}`;
    summary.textContent = `Region ${license.region} · plan ${license.plan} · expires ${license.expires_at ? fmtTime(license.expires_at) : 'never'} · ` +
      `${applications.length} application${applications.length === 1 ? '' : 's'} installed`;
  };
  const first = await api('GET', `/licenses/${id}`);
  showLicense(first);
  const content = h('div', { id: 'tab-content' }, h('p', { class: 'muted' }, 'Loading…'));
  const result = h('div');
  main.replaceChildren(
    h('p', {}, h('a', { href: '#/licenses' }, '← Licences')),
    title,
    summary,
    licenseActions(id, result),
    result,
    h('nav', { class: 'tabs', 'aria-label': 'Licence sections' },
      TABS.map(([t, label]) => h('a', { href: `#/licenses/${id}/${t}`, 'aria-current': t === tab ? 'page' : null }, label))),
    content,
  );
  const reloadLicense = () => api('GET', `/licenses/${id}`).then(showLicense, () => { /* the tab shows errors */ });
  if (tab === 'deliveries') {
    // Deliveries have their own live stream; the licence's keeps the summary above them current.
    live(`/console/api/licenses/${id}/live`, { changed: reloadLicense });
    return deliveriesTab(id, content, sub, first.applications);
  }
  return liveTab(id, tab, content, reloadLicense);
}

/**
 * A licence tab that follows the licence: every change committed on any node (`changed` on the licence's stream)
 * reloads the tab's data (gathered over LIVE_RELOAD_MS, one load at a time) and the summary, keeping the tables'
 * scroll, the focused switch and a text selection (a reload waits while text is selected or a confirmation is open).
 * New rows are highlighted. Reload stays for a manual refresh.
 */
async function liveTab(id, tab, content, reloadLicense) {
  // One line says both how fresh the data is and whether the stream is connected.
  const status = h('span', { class: 'live off', id: 'tab-status', 'aria-live': 'off' }, '○ connecting…');
  const body = h('div', { id: 'tab-body' }, h('p', { class: 'muted' }, 'Loading…'));
  let connected = false;
  let loadedAt = null;
  const showStatus = () => {
    const at = loadedAt ? loadedAt.toLocaleTimeString() : null;
    status.textContent = connected ? `● updated live${at ? ` · ${at}` : ''}` : `○ ${at ? `reconnecting… · as of ${at}` : 'connecting…'}`;
    status.classList.toggle('off', !connected);
  };
  content.replaceChildren(
    h('div', { class: 'row' }, h('button', { type: 'button', id: 'refresh', class: 'secondary', onclick: () => refresh() }, 'Reload'), status),
    body,
  );

  let loads = 0;
  let shown = null; // the data on screen, as JSON: a reload that finds the same leaves the page untouched
  async function load() {
    loads++;
    let data;
    try {
      data = await api('GET', `/licenses/${id}/tabs/${tab}`);
    } catch (err) {
      shown = null;
      if (err.status !== 401) body.replaceChildren(errorBox(err));
      return;
    }
    loadedAt = new Date();
    showStatus();
    const json = JSON.stringify(data);
    if (json === shown) return;
    const first = shown === null && !body.querySelector('tr');
    shown = json;
    const known = new Set([...body.querySelectorAll('tr[data-id]')].map((tr) => tr.dataset.id));
    const scrolls = [...body.querySelectorAll('.table-wrap')].map((w) => w.scrollLeft);
    const focusedApp = body.contains(document.activeElement) ? document.activeElement.closest('[data-client-id]')?.dataset.clientId : undefined;
    body.replaceChildren(...TAB_VIEWS[tab](data, id).flat(Infinity).filter((x) => x !== null && x !== undefined && x !== false));
    if (tab === 'webhooks') bindWebhookSwitches(id, body);
    body.querySelectorAll('.table-wrap').forEach((w, i) => { if (scrolls[i]) w.scrollLeft = scrolls[i]; });
    if (!first) for (const tr of body.querySelectorAll('tr[data-id]')) if (!known.has(tr.dataset.id)) tr.classList.add('new');
    if (focusedApp) body.querySelector(`[data-client-id="${CSS.escape(focusedApp)}"] .switch-state`)?.focus({ preventScroll: true });
    body.dataset.renders = String(Number(body.dataset.renders ?? 0) + 1); // how many times the data was drawn
  }
  // One load at a time; a change that arrives during a load loads again after it.
  let loading = null;
  let again = false;
  let left = false;
  function refresh() {
    if (left) return Promise.resolve();
    if (loading) { again = true; return loading; }
    loading = load().finally(() => {
      loading = null;
      if (again) { again = false; refresh(); }
    });
    return loading;
  }
  const busy = () => {
    const sel = document.getSelection();
    return document.getElementById('confirm').open || (sel && !sel.isCollapsed && body.contains(sel.anchorNode));
  };
  let timer = null;
  function changed() {
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      if (busy()) { changed(); return; } // text selected or a confirmation open: the change waits
      refresh();
      reloadLicense();
    }, LIVE_RELOAD_MS);
  }
  onLeave(() => { left = true; clearTimeout(timer); });

  // Listen first, then load: what changes after `ready` is signalled. A load that started before `ready` (the stream
  // was slow, or reconnected after a gap) may have missed a change, so `ready` then loads again.
  let readyNow;
  const ready = new Promise((resolve) => { readyNow = resolve; });
  live(`/console/api/licenses/${id}/live`, {
    ready: () => { if (loads > 0) changed(); readyNow(); },
    changed,
  }, null, (on) => { connected = on; showStatus(); });
  await Promise.race([ready, new Promise((resolve) => setTimeout(resolve, 500))]);
  await refresh();
}

/** Reset, snapshot and restore (control-plane operations), each after a confirmation. */
function licenseActions(id, result) {
  const snapSelect = h('select', { id: 'snapshot', 'aria-label': 'Snapshot to restore' });
  const restore = h('button', { type: 'button', class: 'secondary', id: 'restore', disabled: true }, 'Restore snapshot…');
  const refreshSnapshots = async () => {
    try {
      const { snapshots } = await api('GET', `/licenses/${id}/snapshots`);
      snapSelect.replaceChildren(...(snapshots.length
        ? snapshots.map((s) => h('option', { value: s.snapshot_id ?? s.id }, `${s.name ?? (s.snapshot_id ?? s.id).slice(0, 8)} · ${fmtTime(s.created_at)}`))
        : [h('option', { value: '' }, 'no snapshots')]));
      restore.disabled = snapshots.length === 0;
    } catch (err) {
      snapSelect.replaceChildren(h('option', { value: '' }, 'snapshots unavailable'));
    }
  };
  refreshSnapshots();
  restore.addEventListener('click', () => {
    const sid = snapSelect.value;
    sideEffect(`Restore licence ${id} to snapshot ${snapSelect.selectedOptions[0]?.textContent}? Its current configuration is replaced.`, 'Restore',
      () => api('POST', `/licenses/${id}/snapshots/${encodeURIComponent(sid)}/restore`),
      (out) => { route(); return `Licence ${id} restored${out.duration_ms !== undefined ? ` in ${out.duration_ms} ms` : ''}`; }, result);
  });
  return h('div', { class: 'row', id: 'license-actions' },
    h('button', { type: 'button', class: 'danger', id: 'reset', onclick: () => sideEffect(
      `Reset licence ${id} to its bootstrapped state? Every agent but the owner, every group but General, and all other configuration and queued deliveries are deleted; applications and credentials are kept.`,
      'Reset', () => api('POST', `/licenses/${id}/reset`),
      (out) => { route(); return `Licence ${id} reset${out.duration_ms !== undefined ? ` in ${out.duration_ms} ms` : ''}`; }, result) }, 'Reset licence…'),
    h('button', { type: 'button', class: 'secondary', id: 'snapshot-take', onclick: async () => {
      result.replaceChildren();
      try {
        const out = await api('POST', `/licenses/${id}/snapshots`, {});
        await refreshSnapshots();
        toast(`Snapshot ${out.snapshot_id} saved`);
      } catch (err) { result.replaceChildren(errorBox(err)); }
    } }, 'Take snapshot'),
    snapSelect, restore);
}

const groupsCell = (gs) => (gs && gs.length ? gs.map((g) => `${g.id} (${g.priority})`).join(', ') : '—');

const TAB_VIEWS = {
  agents: ({ agents }) => [
    h('h2', {}, `Agents (${agents.length})`),
    table([
      { title: 'Id', cell: (a) => h('span', { class: 'mono' }, a.id) },
      { title: 'Name', cell: (a) => a.name },
      { title: 'Role', cell: (a) => a.role },
      { title: 'Status', cell: (a) => [a.login_status ?? '—', a.suspended ? [' ', badge('suspended', 'error')] : null, a.awaiting_approval ? [' ', badge('awaiting approval', 'pending')] : null] },
      { title: 'Groups (priority)', cell: (a) => groupsCell(a.groups) },
      { title: 'Job title', cls: 'hide-narrow', cell: (a) => dash(a.job_title) },
    ], agents, { label: 'Agents', key: (a) => a.id }).el,
  ],
  groups: ({ groups }) => [
    h('h2', {}, `Groups (${groups.length})`),
    table([
      { title: 'Id', cell: (g) => g.id },
      { title: 'Name', cell: (g) => g.name },
      { title: 'Language', cls: 'hide-narrow', cell: (g) => g.language_code },
      { title: 'Routing', cell: (g) => dash(g.routing_status) },
      { title: 'Members (priority)', cell: (g) => Object.entries(g.agent_priorities ?? {}).map(([a, p]) => `${a} (${p})`).join(', ') || '—' },
    ], groups, { label: 'Groups', key: (g) => String(g.id) }).el,
  ],
  bots: ({ bots, templates }) => [
    h('h2', {}, `Bots (${bots.length})`),
    bots.length ? table([
      { title: 'Id', cell: (b) => h('span', { class: 'mono' }, b.id) },
      { title: 'Name', cell: (b) => b.name },
      { title: 'Owner application', cls: 'hide-narrow', cell: (b) => h('span', { class: 'mono' }, dash(b.owner_client_id)) },
      { title: 'Groups (priority)', cell: (b) => groupsCell(b.groups) },
    ], bots, { label: 'Bots', key: (b) => b.id }).el : h('p', { class: 'muted' }, 'No bots.'),
    h('h2', {}, 'Bot templates'),
    templates.map((app) => [
      h('h3', {}, `${app.name} `, h('span', { class: 'mono muted' }, app.client_id)),
      app.templates.length ? table([
        { title: 'Id', cell: (t) => h('span', { class: 'mono' }, t.id) },
        { title: 'Name', cell: (t) => t.name },
        { title: 'Job title', cell: (t) => dash(t.job_title) },
      ], app.templates, { label: `Templates of ${app.name}`, key: (t) => t.id }).el : h('p', { class: 'muted' }, 'No templates.'),
    ]),
  ],
  tags: ({ tags }) => [
    h('h2', {}, `Tags (${tags.length})`),
    table([
      { title: 'Name', cell: (t) => t.name },
      { title: 'Groups', cell: (t) => (t.group_ids ?? []).join(', ') || '—' },
      { title: 'Author', cls: 'hide-narrow', cell: (t) => dash(t.author_id) },
      { title: 'Created', cls: 'hide-narrow', cell: (t) => fmtTime(t.created_at) },
    ], tags, { label: 'Tags', key: (t) => t.name }).el,
  ],
  auto_access: ({ rules }) => [
    h('h2', {}, `Auto access rules, in order (${rules.length})`),
    table([
      { title: '#', cell: (_r) => String(rules.indexOf(_r) + 1) },
      { title: 'Id', cell: (r) => h('span', { class: 'mono' }, r.id) },
      { title: 'Description', cell: (r) => dash(r.description) },
      { title: 'Groups', cell: (r) => (r.access?.groups ?? []).join(', ') },
      { title: 'Conditions', cell: (r) => h('code', {}, JSON.stringify(r.conditions)) },
    ], rules, { label: 'Auto access rules', key: (r) => r.id }).el,
  ],
  bans: ({ bans }) => [
    h('h2', {}, `Active customer bans (${bans.length})`),
    bans.length ? table([
      { title: 'IP address', cell: (b) => h('span', { class: 'mono' }, dash(b.ip)) },
      { title: 'Customer', cell: (b) => h('span', { class: 'mono' }, dash(b.customer_id)) },
      { title: 'Banned by', cell: (b) => dash(b.agent_id) },
      { title: 'Thread', cls: 'hide-narrow', cell: (b) => h('span', { class: 'mono' }, dash(b.thread_id)) },
      { title: 'Since', cell: (b) => fmtTime(b.created_at) },
      { title: 'Until', cell: (b) => (b.expires_at ? fmtTime(b.expires_at) : 'no end') },
    ], bans, { label: 'Customer bans' }).el : h('p', { class: 'muted' }, 'No active bans (list_customer_bans, v3.6).'),
  ],
  properties: ({ definitions, license, groups }) => [
    h('h2', {}, 'Definitions'),
    definitions.map((app) => {
      const defs = Object.entries(app.properties ?? {});
      return [
        h('h3', {}, `${app.name} `, h('span', { class: 'mono muted' }, app.client_id)),
        defs.length ? table([
          { title: 'Name', cell: ([n]) => h('span', { class: 'mono' }, n) },
          { title: 'Type', cell: ([, d]) => d.type },
          { title: 'Public', cell: ([, d]) => (d.public_access ? 'yes' : 'no') },
          { title: 'Access', cls: 'hide-narrow', cell: ([, d]) => h('code', {}, JSON.stringify(d.access)) },
        ], defs, { label: `Properties of ${app.name}` }).el : h('p', { class: 'muted' }, 'No properties defined.'),
      ];
    }),
    h('h2', {}, 'Licence values'), valuesTable(license, 'Licence property values'),
    h('h2', {}, 'Group values'),
    groups.map((g) => [h('h3', {}, `Group ${g.id}`), valuesTable(g.properties, `Property values of group ${g.id}`)]),
  ],
  webhooks: ({ applications }) => [
    h('h2', {}, 'Webhooks by application'),
    applications.length ? null : h('p', { class: 'muted' }, 'No application is installed.'),
    applications.map((app) => h('section', { class: 'card', 'data-client-id': app.client_id },
      stateRow(app, 'h3'),
      app.webhooks.length ? table([
        { title: 'Id', cell: (w) => h('span', { class: 'mono' }, w.id) },
        { title: 'Action', cell: (w) => w.action },
        { title: 'Type', cell: (w) => w.type },
        { title: 'URL', cell: (w) => h('span', { class: 'mono' }, w.url) },
        { title: 'Filters', cls: 'hide-narrow', cell: (w) => (w.filters ? h('code', {}, JSON.stringify(w.filters)) : '—') },
      ], app.webhooks, { label: `Webhooks of ${app.name}`, key: (w) => w.id }).el : h('p', { class: 'muted' }, 'No webhooks registered.'))),
  ],
};

/** An application's licence-webhooks state with its switch (bound by bindWebhookSwitches). */
function stateRow(app, heading) {
  const on = app.state.license_webhooks_enabled;
  return [
    h('div', { class: 'row' },
      h(heading, {}, `${app.name} `, h('span', { class: 'mono muted' }, app.client_id)),
      h('span', { class: 'webhooks-state' }, 'Licence webhooks: ', on ? badge('enabled') : badge('disabled')),
      h('button', { type: 'button', class: 'secondary switch-state', 'data-enabled': String(on) }, on ? 'Disable' : 'Enable')),
    h('div', { class: 'switch-error' }),
  ];
}

function valuesTable(values, label) {
  const rows = Object.entries(values ?? {}).flatMap(([ns, props]) => Object.entries(props).map(([name, v]) => [ns, name, v]));
  if (!rows.length) return h('p', { class: 'muted' }, 'No values.');
  return table([
    { title: 'Namespace', cell: ([ns]) => h('span', { class: 'mono' }, ns) },
    { title: 'Name', cell: ([, n]) => h('span', { class: 'mono' }, n) },
    { title: 'Value', cell: ([, , v]) => h('code', {}, JSON.stringify(v)) },
  ], rows, { label }).el;
}

function bindWebhookSwitches(id, content) {
  for (const section of content.querySelectorAll('[data-client-id]')) {
    const button = section.querySelector('.switch-state');
    button.addEventListener('click', () => {
      const clientId = section.dataset.clientId;
      const enable = button.dataset.enabled !== 'true';
      sideEffect(
        `${enable ? 'Enable' : 'Disable'} webhooks of application ${clientId} on licence ${id}?` +
          (enable ? '' : ' Queued deliveries of its webhooks are cancelled.'),
        enable ? 'Enable' : 'Disable',
        () => api('PUT', `/licenses/${id}/webhooks-state`, { client_id: clientId, enabled: enable }),
        (state) => {
          const on = state.license_webhooks_enabled;
          section.querySelector('.webhooks-state').replaceChildren('Licence webhooks: ', on ? badge('enabled') : badge('disabled'));
          button.dataset.enabled = String(on);
          button.textContent = on ? 'Disable' : 'Enable';
          return `Webhooks of ${clientId} are now ${on ? 'enabled' : 'disabled'} on licence ${id}`;
        },
        section.querySelector('.switch-error'),
      );
    });
  }
}

// ------------------------------------------------------------------ deliveries
const STATUSES = ['pending', 'delivered', 'failed', 'cancelled'];

async function deliveriesTab(id, content, selectedId, applications) {
  const params = new URLSearchParams(sessionStorage.getItem(`deliveries-filter-${id}`) ?? '');
  const hooks = await api('GET', `/licenses/${id}/tabs/webhooks`);
  const webhookIds = hooks.applications.flatMap((a) => a.webhooks.map((w) => ({ id: w.id, action: w.action, app: a.name })));
  const actions = [...new Set(webhookIds.map((w) => w.action))].sort();
  const select = (name, label, options) => h('label', {}, label, h('select', { name, id: `filter-${name}` },
    h('option', { value: '' }, 'any'), options.map(([v, t]) => h('option', { value: v, selected: params.get(name) === v }, t))));
  const filters = h('form', { class: 'filters', 'aria-label': 'Filter deliveries', onchange: () => reload(), onsubmit: (e) => { e.preventDefault(); reload(); } },
    select('webhook_id', 'Webhook', webhookIds.map((w) => [w.id, `${w.action} · ${w.id.slice(0, 8)}`])),
    select('action', 'Action', actions.map((a) => [a, a])),
    select('status', 'Status', STATUSES.map((s) => [s, s])),
  );
  const indicator = h('span', { class: 'live off', 'aria-live': 'off' }, '○ connecting…');
  const listSlot = h('div', { id: 'deliveries-list' });
  // The outcome of a resend lives outside the detail card, which live updates re-render.
  const outcome = h('div', { id: 'delivery-outcome', 'aria-live': 'polite' });
  const detail = h('div', { id: 'delivery-detail' }, outcome, h('div', { class: 'delivery-card' }));
  content.replaceChildren(
    h('div', { class: 'row' }, h('h2', {}, 'Deliveries'), indicator),
    ...hooks.applications.map((app) => h('div', { class: 'app-state', 'data-client-id': app.client_id }, stateRow(app, 'strong'))),
    filters,
    h('div', { class: 'split' }, listSlot, detail),
  );

  let rows = [];
  const current = () => Object.fromEntries([...new FormData(filters)].filter(([, v]) => v !== ''));
  const matches = (d) => Object.entries(current()).every(([k, v]) => d[k] === v);
  const columns = [
    { title: 'Time', cell: (d) => h('a', { href: `#/licenses/${id}/deliveries/${d.id}`, class: 'open-delivery' }, fmtTime(d.created_at)) },
    { title: 'Action', cell: (d) => d.action },
    { title: 'Status', cell: (d) => badge(d.status) },
    { title: 'Attempts', cell: (d) => String(d.attempts) },
    { title: 'Last answer', cls: 'hide-narrow', cell: (d) => (d.last_status ? `HTTP ${d.last_status}` : dash(d.last_error)) },
  ];
  const opts = { label: 'Deliveries', key: (d) => d.id, selected: (d) => d.id === selectedId };
  function render() {
    listSlot.replaceChildren(rows.length ? table(columns, rows, opts).el : h('p', { class: 'muted', id: 'no-deliveries' }, 'No deliveries match.'));
  }
  let generation = 0;
  let pendingLive = null;
  /** Insert or replace a delivery in the list (a newer state wins). */
  function upsert(d) {
    const i = rows.findIndex((r) => r.id === d.id);
    if (!matches(d)) { if (i >= 0) rows.splice(i, 1); return i >= 0 ? 'removed' : null; }
    if (i >= 0) { if (rows[i].updated_at > d.updated_at) return null; rows[i] = d; return 'updated'; }
    rows.unshift(d);
    return 'added';
  }
  async function reload() {
    const q = new URLSearchParams(current());
    sessionStorage.setItem(`deliveries-filter-${id}`, q.toString());
    const mine = ++generation;
    const live = [];
    pendingLive = live; // changes pushed while this list loads are applied to it
    try {
      const { deliveries } = await api('GET', `/licenses/${id}/deliveries?${q}`);
      if (mine !== generation) return;
      rows = deliveries;
      for (const d of live) upsert(d);
      pendingLive = null;
      render();
    } catch (err) {
      if (mine === generation) listSlot.replaceChildren(errorBox(err));
    }
  }
  bindWebhookSwitches(id, content);
  await reload();
  live(`/console/api/licenses/${id}/deliveries/live`, {
    delivery: (d) => {
      if (pendingLive) pendingLive.push(d);
      const change = upsert(d);
      if (change) render();
      if (change === 'added') listSlot.querySelector(`tr[data-id="${CSS.escape(d.id)}"]`)?.classList.add('new');
      if (d.id === selectedId) showDelivery(d.id, detail, outcome);
    },
  }, indicator);
  if (selectedId) await showDelivery(selectedId, detail, outcome);
}

let deliveryRequest = 0;
async function showDelivery(did, detail, result) {
  const slot = detail.querySelector('.delivery-card');
  const mine = ++deliveryRequest; // only the latest of overlapping refreshes is shown
  let d;
  try {
    d = await api('GET', `/deliveries/${encodeURIComponent(did)}`);
  } catch (err) {
    if (mine === deliveryRequest) slot.replaceChildren(errorBox(err));
    return;
  }
  if (mine !== deliveryRequest) return;
  const attempts = d.attempt_log ?? null;
  const pretty = (() => { try { return JSON.stringify(JSON.parse(d.body), null, 2); } catch { return d.body; } })();
  const hadFocus = slot.contains(document.activeElement);
  slot.replaceChildren(h('section', { class: 'card', 'aria-labelledby': 'delivery-title' },
    h('h2', { id: 'delivery-title', tabindex: '-1' }, `Delivery ${d.action}`),
    h('dl', { class: 'kv' },
      h('dt', {}, 'Id'), h('dd', { class: 'mono' }, d.id),
      h('dt', {}, 'Status'), h('dd', {}, badge(d.status)),
      h('dt', {}, 'Webhook'), h('dd', { class: 'mono' }, d.webhook_id),
      h('dt', {}, 'URL'), h('dd', { class: 'mono' }, dash(d.url)),
      h('dt', {}, 'Queued'), h('dd', {}, fmtTime(d.created_at)),
      h('dt', {}, 'Delivered'), h('dd', {}, fmtTime(d.delivered_at)),
      h('dt', {}, 'Attempts'), h('dd', { id: 'attempt-count' }, String(d.attempts)),
    ),
    h('div', { class: 'row' },
      h('button', { type: 'button', id: 'resend', onclick: () => sideEffect(
        `Send delivery ${d.id} (${d.action}) to ${d.url ?? 'its webhook'} again?`, 'Resend',
        () => api('POST', `/deliveries/${encodeURIComponent(d.id)}/resend`),
        () => { showDelivery(did, detail, result); return `Delivery ${d.id} queued again`; }, result) }, 'Resend')),
    h('h3', {}, 'Attempts'),
    attempts
      ? table([
        { title: '#', cell: (a) => String(a.attempt) },
        { title: 'Time', cell: (a) => fmtTime(a.at) },
        { title: 'Status', cell: (a) => (a.status ? `HTTP ${a.status}` : '—') },
        { title: 'Error', cell: (a) => dash(a.error) },
        { title: 'Duration', cls: 'hide-narrow', cell: (a) => (a.duration_ms === undefined ? '—' : `${a.duration_ms} ms`) },
      ], attempts, { label: 'Attempts' }).el
      : h('p', {}, `${d.attempts} attempt(s); last: ${d.last_status ? `HTTP ${d.last_status}` : dash(d.last_error)} at ${fmtTime(d.updated_at)}`),
    h('h3', {}, 'Headers'),
    h('pre', { id: 'delivery-headers' }, d.headers ? Object.entries(d.headers).map(([k, v]) => `${k}: ${v}`).join('\n') : '—'),
    h('h3', {}, 'Body'),
    h('pre', { id: 'delivery-body', tabindex: '0' }, pretty ?? '— (the webhook was unregistered)'),
    d.body ? h('details', {}, h('summary', {}, 'Exact bytes as sent'), h('pre', { id: 'delivery-raw', tabindex: '0' }, d.body)) : null,
  ));
  if (!hadFocus && location.hash.endsWith(did)) slot.querySelector('#delivery-title').focus({ preventScroll: true });
}

// ------------------------------------------------------------------ calls (request journal)
const ERROR_TYPES = ['authentication', 'authorization', 'already_exists', 'group_not_found', 'internal', 'license_expired',
  'limit_reached', 'misdirected_request', 'not_found', 'too_many_requests', 'ownership_transfer', 'unsupported_version', 'validation'];

async function callsView(selectedId) {
  const params = new URLSearchParams(sessionStorage.getItem('calls-filter') ?? '');
  const field = (name, label, control) => h('label', {}, label, control);
  const filters = h('form', { class: 'filters', 'aria-label': 'Filter calls', onchange: () => reload(), onsubmit: (e) => { e.preventDefault(); reload(); } },
    field('action', 'Action', h('input', { name: 'action', id: 'filter-action', value: params.get('action') ?? '', placeholder: 'e.g. create_agent', size: 16 })),
    field('status', 'Status', h('select', { name: 'status', id: 'filter-status' }, [['', 'any'], ['2xx', 'succeeded (2xx)'], ['4xx', 'refused (4xx)'], ['5xx', 'failed (5xx)']]
      .map(([v, t]) => h('option', { value: v, selected: params.get('status') === v }, t)))),
    field('error_type', 'Error type', h('select', { name: 'error_type', id: 'filter-error_type' }, h('option', { value: '' }, 'any'),
      ERROR_TYPES.map((t) => h('option', { value: t, selected: params.get('error_type') === t }, t)))),
    field('license_id', 'Licence', h('input', { name: 'license_id', id: 'filter-license_id', value: params.get('license_id') ?? '', inputmode: 'numeric', size: 10 })),
    h('button', { type: 'submit', class: 'secondary' }, 'Apply'),
  );
  const indicator = h('span', { class: 'live off' }, '○ connecting…');
  const listSlot = h('div', { id: 'calls-list' });
  const detail = h('div', { id: 'call-detail', 'aria-live': 'polite' });
  main.replaceChildren(h('div', { class: 'row' }, h('h1', {}, 'Calls'), indicator),
    h('p', { class: 'muted' }, 'Recent API calls of this server process, newest first.'), filters, h('div', { class: 'split' }, listSlot, detail));
  let rows = [];
  const current = () => Object.fromEntries([...new FormData(filters)].filter(([, v]) => v !== ''));
  const matches = (c) => {
    const f = current();
    return (!f.action || c.action === f.action) && (!f.error_type || c.error_type === f.error_type) &&
      (!f.license_id || String(c.license_id) === f.license_id) && (!f.status || String(c.status)[0] === f.status[0]);
  };
  const columns = [
    { title: 'Time', cell: (c) => h('a', { href: `#/calls/${encodeURIComponent(c.request_id)}`, class: 'open-call' }, new Date(c.time).toLocaleTimeString()) },
    { title: 'Action', cell: (c) => c.action },
    { title: 'Version', cell: (c) => h('span', { class: 'mono' }, c.version) },
    { title: 'Status', cell: (c) => badge(String(c.status), c.status < 400 ? 'ok' : 'error') },
    { title: 'Error type', cell: (c) => dash(c.error_type) },
    { title: 'Licence', cls: 'hide-narrow', cell: (c) => dash(c.license_id) },
    { title: 'Duration', cls: 'hide-narrow', cell: (c) => `${c.duration_ms} ms` },
  ];
  const render = () => listSlot.replaceChildren(rows.length
    ? table(columns, rows, { label: 'Calls', key: (c) => c.request_id, selected: (c) => c.request_id === selectedId }).el
    : h('p', { class: 'muted' }, 'No calls match.'));
  let generation = 0;
  async function reload() {
    const q = new URLSearchParams(current());
    sessionStorage.setItem('calls-filter', q.toString());
    const mine = ++generation;
    const live = [];
    pendingLive = live; // calls pushed while this list loads are merged into it
    try {
      const { calls } = await api('GET', `/calls?${q}`);
      if (mine !== generation) return;
      const known = new Set(calls.map((c) => c.request_id));
      rows = [...live.filter((c) => !known.has(c.request_id)), ...calls];
      pendingLive = null;
      render();
    } catch (err) { if (mine === generation) listSlot.replaceChildren(errorBox(err)); }
  }
  let pendingLive = null;
  await reload();
  live('/console/api/calls/live', {
    call: (c) => {
      if (!matches(c)) return;
      if (pendingLive) pendingLive.unshift(c);
      rows.unshift(c);
      if (rows.length > 500) rows.pop();
      render();
      listSlot.querySelector('tbody tr')?.classList.add('new');
    },
  }, indicator);
  if (selectedId) await showCall(selectedId, detail);
}

async function showCall(rid, slot) {
  let c;
  try { c = await api('GET', `/calls/${encodeURIComponent(rid)}`); } catch (err) { slot.replaceChildren(errorBox(err)); return; }
  const err = c.response_body?.error;
  slot.replaceChildren(h('section', { class: 'card', 'aria-labelledby': 'call-title' },
    h('h2', { id: 'call-title', tabindex: '-1' }, c.action),
    h('dl', { class: 'kv' },
      h('dt', {}, 'Request id'), h('dd', { class: 'mono' }, c.request_id),
      h('dt', {}, 'API version'), h('dd', { class: 'mono' }, c.version),
      h('dt', {}, 'Time'), h('dd', {}, fmtTime(c.time)),
      h('dt', {}, 'Caller'), h('dd', {}, c.caller_kind ? `${c.caller_kind}${c.agent_id ? ` · ${c.agent_id}` : ''}${c.license_id ? ` · licence ${c.license_id}` : ''}` : 'not authenticated'),
      h('dt', {}, 'Status'), h('dd', {}, badge(String(c.status), c.status < 400 ? 'ok' : 'error')),
      h('dt', {}, 'Duration'), h('dd', {}, `${c.duration_ms} ms`),
    ),
    c.error_type ? errorBox({ type: c.error_type, message: err?.message ?? '(the message is recorded with JOURNAL_BODIES=on)' }) : null,
    c.request_body !== undefined ? [h('h3', {}, 'Request body'), h('pre', { tabindex: '0' }, JSON.stringify(c.request_body, null, 2))] : null,
    c.response_body !== undefined ? [h('h3', {}, 'Response body'), h('pre', { tabindex: '0' }, JSON.stringify(c.response_body, null, 2))]
      : h('p', { class: 'muted' }, 'Bodies are recorded when the server runs with JOURNAL_BODIES=on.'),
  ));
  slot.querySelector('#call-title').focus({ preventScroll: true });
}

// ------------------------------------------------------------------ start
(async () => {
  try {
    await api('GET', '/session');
    nav.hidden = false;
    await route();
  } catch (err) {
    showSignIn(err);
  }
})();
