// Rasd's page: wires the filters, timeline, map, table and event panel to the JSON API and the URL.
//
// API calls (same origin, paths relative to the page):
//   GET api/meta                        once
//   GET api/boundaries, api/boundaries?level=0   once
//   GET api/events?<filters>&limit=500&offset=k&sort=-event_date    the map's markers (pages, up to MAP_CAP)
//   GET api/events?<filters>[&bbox]&sort&limit&offset                the table page
//   GET api/stats?<filters without dates>[&bbox]                     the timeline (weeks)
//   GET api/stats?<filters without admin1>[&bbox]                    counts by governorate (only when dates or
//                                                                    admin1 are set; otherwise the call above serves both)
//   GET api/events/{id}                                              the event panel
//   api/export?format=...&<filters>[&bbox]&sort                      export links (downloads)

import { I18n } from './js/i18n.js';
import { EventMap } from './js/map.js';
import { h, renderPanel, renderPanelMessage } from './js/panel.js';
import { renderReview } from './js/review.js';
import {
  apiParams, defaultState, emptyFilters, FILTER_KEYS, PAGE_SIZES, parseState, sameFilters, stateToSearch,
} from './js/state.js';
import { EventTable } from './js/table.js';
import { ADMIN1, EVENT_TYPES, SUB_EVENT_TYPES } from './js/taxonomy.js';
import { Timeline } from './js/timeline.js';

const MAP_PAGE = 500;
const MAP_CAP = 5000;
const $ = (sel) => document.querySelector(sel);

class ApiError extends Error {
  constructor(status, url) {
    super(`HTTP ${status} for ${url}`);
    this.status = status;
  }
}

// ------------------------------------------------------------------ API

let inflight = 0;
function progress(delta) {
  inflight += delta;
  $('#progress').hidden = inflight <= 0;
}

const controllers = {};
async function getJSON(path, params, channel) {
  let signal;
  if (channel) {
    controllers[channel]?.abort();
    controllers[channel] = new AbortController();
    signal = controllers[channel].signal;
  }
  const qs = params && String(params) ? `?${params}` : '';
  const url = `${path}${qs}`;
  progress(1);
  try {
    const r = await fetch(url, { signal, headers: { Accept: 'application/json' } });
    if (!r.ok) throw new ApiError(r.status, url);
    return await r.json();
  } finally {
    progress(-1);
  }
}

const isAbort = (e) => e && e.name === 'AbortError';

// ------------------------------------------------------------------ state

let state = defaultState();
let i18n;
let map;
let timeline;
let table;
let meta = {};
let mapItems = [];
let mapTotal = 0;
let tableTotal = 0;
let byAdmin1 = [];
let byKind = null; // {incident: {count, fatalities}, aggregate: ...} of the filters, every kind: the header
const details = new Map();
let lastFocus = null;

function commit(push) {
  const url = `${location.pathname}${stateToSearch(state)}${location.hash}`;
  if (url === `${location.pathname}${location.search}${location.hash}`) return;
  if (push) history.pushState(null, '', url);
  else history.replaceState(null, '', url);
}

function toast(msg) {
  const el = $('#toast');
  el.textContent = msg;
  el.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { el.hidden = true; }, 4000);
}

function apiError(e) {
  if (isAbort(e)) return;
  console.error(e);
  toast(i18n.t('error.api', { status: e.status || i18n.t('error.network') }));
}

// ------------------------------------------------------------------ loading

function bboxParam() {
  return state.inview && map ? map.bbox() : '';
}

async function loadTable() {
  const p = apiParams(state.filters, { bbox: bboxParam(), sort: state.sort, limit: state.limit, offset: state.offset });
  $('#table-wrap').setAttribute('aria-busy', 'true');
  try {
    const res = await getJSON('api/events', p, 'table');
    tableTotal = res.total ?? res.items.length;
    if (state.offset && state.offset >= tableTotal && tableTotal > 0) { // a stale offset from a shared link
      state.offset = Math.floor((tableTotal - 1) / state.limit) * state.limit;
      commit(false);
      return loadTable();
    }
    table.setItems(res.items || []);
    table.setSelected(state.event);
    renderPager();
    // the panel's Previous/Next follow the table page
    if (state.event && !$('#panel').hidden && details.has(state.event)) showDetail(state.event);
  } catch (e) {
    apiError(e);
  } finally {
    $('#table-wrap').removeAttribute('aria-busy');
  }
  return undefined;
}

