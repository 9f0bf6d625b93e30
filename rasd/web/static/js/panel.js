// The event panel (side drawer): every field, the sources, each source's Arabic text with its evidence
// highlighted, the conflicts between sources and the correction history.

import { bindEvidenceTip, highlight, resolveSpans } from './evidence.js';
import { evidenceColor, FIELD_ORDER, typeSymbol } from './taxonomy.js';

export function h(tag, attrs = {}, ...children) {
  const n = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (k === 'class') n.className = v;
    else if (k === 'html') n.innerHTML = v;
    else if (k.startsWith('on')) n.addEventListener(k.slice(2), v);
    else n.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat(Infinity)) if (c != null && c !== false) n.append(c);
  return n;
}

const KNOWN = new Set(['id', 'report_kind', 'event_date', 'date_end', 'time_precision', 'disorder_type', 'event_type',
  'sub_event_type', 'actors', 'country', 'admin1', 'admin2', 'admin3', 'location', 'location_ar', 'latitude',
  'longitude', 'geo_precision', 'fatalities', 'killed', 'injured', 'arrested', 'seized', 'sources', 'notes',
  'evidence', 'confidence', 'articles', 'corrections', 'conflicts']);

function section(id, title, ...body) {
  return h('section', { class: 'panel-section', 'aria-labelledby': `ps-${id}` },
    h('h3', { id: `ps-${id}` }, title), ...body);
}

const plain = (v) => (v == null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));

