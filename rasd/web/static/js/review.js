// Review in the event panel: with a token (entered once, kept for the browser session), an analyst
// confirms an event, corrects a field (type, date, place from the gazetteer, a figure, an actor),
// merges it with another event or splits sources off it, each with a reason. Everything goes through
// the API that serves the page (PATCH /api/events/{id}, POST .../confirm, .../merge, .../split).

import { h } from './panel.js';
import { SUB_EVENT_TYPES } from './taxonomy.js';

const TOKEN_KEY = 'rasd.token';
const WHO_KEY = 'rasd.who';

export const session = {
  get token() { return sessionStorage.getItem(TOKEN_KEY) || ''; },
  get who() { return sessionStorage.getItem(WHO_KEY) || ''; },
  set(token, who) { sessionStorage.setItem(TOKEN_KEY, token); sessionStorage.setItem(WHO_KEY, who); },
  clear() { sessionStorage.removeItem(TOKEN_KEY); sessionStorage.removeItem(WHO_KEY); },
};

async function call(method, path, body) {
  const headers = { Authorization: `Bearer ${session.token}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  let data = null;
  try { data = await r.json(); } catch { /* an empty or non-JSON answer */ }
  if (!r.ok) {
    const detail = data && data.detail;
    const msg = typeof detail === 'string' ? detail : Array.isArray(detail) ? detail.map((d) => d.msg).join('; ') : r.statusText;
    const err = new Error(msg || `HTTP ${r.status}`);
    err.status = r.status;
    throw err;
  }
  return data;
}

// the fields the "correct" form offers, and how a value becomes a PATCH body
const FIGURES = ['fatalities', 'injured', 'arrested'];
export const CORRECTABLE = ['sub_event_type', 'event_date', 'place', ...FIGURES, 'actor1', 'actor2'];

function subTypeOptions(i18n, current) {
  const groups = Object.entries(SUB_EVENT_TYPES).map(([type, subs]) => {
    const og = h('optgroup', { label: i18n.term('event_type', type) });
    og.append(...subs.map((s) => {
      const o = h('option', { value: `${type}\u241f${s}` }, i18n.term('sub_event_type', s));
      if (s === current) o.selected = true;
      return o;
    }));
    return og;
  });
  return groups;
}

function patchFor(field, value, d, place) {
  if (field === 'sub_event_type') {
    const [type, sub] = value.split('\u241f');
    return { event_type: type, sub_event_type: sub };
  }
  if (field === 'event_date') return { event_date: value || null };
  if (FIGURES.includes(field)) {
    if (value === '') return { [field]: null };
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new Error('a whole number, or empty for none');
    return { [field]: n };
  }
  if (field === 'place') {
    if (!place) throw new Error('choose a place from the list');
    return { ...place.correction };
  }
  if (field === 'actor1' || field === 'actor2') {
    const side = field === 'actor1' ? 1 : 2;
    const key = value.trim();
    if (!key) throw new Error('an actor key, e.g. isis');
    const others = (d.actors || []).filter((a) => a.side !== side);
    return { actors: [...others, { key, side, role: 'primary' }] };
  }
  throw new Error(`unknown field ${field}`);
}

// ----------------------------------------------------------------------------------------------

export function renderReview(d, ctx) {
  const { i18n, onEdited } = ctx;
  const t = (k, v) => i18n.t(k, v);
  const box = h('section', { class: 'panel-section review', 'aria-labelledby': 'ps-review', 'data-testid': 'review' });
  const error = h('p', { class: 'warn', 'data-testid': 'review-error', role: 'alert', hidden: true });
  const fail = (e) => { error.textContent = e.message || String(e); error.hidden = false; };
  const rv = d.review || { state: 'unreviewed' };
  const state = h('p', { class: `review-state review-${rv.state}`, 'data-testid': 'review-state', 'data-state': rv.state },
    t(`review.state.${rv.state}`, { who: rv.who || '', when: rv.when ? i18n.dateTime(rv.when) : '' }));
  const title = h('h3', { id: 'ps-review' }, t('review.title'));

  if (!session.token) {
    const input = h('input', { type: 'password', id: 'review-token', autocomplete: 'off', 'data-testid': 'review-token',
      placeholder: 'rasd_…', 'aria-label': t('review.token') });
    const form = h('form', { class: 'review-signin', 'data-testid': 'review-signin' },
      h('label', { for: 'review-token' }, t('review.token')), input,
      h('button', { type: 'submit', class: 'btn btn-small' }, t('review.sign_in')),
      h('p', { class: 'muted small' }, t('review.token_hint')));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const token = input.value.trim();
      if (!token) return;
      session.set(token, '');
      try {
        const me = await call('GET', 'api/me');
        session.set(token, me.who);
        onEdited(d.id);
      } catch (err) {
        session.clear();
        fail(err.status === 401 ? new Error(t('review.bad_token')) : err);
      }
    });
    box.append(title, state, form, error);
    return box;
  }

  const reason = h('textarea', { id: 'review-reason', rows: '2', 'data-testid': 'review-reason', dir: 'auto',
    placeholder: t('review.reason_hint') });
  const busy = async (fn) => {
    error.hidden = true;
    for (const b of box.querySelectorAll('button')) b.disabled = true;
    try {
      await fn();
    } catch (e) {
      fail(e);
      for (const b of box.querySelectorAll('button')) b.disabled = false;
    }
  };
  const why = () => reason.value.trim() || null;

  // confirm
  const confirm = h('button', { type: 'button', class: 'btn btn-small btn-primary', 'data-testid': 'review-confirm',
    onclick: () => busy(async () => {
      const r = await call('POST', `api/events/${encodeURIComponent(d.id)}/confirm`, { reason: why() });
      onEdited(r.id);
    }) }, t('review.confirm'));

  // correct a field
  const field = h('select', { id: 'correct-field', 'data-testid': 'correct-field' },
    CORRECTABLE.map((f) => h('option', { value: f }, t(`review.field.${f}`))));
  const valueBox = h('span', { class: 'correct-value' });
  let place = null;
  const drawValue = () => {
    place = null;
    const f = field.value;
    let input;
    if (f === 'sub_event_type') {
      input = h('select', { 'data-testid': 'correct-value' }, subTypeOptions(i18n, d.sub_event_type));
    } else if (f === 'event_date') {
      input = h('input', { type: 'date', value: d.event_date || '', 'data-testid': 'correct-value' });
    } else if (FIGURES.includes(f)) {
      input = h('input', { type: 'number', min: '0', step: '1', value: d[f] ?? '', 'data-testid': 'correct-value' });
    } else if (f === 'place') {
      const list = h('datalist', { id: 'place-options' });
      let found = [];
      input = h('input', { type: 'search', list: 'place-options', dir: 'auto', 'data-testid': 'correct-value',
        placeholder: t('review.place_hint') });
      let timer = null;
      input.addEventListener('input', () => {
        clearTimeout(timer);
        const q = input.value.trim();
        place = found.find((p) => label(p) === q) || null;
        if (place || q.length < 2) return;
        timer = setTimeout(async () => {
          try {
            found = await (await fetch(`api/places?q=${encodeURIComponent(q)}&limit=10`)).json();
          } catch { found = []; }
          list.replaceChildren(...found.map((p) => h('option', { value: label(p) })));
          place = found.find((p) => label(p) === input.value.trim()) || (found.length === 1 ? found[0] : null);
        }, 200);
      });
      const label = (p) => `${p.name_ar} — ${p.name_en} (${[p.correction.admin1, p.correction.admin2].filter(Boolean).join(', ')})`;
      valueBox.replaceChildren(input, list);
      return;
    } else {
      const side = f === 'actor1' ? 1 : 2;
      const cur = (d.actors || []).find((a) => a.side === side);
      input = h('input', { type: 'text', value: cur ? cur.key : '', list: 'actor-list', spellcheck: 'false',
        'data-testid': 'correct-value', placeholder: 'isis, sdf, sy-police…' });
    }
    valueBox.replaceChildren(input);
  };
  field.addEventListener('change', drawValue);
  drawValue();
  const apply = h('button', { type: 'button', class: 'btn btn-small', 'data-testid': 'correct-apply',
    onclick: () => busy(async () => {
      const input = valueBox.querySelector('[data-testid=correct-value]');
      const body = { ...patchFor(field.value, input.value, d, place), reason: why() };
      const r = await call('PATCH', `api/events/${encodeURIComponent(d.id)}`, body);
      onEdited(r.id);
    }) }, t('review.apply'));

  // merge with another event
  const other = h('input', { type: 'text', id: 'merge-other', 'data-testid': 'merge-other', spellcheck: 'false',
    placeholder: 'rasd-…' });
  const merge = h('button', { type: 'button', class: 'btn btn-small', 'data-testid': 'merge-apply',
    onclick: () => busy(async () => {
      const id = other.value.trim();
      if (!id) throw new Error(t('review.merge_hint'));
      const r = await call('POST', `api/events/${encodeURIComponent(d.id)}/merge`, { other: id, reason: why() });
      onEdited(r.id);
    }) }, t('review.merge'));

  // split sources off
  const sources = d.sources || [];
  const checks = sources.length > 1 ? sources.map((s) => h('label', { class: 'split-source' },
    h('input', { type: 'checkbox', value: s.article_id, 'data-testid': 'split-source' }),
    ' ', s.outlet || s.article_id, s.kind === 'mentions' ? ` (${t('review.mentions')})` : '')) : [];
  const split = sources.length > 1 ? h('button', { type: 'button', class: 'btn btn-small', 'data-testid': 'split-apply',
    onclick: () => busy(async () => {
      const ids = checks.map((c) => c.querySelector('input')).filter((c) => c.checked).map((c) => c.value);
      if (!ids.length) throw new Error(t('review.split_hint'));
      const r = await call('POST', `api/events/${encodeURIComponent(d.id)}/split`, { article_ids: ids, reason: why() });
      onEdited(r.rest.id);
    }) }, t('review.split')) : null;

  const signOut = h('button', { type: 'button', class: 'btn btn-link small', 'data-testid': 'review-sign-out',
    onclick: () => { session.clear(); onEdited(d.id); } }, t('review.sign_out', { who: session.who }));

  box.append(title, state,
    h('div', { class: 'review-row' }, h('label', { for: 'review-reason' }, t('review.reason')), reason),
    h('div', { class: 'review-row' }, confirm),
    h('div', { class: 'review-row' }, h('label', { for: 'correct-field' }, t('review.correct')), field, valueBox, apply),
    h('div', { class: 'review-row' }, h('label', { for: 'merge-other' }, t('review.merge_with')), other, merge),
    split ? h('div', { class: 'review-row' }, h('span', {}, t('review.split_off')), ...checks, split) : null,
    error, signOut);
  return box;
}