async function loadMap() {
  const items = [];
  let total = 0;
  try {
    for (let offset = 0; offset < MAP_CAP;) {
      const p = apiParams(state.filters, { sort: '-event_date', limit: MAP_PAGE, offset });
      // eslint-disable-next-line no-await-in-loop
      const res = await getJSON('api/events', p, 'map');
      total = res.total ?? 0;
      items.push(...(res.items || []));
      if (!res.items?.length || items.length >= total) break;
      offset += res.items.length;
    }
  } catch (e) {
    apiError(e);
    return;
  }
  mapItems = items;
  mapTotal = total;
  map.setEvents(items);
  if (state.event) {
    const ev = items.find((x) => x.id === state.event) || details.get(state.event);
    if (ev) map.select(ev, { pan: false });
  }
  renderSummary();
  fillActorList();
}

async function loadStats() {
  // The timeline shows every week (the date filter is drawn as the brush, not applied); the map's
  // governorate shading and the governorate menu count every governorate (the admin1 filter is drawn
  // as an outline, not applied).
  // The timeline's range comes from the incidents: a tally ("since 2011") or a recalled event would
  // stretch it over years with no incident in them.
  const noDates = { ...state.filters, date_from: '', date_to: '' };
  const noAdmin1 = { ...state.filters, admin1: '' };
  const bbox = bboxParam();
  try {
    const wide = getJSON('api/stats', apiParams(noDates, { bbox, report_kind: 'incident' }), 'statsT');
    const narrow = getJSON('api/stats', apiParams(noAdmin1, { bbox }), 'statsA');
    // the header counts incidents and their deaths, and the tallies apart, whatever the table shows
    const kinds = getJSON('api/stats', apiParams(state.filters, { bbox, report_kind: 'all' }), 'statsK');
    const [w, n, k] = await Promise.all([wide, narrow, kinds]);
    byKind = Object.fromEntries((k.by_report_kind || []).map((r) => [r.report_kind, r]));
    renderSummary();
    timeline.setData(w.weeks || []);
    byAdmin1 = n.by_admin1 || [];
    map.setCounts(byAdmin1);
    fillAdmin1Options();
  } catch (e) {
    apiError(e);
  }
}

function loadAll() {
  updateExportLinks();
  renderBrushLabel();
  timeline.setRange(state.filters.date_from, state.filters.date_to);
  map.setSelectedAdmin1(state.filters.admin1);
  return Promise.all([loadTable(), loadMap(), loadStats()]);
}

// ------------------------------------------------------------------ rendering

function renderSummary() {
  const el = $('#summary');
  // incidents and their deaths only: a tally ("40,000 killed since 1984") or a recalled event is not
  // added to them; the tallies are counted apart (from /api/stats, exact whatever the map holds)
  const inc = byKind ? byKind.incident || { count: 0, fatalities: 0 } : null;
  const n = inc ? inc.count : mapTotal;
  const fat = inc ? inc.fatalities || 0 : mapItems.reduce((a, e) => a + (e.fatalities || 0), 0);
  const tallies = byKind && byKind.aggregate ? byKind.aggregate.count : 0;
  const unlocated = mapItems.filter((e) => e.latitude == null || e.longitude == null).length;
  const capped = mapItems.length < mapTotal;
  const spans = [
    h('span', { class: 'sum-n', 'data-testid': 'total' }, i18n.t('summary.events', { n: i18n.num(n), count: n })),
    h('span', { 'data-testid': 'fatalities' },
      i18n.t(inc || !capped ? 'summary.fatalities' : 'summary.fatalities_min', { n: i18n.num(fat), count: fat })),
  ];
  if (tallies) spans.push(h('span', { 'data-testid': 'tallies' }, i18n.t('summary.tallies', { n: i18n.num(tallies), count: tallies })));
  el.replaceChildren(...spans);
  const note = $('#map-note');
  const parts = [];
  if (unlocated) parts.push(i18n.t('map.unlocated', { n: i18n.num(unlocated) }));
  if (capped) parts.push(i18n.t('map.capped', { shown: i18n.num(mapItems.length), total: i18n.num(mapTotal) }));
  note.textContent = parts.join(' · ');
  note.hidden = !parts.length;
}