export function renderPanel(root, d, ctx) {
  const { i18n } = ctx;
  const t = (k, v) => i18n.t(k, v);
  const dash = '—';
  const evidence = d.evidence || [];
  const evFields = new Set(evidence.map((e) => e.field));
  const outletOf = Object.fromEntries((d.sources || []).map((s) => [s.article_id, s.outlet || s.article_id]));
  const fieldLabel = (f) => i18n.term('field', f);

  const jump = (field) => {
    const fields = field === 'killed' ? ['killed.side1', 'killed.side2', 'killed.civilians']
      : field === 'actors' ? ['actors.side1', 'actors.side2'] : [field];
    const has = fields.filter((f) => evFields.has(f));
    if (!has.length) return null;
    return h('button', {
      type: 'button', class: 'ev-jump', style: `--ev:${evidenceColor(has[0])}`,
      title: t('panel.show_evidence', { field: fieldLabel(field) }),
      'aria-label': t('panel.show_evidence', { field: fieldLabel(field) }),
      onclick: () => {
        const m = root.querySelector(has.map((f) => `mark.evidence[data-field="${CSS.escape(f)}"]`).join(','));
        if (!m) return;
        m.scrollIntoView({ block: 'center', behavior: 'smooth' });
        m.classList.remove('flash');
        void m.offsetWidth; // restart the animation
        m.classList.add('flash');
      },
    });
  };

  // ---------------------------------------------------------- head
  const pos = ctx.position;
  const place = [i18n.lang === 'ar' ? d.location_ar || d.location : d.location, i18n.term('admin1', d.admin1)]
    .filter(Boolean).join(i18n.lang === 'ar' ? '، ' : ', ');
  const dateText = d.event_date
    ? (d.date_end && d.date_end !== d.event_date ? i18n.range(i18n.date(d.event_date), i18n.date(d.date_end)) : i18n.dateLong(d.event_date))
    : t('panel.no_date');
  const head = h('div', { class: 'panel-head' },
    h('div', { class: 'panel-toolbar' },
      h('button', { type: 'button', class: 'btn btn-small', onclick: ctx.onPrev, disabled: !pos || pos.index <= 0, 'data-testid': 'panel-prev' },
        h('span', { class: 'flip', 'aria-hidden': 'true' }, '‹'), ' ', t('panel.prev')),
      h('button', { type: 'button', class: 'btn btn-small', onclick: ctx.onNext, disabled: !pos || pos.index >= pos.count - 1, 'data-testid': 'panel-next' },
        t('panel.next'), ' ', h('span', { class: 'flip', 'aria-hidden': 'true' }, '›')),
      pos ? h('span', { class: 'panel-pos' }, t('panel.position', { i: i18n.num(pos.index + 1), n: i18n.num(pos.count) })) : null,
      h('span', { class: 'spacer' }),
      d.latitude != null ? h('button', { type: 'button', class: 'btn btn-small', onclick: ctx.onShowOnMap }, t('panel.show_on_map')) : null,
      h('button', { type: 'button', class: 'btn btn-small', onclick: ctx.onCopyLink }, t('panel.copy_link')),
      h('button', { type: 'button', class: 'btn btn-icon', onclick: ctx.onClose, 'aria-label': t('panel.close'), title: t('panel.close'), 'data-testid': 'panel-close' }, '×')),
    h('h2', { id: 'panel-title', tabindex: '-1' },
      h('span', { class: 'panel-sym', html: typeSymbol(d.event_type, 18) }),
      h('span', {}, i18n.term('event_type', d.event_type)),
      h('span', { class: 'panel-sub' }, i18n.term('sub_event_type', d.sub_event_type))),
    h('p', { class: 'panel-meta' },
      h('span', {}, dateText), h('span', {}, place || t('panel.no_place')),
      d.report_kind && d.report_kind !== 'incident' ? h('span', { class: `badge badge-${d.report_kind}` }, i18n.term('report_kind', d.report_kind)) : null,
      h('span', { class: 'conf' }, t('col.confidence'), ' ', confidenceBar(d.confidence, i18n))));

  // ---------------------------------------------------------- figures
  const k = d.killed || {};
  const fig = (label, value, field) => h('div', { class: `fig${value == null ? ' fig-null' : ''}` },
    h('span', { class: 'fig-n' }, value == null ? dash : i18n.num(value)), h('span', { class: 'fig-l' }, label, jump(field)));
  const figures = h('div', { class: 'figs' },
    fig(t('field_short.fatalities'), d.fatalities, 'fatalities'),
    fig(t('field_short.killed.side1'), k.side1, 'killed.side1'),
    fig(t('field_short.killed.side2'), k.side2, 'killed.side2'),
    fig(t('field_short.killed.civilians'), k.civilians, 'killed.civilians'),
    fig(t('field_short.injured'), d.injured, 'injured'),
    fig(t('field_short.arrested'), d.arrested, 'arrested'));

  // ---------------------------------------------------------- notes
  const notes = section('notes', t('panel.notes'),
    h('p', { class: 'notes', dir: 'ltr', lang: 'en' }, d.notes || dash));

  // ---------------------------------------------------------- fields
  const dl = h('dl', { class: 'fields' });
  const row = (field, value, opts = {}) => {
    const empty = value == null || value === '';
    dl.append(h('dt', {}, fieldLabel(field), jump(opts.jump || field)),
      h('dd', {}, empty ? dash : h('span', { dir: opts.dir, lang: opts.lang, class: opts.cls }, value)));
  };
  row('id', h('code', {}, d.id));
  row('report_kind', i18n.term('report_kind', d.report_kind));
  row('event_date', d.event_date ? i18n.date(d.event_date) : null);
  row('date_end', d.date_end ? i18n.date(d.date_end) : null);
  row('time_precision', d.time_precision != null ? `${i18n.num(d.time_precision)} — ${i18n.term('time_precision', String(d.time_precision))}` : null);
  row('disorder_type', i18n.term('disorder_type', d.disorder_type));
  row('event_type', i18n.term('event_type', d.event_type));
  row('sub_event_type', i18n.term('sub_event_type', d.sub_event_type));
  row('country', i18n.term('country', d.country));
  row('admin1', i18n.term('admin1', d.admin1), { jump: 'location' });
  row('admin2', d.admin2);
  row('admin3', d.admin3);
  row('location', d.location, { dir: 'ltr' });
  row('location_ar', d.location_ar, { dir: 'rtl', lang: 'ar', cls: 'ar' });
  // latitude first, in the reading order of the language
  row('coordinates', d.latitude != null ? `${i18n.coord(d.latitude)}${i18n.lang === 'ar' ? '، ' : ', '}${i18n.coord(d.longitude)}` : null, { jump: 'location' });
  row('geo_precision', d.geo_precision != null ? `${i18n.num(d.geo_precision)} — ${i18n.term('geo_precision', String(d.geo_precision))}` : null);
  row('seized', (d.seized || []).length
    ? h('span', { class: 'chips' }, (d.seized || []).map((s) => h('span', { class: 'chip' }, i18n.term('seized', s)))) : null);
  row('confidence', confidenceBar(d.confidence, i18n));
  for (const [key, v] of Object.entries(d)) {
    if (KNOWN.has(key) || v == null) continue;
    row(key, h('span', { dir: 'auto' }, plain(v)));
  }
  const fields = section('fields', t('panel.fields'), dl);

  // ---------------------------------------------------------- actors
  const actorRows = (d.actors || []).slice().sort((a, b) => (a.side - b.side) || (a.role === 'primary' ? -1 : 1));
  const actors = section('actors', t('panel.actors'),
    actorRows.length ? h('table', { class: 'mini' },
      h('thead', {}, h('tr', {}, h('th', {}, t('actor.side')), h('th', {}, t('actor.name')), h('th', {}, t('actor.role')), h('th', {}, t('actor.key')))),
      h('tbody', {}, actorRows.map((a) => {
        const local = i18n.lang === 'ar' ? i18n.dict.ar?.actor?.[a.key] : null;
        return h('tr', {},
          h('td', {}, h('span', { class: `side side-${a.side}` }, t(`actor.side${a.side}`)), jump(`actors.side${a.side}`)),
          h('td', {}, local ? [h('span', { lang: 'ar' }, local), h('br'), h('small', { dir: 'ltr', lang: 'en' }, a.name)] : h('span', { dir: 'ltr' }, a.name)),
          h('td', {}, i18n.term('role', a.role)),
          h('td', {}, h('button', {
            type: 'button', class: 'linklike', dir: 'ltr', title: t('panel.filter_actor'),
            onclick: () => ctx.onFilterActor(a.key),
          }, a.key)));
      }))) : h('p', { class: 'muted' }, t('panel.no_actors')));

  // ---------------------------------------------------------- conflicts
  const conflictsList = d.conflicts || [];
  const conflicts = conflictsList.length ? section('conflicts', t('panel.conflicts'),
    h('ul', { class: 'conflicts', 'data-testid': 'conflicts' }, conflictsList.map((c) => {
      if (!c || typeof c !== 'object' || !c.values) return h('li', {}, h('code', { dir: 'ltr' }, plain(c)));
      return h('li', {},
        h('strong', {}, fieldLabel(c.field)), ': ',
        Object.entries(c.values).map(([aid, v], i) => [i ? i18n.lang === 'ar' ? '، ' : ', ' : '',
          h('span', { class: 'cv' }, h('b', {}, typeof v === 'number' ? i18n.num(v) : plain(v)), ' ', h('small', {}, `(${outletOf[aid] || aid})`))]),
        c.rule ? h('div', { class: 'muted' }, t('panel.rule'), ': ', h('span', { dir: 'ltr', lang: 'en' }, c.rule)) : null);
    }))) : null;

  // ---------------------------------------------------------- sources
  const sources = section('sources', `${t('panel.sources')} (${i18n.num((d.sources || []).length)})`,
    h('ul', { class: 'sources' }, (d.sources || []).map((s) => h('li', {},
      h('div', {}, h('strong', {}, s.outlet || t('panel.unknown_outlet')), ' · ', h('span', {}, s.published ? i18n.date(s.published) : t('panel.no_date')),
        s.url ? [' · ', h('a', { href: s.url, target: '_blank', rel: 'noopener noreferrer' }, t('panel.open_source'))] : null),
      s.title ? h('div', { class: 'src-title', dir: 'auto', lang: 'ar' }, s.title) : null,
      h('div', { class: 'src-id' }, h('code', { dir: 'ltr' }, s.article_id))))));

  // ---------------------------------------------------------- source texts with evidence
  const articles = d.articles || {};
  const ids = [...(d.sources || []).map((s) => s.article_id)];
  for (const e of evidence) if (!ids.includes(e.article_id)) ids.push(e.article_id);
  const fieldCounts = new Map();
  const texts = h('div', { class: 'articles' });
  let missingTotal = 0;
  for (const aid of ids) {
    const a = articles[aid];
    const src = (d.sources || []).find((s) => s.article_id === aid) || {};
    const headLine = h('div', { class: 'article-head' },
      h('strong', {}, h('bdi', {}, src.outlet || aid)), src.published ? [' · ', i18n.date(src.published)] : null,
      src.outlet ? [' · ', h('code', { class: 'muted', dir: 'ltr' }, aid)] : null);
    if (!a || typeof a.text !== 'string') {
      texts.append(h('article', { class: 'article', 'data-article-id': aid }, headLine, h('p', { class: 'muted' }, t('panel.no_text'))));
      continue;
    }
    const { spans, missing } = resolveSpans(a.text, evidence.filter((e) => e.article_id === aid));
    missingTotal += missing.length;
    for (const s of spans) fieldCounts.set(s.field, (fieldCounts.get(s.field) || 0) + 1);
    const body = h('div', { class: 'article-text', dir: 'rtl', lang: 'ar', 'data-testid': 'article-text' });
    body.append(highlight(a.text, spans, fieldLabel));
    texts.append(h('article', { class: 'article', 'data-article-id': aid }, headLine, body));
  }
  const legendFields = [...fieldCounts.keys()].sort((a, b) => {
    const ia = FIELD_ORDER.indexOf(a);
    const ib = FIELD_ORDER.indexOf(b);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
  });
  const legend = h('div', { class: 'ev-legend', 'data-testid': 'evidence-legend' },
    legendFields.map((f) => h('button', {
      type: 'button', class: 'ev-key', 'aria-pressed': 'true', style: `--ev:${evidenceColor(f)}`, 'data-field': f,
      title: t('panel.toggle_field'),
      onclick: (e) => {
        const b = e.currentTarget;
        const on = b.getAttribute('aria-pressed') !== 'true';
        b.setAttribute('aria-pressed', String(on));
        for (const m of texts.querySelectorAll(`mark.evidence[data-field="${CSS.escape(f)}"]`)) m.classList.toggle('off', !on);
      },
    }, h('span', { class: 'ev-dot' }), fieldLabel(f), h('span', { class: 'ev-n' }, i18n.num(fieldCounts.get(f))))));
  if (ctx.tip) bindEvidenceTip(texts, ctx.tip, fieldLabel);
  const textSection = section('texts', t('panel.source_texts'),
    legendFields.length ? h('p', { class: 'muted small' }, t('panel.evidence_hint')) : null,
    legend,
    missingTotal ? h('p', { class: 'warn' }, t('panel.evidence_missing', { n: i18n.num(missingTotal) })) : null,
    texts);

  // ---------------------------------------------------------- corrections
  const corr = d.corrections || [];
  const corrections = section('corrections', t('panel.corrections'),
    corr.length ? h('table', { class: 'mini', 'data-testid': 'corrections' },
      h('thead', {}, h('tr', {}, ['who', 'when', 'field', 'old', 'new', 'reason'].map((c) => h('th', {}, t(`corr.${c}`))))),
      h('tbody', {}, corr.map((c) => h('tr', { 'data-kind': c.kind },
        h('td', { dir: 'auto' }, c.who || dash), h('td', {}, i18n.dateTime(c.when)),
        h('td', {}, c.kind === 'confirm' ? t('corr.confirmed') : c.kind === 'correction' ? fieldLabel(c.field) : t(`corr.${c.kind}`)),
        h('td', { dir: 'auto' }, h('del', {}, plain(c.old) || dash)), h('td', { dir: 'auto' }, h('ins', {}, plain(c.new) || dash)),
        h('td', { dir: 'auto', class: 'reason' }, c.reason || dash)))))
      : h('p', { class: 'muted' }, t('panel.no_corrections')));

  const body = h('div', { class: 'panel-body' }, notes, figures, ctx.review || null, conflicts, actors, sources, textSection,
    fields, corrections);
  root.replaceChildren(head, body);
}

export function confidenceBar(c, i18n) {
  if (c == null) return '—';
  const pct = Math.round(Math.max(0, Math.min(1, c)) * 100);
  const lvl = c >= 0.8 ? 'hi' : c >= 0.5 ? 'mid' : 'lo';
  return h('span', { class: `confbar confbar-${lvl}`, title: i18n.dec(c) },
    h('span', { class: 'confbar-track', 'aria-hidden': 'true' }, h('span', { class: 'confbar-fill', style: `inline-size:${pct}%` })),
    h('span', { class: 'confbar-n' }, i18n.dec(c)));
}

export function renderPanelMessage(root, i18n, message, onClose) {
  root.replaceChildren(h('div', { class: 'panel-head' },
    h('div', { class: 'panel-toolbar' }, h('span', { class: 'spacer' }),
      h('button', { type: 'button', class: 'btn btn-icon', onclick: onClose, 'aria-label': i18n.t('panel.close'), 'data-testid': 'panel-close' }, '×')),
    h('h2', { id: 'panel-title', tabindex: '-1' }, message)));
}
