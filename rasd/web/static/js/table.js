// The event table: sortable headers (server-side sort), keyboard-usable rows.

import { h } from './panel.js';
import { typeSymbol } from './taxonomy.js';

// key: the API's sort key; num: right-aligned numeric column
export const COLUMNS = [
  { key: 'event_date', label: 'col.date' },
  { key: 'event_type', label: 'col.type' },
  { key: 'sub_event_type', label: 'col.sub_type' },
  { key: 'location', label: 'col.location' },
  { key: 'admin1', label: 'col.admin1' },
  { key: 'fatalities', label: 'col.fatalities_short', full: 'col.fatalities', num: true },
  { key: 'arrested', label: 'col.arrested_short', full: 'col.arrested', num: true },
  { key: 'sources', label: 'col.sources_short', full: 'col.sources', num: true },
  { key: 'confidence', label: 'col.confidence_short', full: 'col.confidence', num: true },
];

export class EventTable {
  constructor({ head, body, empty, i18n, onSort, onOpen }) {
    this.head = head;
    this.body = body;
    this.empty = empty;
    this.i18n = i18n;
    this.onSort = onSort;
    this.onOpen = onOpen;
    this.items = [];
    this.sort = '-event_date';
    this.selected = null;
    body.addEventListener('click', (e) => {
      const tr = e.target.closest('tr[data-event-id]');
      if (tr && !e.target.closest('a,button')) this.onOpen(tr.dataset.eventId);
    });
    body.addEventListener('keydown', (e) => {
      const tr = e.target.closest('tr[data-event-id]');
      if (!tr) return;
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        this.onOpen(tr.dataset.eventId);
      } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        const next = e.key === 'ArrowDown' ? tr.nextElementSibling : tr.previousElementSibling;
        if (next) next.focus();
      } else if (e.key === 'Home' || e.key === 'End') {
        e.preventDefault();
        const rows = this.body.rows;
        if (rows.length) rows[e.key === 'Home' ? 0 : rows.length - 1].focus();
      }
    });
  }

  renderHead() {
    const i18n = this.i18n;
    const desc = this.sort.startsWith('-');
    const key = this.sort.replace(/^-/, '');
    this.head.replaceChildren(...COLUMNS.map((c) => {
      const active = c.key === key;
      const full = i18n.t(c.full || c.label);
      const btn = h('button', {
        type: 'button', class: 'sort', title: i18n.t('table.sort_by', { col: full }),
        onclick: () => this.onSort(active ? (desc ? c.key : `-${c.key}`) : (c.num || c.key === 'event_date' ? `-${c.key}` : c.key)),
      }, h('span', {}, i18n.t(c.label)), h('span', { class: 'sort-ind', 'aria-hidden': 'true' }, active ? (desc ? '▼' : '▲') : ''));
      if (c.full) btn.setAttribute('aria-label', full);
      return h('th', {
        scope: 'col', class: c.num ? 'num' : '', 'aria-sort': active ? (desc ? 'descending' : 'ascending') : 'none',
      }, btn);
    }));
  }

  setSort(sort) {
    this.sort = sort;
    this.renderHead();
  }

  setItems(items) {
    this.items = items;
    this.render();
  }

  render() {
    const i18n = this.i18n;
    this.renderHead();
    const dash = '—';
    // each cell carries its column's name: below 600 px the rows are cards that label their figures
    const labels = COLUMNS.map((c) => i18n.t(c.full || c.label));
    const label = (tr) => { [...tr.cells].forEach((td, k) => td.setAttribute('data-label', labels[k])); return tr; };
    const rows = this.items.map((ev) => {
      const loc = i18n.lang === 'ar' ? ev.location_ar || ev.location : ev.location;
      const sel = ev.id === this.selected;
      return label(h('tr', {
        'data-testid': 'event-row', 'data-event-id': ev.id, tabindex: '0', class: sel ? 'selected' : '',
        'aria-current': sel ? 'true' : null,
      },
      h('td', { class: 'nowrap' }, ev.event_date ? i18n.date(ev.event_date) : h('span', { class: 'muted' }, i18n.t('table.undated')),
        // a tally counts a period: its last day too
        ev.report_kind === 'aggregate' && ev.date_end && ev.date_end !== ev.event_date
          ? h('span', { class: 'period', 'data-testid': 'period' }, ` – ${i18n.date(ev.date_end)}`) : null),
      h('td', { class: 'type', title: i18n.term('event_type', ev.event_type) },
        h('span', { class: 'sym-wrap', html: typeSymbol(ev.event_type, 12) }), h('span', { class: 'ell' }, i18n.term('event_type', ev.event_type))),
      h('td', { class: 'ell', title: i18n.term('sub_event_type', ev.sub_event_type) }, i18n.term('sub_event_type', ev.sub_event_type) || dash),
      h('td', { class: 'ell', title: [ev.location, ev.location_ar].filter(Boolean).join(' · ') }, loc || h('span', { class: 'muted' }, dash),
        ev.report_kind && ev.report_kind !== 'incident' ? h('span', { class: `badge badge-${ev.report_kind}`, title: i18n.term('report_kind', ev.report_kind) }, i18n.t(`kind_short.${ev.report_kind}`)) : null),
      h('td', { class: 'ell' }, i18n.term('admin1', ev.admin1) || dash),
      h('td', { class: `num${ev.fatalities ? ' strong' : ''}` }, i18n.num(ev.fatalities)),
      h('td', { class: 'num' }, i18n.num(ev.arrested)),
      h('td', { class: 'num' }, i18n.num((ev.sources || []).length)),
      h('td', { class: 'num' }, confidenceCell(ev.confidence, i18n))));
    });
    this.body.replaceChildren(...rows);
    this.empty.hidden = this.items.length > 0;
  }

  setSelected(id) {
    this.selected = id;
    for (const tr of this.body.rows) {
      const on = tr.dataset.eventId === id;
      tr.classList.toggle('selected', on);
      if (on) tr.setAttribute('aria-current', 'true');
      else tr.removeAttribute('aria-current');
    }
  }

  focusRow(id) {
    const tr = [...this.body.rows].find((r) => r.dataset.eventId === id);
    if (tr) tr.focus();
    return !!tr;
  }
}

function confidenceCell(c, i18n) {
  if (c == null) return '—';
  const lvl = c >= 0.8 ? 'hi' : c >= 0.5 ? 'mid' : 'lo';
  return h('span', { class: `conf-cell conf-${lvl}` }, h('span', { class: 'conf-dot', 'aria-hidden': 'true' }), i18n.dec(c));
}