function renderPager() {
  const from = tableTotal ? state.offset + 1 : 0;
  const to = Math.min(state.offset + state.limit, tableTotal);
  $('#pager-range').textContent = i18n.t('pager.range', { from: i18n.num(from), to: i18n.num(to), total: i18n.num(tableTotal) });
  $('#page-prev').disabled = state.offset <= 0;
  $('#page-next').disabled = state.offset + state.limit >= tableTotal;
  $('#table-count').textContent = state.inview ? i18n.t('table.in_view') : '';
  $('#page-size').value = String(state.limit);
}

function renderBrushLabel() {
  const { date_from: a, date_to: b } = state.filters;
  const has = !!(a || b);
  $('#brush-label').textContent = has ? i18n.range(a ? i18n.date(a) : '…', b ? i18n.date(b) : '…') : '';
  $('#brush-clear').hidden = !has;
  $('#timeline-hint').hidden = has;
}

function option(value, label, selected) {
  const o = document.createElement('option');
  o.value = value;
  o.textContent = label;
  if (selected) o.selected = true;
  return o;
}

function fillAdmin1Options() {
  const sel = $('#f-admin1');
  const counts = new Map(byAdmin1.map((r) => [r.admin1, r.count]));
  const names = [...ADMIN1];
  if (i18n.lang === 'ar') names.sort((a, b) => i18n.term('admin1', a).localeCompare(i18n.term('admin1', b), 'ar'));
  const cur = state.filters.admin1;
  if (cur && !names.includes(cur)) names.push(cur);
  sel.replaceChildren(option('', i18n.t('filters.any_admin1'), !cur),
    ...names.map((n) => option(n, counts.has(n) ? `${i18n.term('admin1', n)} (${i18n.num(counts.get(n))})` : i18n.term('admin1', n), n === cur)));
}

function fillTypeOptions() {
  const sel = $('#f-event_type');
  const cur = state.filters.event_type;
  const types = [...EVENT_TYPES];
  if (cur && !types.includes(cur)) types.push(cur);
  sel.replaceChildren(option('', i18n.t('filters.any_type'), !cur), ...types.map((t) => option(t, i18n.term('event_type', t), t === cur)));
  const sub = $('#f-sub_event_type');
  const curSub = state.filters.sub_event_type;
  const kids = [option('', i18n.t('filters.any_sub_type'), !curSub)];
  const groups = cur ? [cur] : EVENT_TYPES;
  let found = !curSub;
  for (const g of groups) {
    const list = SUB_EVENT_TYPES[g] || [];
    const opts = list.map((s) => {
      if (s === curSub) found = true;
      return option(s, i18n.term('sub_event_type', s), s === curSub);
    });
    if (cur) kids.push(...opts);
    else {
      const og = document.createElement('optgroup');
      og.label = i18n.term('event_type', g);
      og.append(...opts);
      kids.push(og);
    }
  }
  if (!found) kids.push(option(curSub, i18n.term('sub_event_type', curSub), true));
  sub.replaceChildren(...kids);
}

function fillActorList() {
  const dl = $('#actor-list');
  const seen = new Map();
  for (const e of mapItems) for (const a of e.actors || []) if (a.key && !seen.has(a.key)) seen.set(a.key, a.name);
  const opts = [...seen.entries()].sort((a, b) => a[0].localeCompare(b[0])).map(([k, name]) => {
    const o = document.createElement('option');
    o.value = k;
    o.label = (i18n.lang === 'ar' && i18n.dict.ar?.actor?.[k]) || name || k;
    return o;
  });
  dl.replaceChildren(...opts);
}

function writeForm() {
  fillTypeOptions();
  fillAdmin1Options();
  for (const k of ['date_from', 'date_to', 'actor', 'q', 'report_kind', 'country']) {
    const el = $(`#f-${k}`);
    if (document.activeElement !== el || k.startsWith('date')) el.value = state.filters[k] || '';
  }
  $('#f-inview').checked = state.inview;
  $('#f-review').checked = state.filters.review === 'todo';
  $('#f-reset').disabled = FILTER_KEYS.every((k) => !state.filters[k]) && !state.inview;
}

