// Weekly counts by event type as stacked SVG bars, with a drag-to-select date range (the brush).
// In Arabic the time axis runs right to left, like the rest of the mirrored layout.

import { EVENT_TYPES, typeStyle } from './taxonomy.js';

const SVG = 'http://www.w3.org/2000/svg';
const DAY = 86400000;
const WEEK = 7 * DAY;

const isoOf = (ms) => new Date(ms).toISOString().slice(0, 10);
const msOf = (iso) => Date.parse(`${iso}T00:00:00Z`);
const mondayOf = (ms) => ms - ((new Date(ms).getUTCDay() + 6) % 7) * DAY;

function el(name, attrs = {}, parent = null) {
  const n = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
  if (parent) parent.appendChild(n);
  return n;
}

function niceMax(v) {
  if (v <= 4) return Math.max(1, v);
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

const OUTLIER_SHARE = 0.02;
const OUTLIER_GAP = 13; // weeks

export class Timeline {
  constructor(container, { i18n, tip, onBrush }) {
    this.container = container;
    this.i18n = i18n;
    this.tip = tip;
    this.onBrush = onBrush;
    this.weeks = new Map(); // monday ms -> {type: count}
    this.range = { from: '', to: '' };
    this.drag = null;
    this.svg = el('svg', { class: 'timeline-svg', role: 'img', tabindex: '0' });
    container.appendChild(this.svg);
    this.empty = document.createElement('p');
    this.empty.className = 'timeline-empty';
    this.empty.hidden = true;
    container.appendChild(this.empty);
    this.note = document.createElement('p');
    this.note.className = 'timeline-note';
    this.note.dataset.testid = 'timeline-outside';
    this.note.hidden = true;
    container.appendChild(this.note);
    this._bindPointer();
    new ResizeObserver(() => this.render()).observe(container);
  }

  setData(weeks) {
    this.weeks = new Map();
    for (const w of weeks || []) {
      if (!w.week || !w.count) continue;
      const k = mondayOf(msOf(w.week));
      if (Number.isNaN(k)) continue;
      const row = this.weeks.get(k) || {};
      row[w.event_type || ''] = (row[w.event_type || ''] || 0) + w.count;
      this.weeks.set(k, row);
    }
    this.render();
  }

  setRange(from, to) {
    this.range = { from: from || '', to: to || '' };
    this.render();
  }

  // A few incidents far from all the others (an old article in a 2018 corpus) would squeeze the busy
  // period into a sliver: a tail of weeks holding at most OUTLIER_SHARE of the events, cut off from the
  // rest by a gap of OUTLIER_GAP weeks or more, is left out of the drawn range and counted in a note.
  _core() {
    const ks = [...this.weeks.keys()].sort((a, b) => a - b);
    const n = ks.map((k) => Object.values(this.weeks.get(k)).reduce((a, b) => a + b, 0));
    const total = n.reduce((a, b) => a + b, 0);
    const limit = total * OUTLIER_SHARE;
    let lo = 0;
    let hi = ks.length - 1;
    for (let j = 0, acc = 0; j < ks.length - 1; j += 1) {
      acc += n[j];
      if (acc > limit) break;
      if (ks[j + 1] - ks[j] >= OUTLIER_GAP * WEEK) lo = j + 1;
    }
    for (let j = ks.length - 1, acc = 0; j > lo; j -= 1) {
      acc += n[j];
      if (acc > limit) break;
      if (ks[j] - ks[j - 1] >= OUTLIER_GAP * WEEK) hi = j - 1;
    }
    const outside = n.slice(0, lo).concat(n.slice(hi + 1)).reduce((a, b) => a + b, 0);
    const cut = ks.slice(0, lo).concat(ks.slice(hi + 1));
    return { keys: ks.slice(lo, hi + 1), outside, first: cut.length ? Math.min(...cut) : null,
      last: cut.length ? Math.max(...cut) : null };
  }

  _domain() {
    if (!this.weeks.size) return null;
    const core = this._core();
    this.outside = core;
    const keys = core.keys;
    if (this.range.from) keys.push(mondayOf(msOf(this.range.from)));
    if (this.range.to) keys.push(mondayOf(msOf(this.range.to)));
    let lo = Math.min(...keys);
    let hi = Math.max(...keys);
    if (hi - lo < 12 * WEEK) { // a short span still gets some context
      const pad = Math.ceil((12 * WEEK - (hi - lo)) / 2 / WEEK) * WEEK;
      lo -= pad;
      hi += pad;
    }
    return { lo, hi, n: Math.round((hi - lo) / WEEK) + 1 };
  }

  render() {
    const svg = this.svg;
    const i18n = this.i18n;
    const W = this.container.clientWidth;
    const H = this.container.clientHeight;
    svg.replaceChildren();
    svg.setAttribute('width', W);
    svg.setAttribute('height', H);
    const dom = this._domain();
    this.dom = dom;
    this.empty.hidden = !!dom;
    this.empty.textContent = i18n.t('timeline.empty');
    const out = dom && this.outside && this.outside.outside ? this.outside : null;
    this.note.hidden = !out;
    this.note.textContent = out ? i18n.t('timeline.outside', {
      n: i18n.num(out.outside), count: out.outside,
      from: i18n.date(new Date(out.first).toISOString().slice(0, 10)),
      to: i18n.date(new Date(out.last + 6 * 86400000).toISOString().slice(0, 10)) }) : '';
    this.note.title = this.note.textContent;
    if (!dom || W < 50 || H < 40) {
      svg.setAttribute('aria-label', i18n.t('timeline.empty'));
      return;
    }
    const rtl = i18n.dir === 'rtl';
    const m = { top: out ? 16 : 8, bottom: 20, start: 34, end: 10 }; // room for the note above the bars
    const plotW = W - m.start - m.end;
    const plotH = H - m.top - m.bottom;
    const plotLeft = rtl ? m.end : m.start;
    const step = plotW / dom.n;
    this.geom = { rtl, plotLeft, plotW, plotH, step, top: m.top };
    const xOf = (i) => (rtl ? plotLeft + plotW - (i + 1) * step : plotLeft + i * step);
    const idxOfMs = (ms) => (ms - dom.lo) / WEEK;

    let max = 0;
    for (const row of this.weeks.values()) {
      const total = Object.values(row).reduce((a, b) => a + b, 0);
      if (total > max) max = total;
    }
    const yMax = niceMax(max);
    const yOf = (v) => m.top + plotH - (v / yMax) * plotH;

    // y grid and labels
    const gAxis = el('g', { class: 'tl-axis' }, svg);
    const yTicks = yMax <= 1 ? [0, 1] : [0, yMax / 2, yMax].filter((v) => Number.isInteger(v));
    for (const v of yTicks) {
      const y = Math.round(yOf(v)) + 0.5;
      el('line', { x1: plotLeft, x2: plotLeft + plotW, y1: y, y2: y, class: v ? 'tl-grid' : 'tl-base' }, gAxis);
      const tx = el('text', {
        x: rtl ? plotLeft + plotW + 6 : plotLeft - 6, y: y + 3.5, 'text-anchor': rtl ? 'start' : 'end', class: 'tl-ylabel',
      }, gAxis);
      tx.textContent = i18n.num(v);
    }

    // selected range (behind the bars)
    const r = this.range;
    let selLo = null;
    let selHi = null;
    if (r.from || r.to) {
      selLo = r.from ? msOf(r.from) : dom.lo;
      selHi = r.to ? msOf(r.to) + DAY : dom.hi + WEEK;
      const a = Math.max(0, idxOfMs(selLo));
      const b = Math.min(dom.n, idxOfMs(selHi));
      if (b > a) {
        const x0 = rtl ? plotLeft + plotW - b * step : plotLeft + a * step;
        el('rect', { x: x0, y: m.top - 4, width: Math.max(2, (b - a) * step), height: plotH + 4, class: 'tl-selection' }, svg);
      }
    }

    // bars
    const gBars = el('g', { class: 'tl-bars' }, svg);
    const bw = step >= 3 ? Math.max(1, step * 0.78) : Math.max(1, step);
    const order = [...EVENT_TYPES];
    for (const row of this.weeks.values()) for (const t of Object.keys(row)) if (!order.includes(t)) order.push(t);
    for (const [k, row] of this.weeks) {
      const i = Math.round(idxOfMs(k));
      if (i < 0 || i >= dom.n) continue; // an outlying week (counted in the note)
      const x = xOf(i) + (step - bw) / 2;
      const inSel = selLo == null || (k + WEEK > selLo && k < selHi);
      const g = el('g', { class: inSel ? 'tl-week' : 'tl-week tl-dim' }, gBars);
      let acc = 0;
      for (const t of order) {
        const c = row[t];
        if (!c) continue;
        const y0 = yOf(acc);
        const y1 = yOf(acc + c);
        el('rect', { x, y: y1, width: bw, height: Math.max(1, y0 - y1), fill: typeStyle(t).color }, g);
        acc += c;
      }
    }

    // x axis ticks: years for long spans, months otherwise
    const spanWeeks = dom.n;
    const ticks = [];
    const d0 = new Date(dom.lo);
    const endMs = dom.hi + WEEK;
    if (spanWeeks > 100) {
      for (let y = d0.getUTCFullYear() + 1; Date.UTC(y, 0, 1) < endMs; y++) ticks.push([Date.UTC(y, 0, 1), 'year']);
    } else {
      let y = d0.getUTCFullYear();
      let mo = d0.getUTCMonth() + 1;
      for (; Date.UTC(y, mo, 1) < endMs; mo++) {
        const ms = Date.UTC(y, mo, 1);
        ticks.push([ms, new Date(ms).getUTCMonth() === 0 ? 'monthyear' : 'month']);
      }
    }
    let lastX = null;
    const minGap = 46;
    for (const [ms, kind] of ticks) {
      const fi = idxOfMs(ms);
      const x = rtl ? plotLeft + plotW - fi * step : plotLeft + fi * step;
      el('line', { x1: x, x2: x, y1: m.top + plotH, y2: m.top + plotH + 4, class: 'tl-tick' }, gAxis);
      if (lastX != null && Math.abs(x - lastX) < minGap) continue;
      const d = new Date(ms);
      const label = kind === 'year' ? i18n.year(d) : kind === 'monthyear' ? i18n.monthYear(d) : i18n.month(d);
      const tx = el('text', { x, y: H - 5, 'text-anchor': 'middle', class: 'tl-xlabel' }, gAxis);
      tx.textContent = label;
      lastX = x;
    }

    // hover line and the transparent layer that takes the pointer
    this.hover = el('rect', { class: 'tl-hover', x: 0, y: m.top, width: Math.max(1, step), height: plotH, visibility: 'hidden' }, svg);
    this.brushRect = el('rect', { class: 'tl-brush', x: 0, y: m.top - 4, width: 0, height: plotH + 4, visibility: 'hidden' }, svg);
    this.overlay = el('rect', { class: 'tl-overlay', x: plotLeft, y: 0, width: plotW, height: H }, svg);

    const first = isoOf(dom.lo);
    const last = isoOf(dom.hi + 6 * DAY);
    svg.setAttribute('aria-label', i18n.t('timeline.aria', {
      from: i18n.date(first), to: i18n.date(last), max: i18n.num(max),
    }));
  }

  _index(clientX) {
    const g = this.geom;
    if (!g || !this.dom) return null;
    const rect = this.svg.getBoundingClientRect();
    const px = clientX - rect.left;
    const i = g.rtl ? Math.floor((g.plotLeft + g.plotW - px) / g.step) : Math.floor((px - g.plotLeft) / g.step);
    return Math.max(0, Math.min(this.dom.n - 1, i));
  }

  _xOfIndex(i) {
    const g = this.geom;
    return g.rtl ? g.plotLeft + g.plotW - (i + 1) * g.step : g.plotLeft + i * g.step;
  }

  _showBrush(a, b) {
    const lo = Math.min(a, b);
    const hi = Math.max(a, b);
    const g = this.geom;
    const x = g.rtl ? this._xOfIndex(hi) : this._xOfIndex(lo);
    this.brushRect.setAttribute('x', x);
    this.brushRect.setAttribute('width', Math.max(2, (hi - lo + 1) * g.step));
    this.brushRect.setAttribute('visibility', 'visible');
  }

  _weekTip(i, clientX, clientY) {
    const i18n = this.i18n;
    const ms = this.dom.lo + i * WEEK;
    const row = this.weeks.get(ms) || {};
    const lines = Object.entries(row).sort((a, b) => b[1] - a[1]);
    const total = lines.reduce((a, [, c]) => a + c, 0);
    const tip = this.tip;
    tip.replaceChildren();
    const h = document.createElement('strong');
    h.textContent = i18n.t('timeline.week', { date: i18n.date(isoOf(ms)) });
    tip.appendChild(h);
    const ul = document.createElement('ul');
    for (const [t, c] of lines) {
      const li = document.createElement('li');
      const sw = document.createElement('span');
      sw.className = 'swatch';
      sw.style.background = typeStyle(t).color;
      li.append(sw, `${i18n.term('event_type', t)}: ${i18n.num(c)}`);
      ul.appendChild(li);
    }
    if (!lines.length) {
      const li = document.createElement('li');
      li.textContent = i18n.t('timeline.none');
      ul.appendChild(li);
    } else if (lines.length > 1) {
      const li = document.createElement('li');
      li.className = 'tip-total';
      li.textContent = `${i18n.t('timeline.total')}: ${i18n.num(total)}`;
      ul.appendChild(li);
    }
    tip.appendChild(ul);
    const hint = document.createElement('small');
    hint.textContent = i18n.t('timeline.tip_hint');
    tip.appendChild(hint);
    tip.hidden = false;
    const w = tip.offsetWidth;
    const left = Math.min(window.innerWidth - w - 8, Math.max(8, clientX + 14));
    tip.style.left = `${left}px`;
    tip.style.top = `${clientY + 16}px`;
  }

  _bindPointer() {
    const svg = this.svg;
    svg.addEventListener('pointerdown', (e) => {
      if (e.button !== 0 || e.target !== this.overlay) return;
      const i = this._index(e.clientX);
      if (i == null) return;
      this.drag = { start: i, cur: i, x0: e.clientX };
      svg.setPointerCapture(e.pointerId);
      this._showBrush(i, i);
      this.tip.hidden = true;
      e.preventDefault();
    });
    svg.addEventListener('pointermove', (e) => {
      const i = this._index(e.clientX);
      if (i == null) return;
      if (this.drag) {
        this.drag.cur = i;
        this._showBrush(this.drag.start, i);
        return;
      }
      if (e.target !== this.overlay) return;
      this.hover.setAttribute('x', this._xOfIndex(i));
      this.hover.setAttribute('width', Math.max(1, this.geom.step));
      this.hover.setAttribute('visibility', 'visible');
      this._weekTip(i, e.clientX, e.clientY);
    });
    const end = (e, cancel) => {
      if (!this.drag) return;
      const { start, cur, x0 } = this.drag;
      this.drag = null;
      this.brushRect.setAttribute('visibility', 'hidden');
      if (cancel) return;
      const lo = Math.min(start, cur);
      const hi = Math.max(start, cur);
      if (Math.abs(e.clientX - x0) < 4 && !this.weeks.has(this.dom.lo + lo * WEEK)) return; // a click on nothing
      const from = isoOf(this.dom.lo + lo * WEEK);
      const to = isoOf(this.dom.lo + hi * WEEK + 6 * DAY);
      this.onBrush(from, to);
    };
    svg.addEventListener('pointerup', (e) => end(e, false));
    svg.addEventListener('pointercancel', (e) => end(e, true));
    svg.addEventListener('pointerleave', () => {
      if (this.hover) this.hover.setAttribute('visibility', 'hidden');
      this.tip.hidden = true;
    });
    svg.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.drag) {
        this.drag = null;
        this.brushRect.setAttribute('visibility', 'hidden');
      }
    });
  }
}