function updateExportLinks() {
  for (const a of document.querySelectorAll('#export-menu a[data-format]')) {
    const p = apiParams(state.filters, { bbox: bboxParam() });
    const fmt = a.dataset.format;
    a.href = `api/export?format=${encodeURIComponent(fmt)}${String(p) ? `&${p}` : ''}`;
    const ext = { jsonl: 'jsonl', 'acled-csv': 'csv', geojson: 'geojson', parquet: 'parquet' }[fmt] || fmt;
    a.setAttribute('download', `rasd-events.${ext}`);
  }
}

function applyLanguage() {
  const root = document.documentElement;
  root.lang = i18n.lang;
  root.dir = i18n.dir;
  document.title = i18n.t('app.title');
  i18n.apply(document);
  const btn = $('#lang-toggle');
  const other = i18n.lang === 'ar' ? 'en' : 'ar';
  btn.textContent = i18n.t('lang.other_name');
  btn.lang = other;
  btn.setAttribute('aria-label', i18n.t('lang.switch'));
  btn.title = i18n.t('lang.switch');
  try { localStorage.setItem('rasd.lang', i18n.lang); } catch { /* private mode */ }
}

function relabelAll() {
  applyLanguage();
  writeForm();
  timeline.render();
  map.setI18n(i18n);
  table.render();
  renderPager();
  renderSummary();
  renderBrushLabel();
  fillActorList();
  if (state.event && !$('#panel').hidden) showDetail(state.event);
}

// ------------------------------------------------------------------ changes

function setFilters(patch, { push = true } = {}) {
  const next = { ...state.filters, ...patch };
  if (patch.event_type !== undefined && next.sub_event_type && next.event_type
      && !(SUB_EVENT_TYPES[next.event_type] || []).includes(next.sub_event_type)) {
    next.sub_event_type = '';
  }
  if (patch.sub_event_type && !next.event_type) {
    next.event_type = EVENT_TYPES.find((t) => SUB_EVENT_TYPES[t].includes(patch.sub_event_type)) || '';
  }
  if (next.date_from && next.date_to && next.date_from > next.date_to) {
    [next.date_from, next.date_to] = [next.date_to, next.date_from];
  }
  if (sameFilters(next, state.filters)) {
    writeForm();
    return;
  }
  state.filters = next;
  state.offset = 0;
  commit(push);
  writeForm();
  loadAll();
}

function setTableView(patch) {
  Object.assign(state, patch);
  commit(true);
  table.setSort(state.sort);
  loadTable();
  updateExportLinks();
}

let moveTimer = null;
function onMapMove(view, bbox, programmatic) {
  state.map = map.userView ? view : null; // an untouched map keeps fitting Syria to the window
  commit(false);
  if (state.inview && !programmatic) {
    clearTimeout(moveTimer);
    moveTimer = setTimeout(() => {
      state.offset = 0;
      commit(false);
      loadTable();
      loadStats();
      updateExportLinks();
    }, 350);
  }
}

// ------------------------------------------------------------------ the event panel

function tablePosition(id) {
  const i = table.items.findIndex((e) => e.id === id);
  return i < 0 ? null : { index: i, count: table.items.length };
}

async function fetchDetail(id) {
  if (details.has(id)) return details.get(id);
  const d = await getJSON(`api/events/${encodeURIComponent(id)}`, null, 'detail');
  details.set(id, d);
  return d;
}

async function showDetail(id, { pan = false, focus = false } = {}) {
  const panel = $('#panel');
  panel.hidden = false;
  document.body.classList.add('panel-open');
  panel.setAttribute('aria-busy', 'true');
  if (!details.has(id)) renderPanelMessage(panel, i18n, i18n.t('panel.loading'), () => closePanel());
  let d;
  try {
    d = await fetchDetail(id);
  } catch (e) {
    if (isAbort(e)) return;
    renderPanelMessage(panel, i18n, e.status === 404 ? i18n.t('panel.not_found') : i18n.t('panel.error'), () => closePanel());
    panel.removeAttribute('aria-busy');
    return;
  }
  if (state.event !== id) return;
  const pos = tablePosition(id);
  const go = (delta) => {
    const p = tablePosition(id);
    if (p) openEvent(table.items[p.index + delta].id, { pan: true });
  };
  const scroll = panel.querySelector('.panel-body')?.scrollTop;
  renderPanel(panel, d, {
    i18n,
    tip: $('#tip'),
    position: pos,
    onClose: () => closePanel(),
    onPrev: () => go(-1),
    onNext: () => go(1),
    onShowOnMap: () => map.select(d, { pan: true }),
    onCopyLink: async () => {
      try {
        await navigator.clipboard.writeText(location.href);
        toast(i18n.t('panel.copied'));
      } catch {
        window.prompt(i18n.t('panel.copy_link'), location.href);
      }
    },
    onFilterActor: (key) => setFilters({ actor: key }),
    review: renderReview(d, { i18n, onEdited: (newId) => afterEdit(newId) }),
  });
  panel.removeAttribute('aria-busy');
  if (!focus && scroll) panel.querySelector('.panel-body').scrollTop = scroll;
  map.select(d, { pan });
  table.setSelected(id);
  if (focus) panel.querySelector('#panel-title')?.focus({ preventScroll: true });
}

// an edit went through (or the review session changed): what is cached is stale, the event may have a new id
async function afterEdit(id) {
  details.clear();
  state.event = id;
  commit(false);
  await Promise.all([loadTable(), loadMap(), loadStats()]);
  showDetail(id, { focus: false });
}

function openEvent(id, { push = true, pan = true } = {}) {
  if (!id) return;
  if (!lastFocus || !$('#panel').contains(document.activeElement)) lastFocus = document.activeElement;
  state.event = id;
  commit(push);
  showDetail(id, { pan, focus: true });
}

function closePanel({ push = true } = {}) {
  const panel = $('#panel');
  $('#tip').hidden = true;
  const id = state.event;
  panel.hidden = true;
  document.body.classList.remove('panel-open');
  state.event = null;
  commit(push);
  map.select(null);
  table.setSelected(null);
  if (!(id && table.focusRow(id)) && lastFocus && document.contains(lastFocus)) lastFocus.focus();
  lastFocus = null;
}

// ------------------------------------------------------------------ wiring

function bind() {
  const form = $('#filters');
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    setFilters({ q: $('#f-q').value.trim(), actor: $('#f-actor').value.trim() });
  });
  form.addEventListener('reset', (e) => {
    e.preventDefault();
    state.inview = false;
    setFilters(emptyFilters());
    writeForm();
    commit(false);
  });
  for (const k of ['date_from', 'date_to', 'admin1', 'event_type', 'sub_event_type', 'report_kind', 'country']) {
    $(`#f-${k}`).addEventListener('change', (e) => setFilters({ [k]: e.target.value }));
  }
  $('#f-actor').addEventListener('change', (e) => setFilters({ actor: e.target.value.trim() }));
  $('#f-review').addEventListener('change', (e) => setFilters({ review: e.target.checked ? 'todo' : '' }));
  let qTimer = null;
  $('#f-q').addEventListener('input', (e) => {
    clearTimeout(qTimer);
    qTimer = setTimeout(() => setFilters({ q: e.target.value.trim() }), 450);
  });
  $('#f-inview').addEventListener('change', (e) => {
    state.inview = e.target.checked;
    state.offset = 0;
    commit(true);
    writeForm();
    loadTable();
    loadStats();
    updateExportLinks();
  });
  $('#brush-clear').addEventListener('click', () => setFilters({ date_from: '', date_to: '' }));
  $('#page-prev').addEventListener('click', () => setTableView({ offset: Math.max(0, state.offset - state.limit) }));
  $('#page-next').addEventListener('click', () => setTableView({ offset: state.offset + state.limit }));
  $('#page-size').addEventListener('change', (e) => {
    const limit = parseInt(e.target.value, 10);
    if (PAGE_SIZES.includes(limit)) setTableView({ limit, offset: 0 });
  });
  $('#lang-toggle').addEventListener('click', () => {
    state.lang = i18n.lang === 'ar' ? 'en' : 'ar';
    i18n.setLang(state.lang);
    commit(true);
    relabelAll();
  });
  // export menu: close on outside click or Escape
  const menu = $('#export-menu');
  document.addEventListener('click', (e) => { if (menu.open && !menu.contains(e.target)) menu.open = false; });
  menu.addEventListener('click', (e) => { if (e.target.closest('a')) menu.open = false; });
  document.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape') return;
    if (menu.open) {
      menu.open = false;
      menu.querySelector('summary').focus();
    } else if (!$('#panel').hidden && !document.querySelector('.leaflet-popup')) {
      closePanel();
    }
  });
  window.addEventListener('popstate', () => restore(parseState(location.search)));
  document.addEventListener('scroll', () => { $('#tip').hidden = true; }, true); // the tooltip is position: fixed
}

/** Back/forward: bring the page to the state in the URL. */
function restore(next) {
  const prev = state;
  state = next;
  if (!state.lang) state.lang = prev.lang;
  const langChanged = state.lang !== i18n.lang;
  if (langChanged) {
    i18n.setLang(state.lang);
    relabelAll();
  }
  if (JSON.stringify(state.map) !== JSON.stringify(prev.map)) {
    if (state.map) map.setView(state.map);
    else {
      map.userView = false;
      map.setView(null); // back to the fitted view of Syria
    }
  }
  table.setSort(state.sort);
  writeForm();
  if (!sameFilters(state.filters, prev.filters) || state.inview !== prev.inview) loadAll();
  else if (state.sort !== prev.sort || state.limit !== prev.limit || state.offset !== prev.offset) loadTable();
  if (state.event && state.event !== prev.event) showDetail(state.event, { pan: true });
  else if (!state.event && prev.event) {
    $('#panel').hidden = true;
    document.body.classList.remove('panel-open');
    map.select(null);
    table.setSelected(null);
  }
}

async function main() {
  state = parseState(location.search);
  const dictP = fetch('i18n.json').then((r) => r.json());
  const metaP = getJSON('api/meta').catch(() => ({}));
  const bP = Promise.all([getJSON('api/boundaries').catch(() => null), getJSON('api/boundaries', 'level=0').catch(() => null)]);
  const dict = await dictP;
  let stored = null;
  try { stored = localStorage.getItem('rasd.lang'); } catch { /* private mode */ }
  const lang = state.lang || stored || ((navigator.language || '').startsWith('ar') ? 'ar' : 'en');
  i18n = new I18n(dict, lang);
  state.lang = i18n.lang;
  applyLanguage();

  timeline = new Timeline($('#timeline'), {
    i18n, tip: $('#tip'), onBrush: (from, to) => setFilters({ date_from: from, date_to: to }),
  });
  map = new EventMap($('#map'), {
    i18n,
    onOpen: (id) => openEvent(id, { pan: false }),
    onMove: onMapMove,
    onGovernorate: (name) => setFilters({ admin1: state.filters.admin1 === name ? '' : name }),
  });
  if (state.map) map.setView(state.map);
  table = new EventTable({
    head: $('#table-head'), body: $('#table-body'), empty: $('#table-empty'), i18n,
    onSort: (sort) => setTableView({ sort, offset: 0 }),
    onOpen: (id) => openEvent(id, { pan: true }),
  });
  table.setSort(state.sort);
  writeForm();
  bind();
  commit(false);

  const load = loadAll();
  if (state.event) showDetail(state.event, { pan: !state.map });
  [meta] = await Promise.all([metaP]);
  const [adm1, adm0] = await bP;
  map.setAttribution(meta.attribution);
  map.setBoundaries(adm1, adm0);
  map.setTiles(meta.tile_url, meta.attribution);
  map.setCounts(byAdmin1);
  map.setSelectedAdmin1(state.filters.admin1);
  if (!adm1) toast(i18n.t('error.boundaries'));
  if (meta.version) document.documentElement.dataset.version = meta.version;
  await load;
  document.documentElement.dataset.ready = 'true'; // for browser tests: first data is on the page
}

main().catch((e) => {
  console.error(e);
  document.body.append(h('p', { class: 'fatal' }, `Rasd could not start: ${e.message}`));
});
