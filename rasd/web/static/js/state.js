// The view's state and its URL form (query string), so a view can be shared and reloaded.
//
//   ?lang=ar&date_from=2025-01-01&date_to=&admin1=Homs&event_type=Battles&sub_event_type=&actor=isis
//    &q=...&inview=1&sort=-event_date&limit=100&offset=0&event=<id>&map=<lat>,<lon>,<zoom>

export const FILTER_KEYS = ['date_from', 'date_to', 'admin1', 'event_type', 'sub_event_type', 'actor', 'q', 'report_kind', 'country',
  'review'];
// what the page shows unless told otherwise: incidents in Syria (tallies, recalled events and other
// countries are a choice; 'all' lifts the default)
export const REPORT_KINDS = ['aggregate', 'background', 'all'];
export const COUNTRY_DEFAULT = 'Syria';
export const DEFAULT_SORT = '-event_date';
export const PAGE_SIZES = [50, 100, 250];
export const DEFAULT_LIMIT = 100;

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export function emptyFilters() {
  return Object.fromEntries(FILTER_KEYS.map((k) => [k, '']));
}

export function defaultState() {
  return {
    filters: emptyFilters(),
    inview: false,
    sort: DEFAULT_SORT,
    limit: DEFAULT_LIMIT,
    offset: 0,
    lang: null,
    event: null,
    map: null, // {lat, lng, zoom}
  };
}

export function parseState(search) {
  const p = new URLSearchParams(search);
  const s = defaultState();
  for (const k of FILTER_KEYS) {
    const v = (p.get(k) || '').trim();
    if ((k === 'date_from' || k === 'date_to') && v && !ISO_DATE.test(v)) continue;
    s.filters[k] = v;
  }
  s.inview = p.get('inview') === '1';
  const sort = p.get('sort');
  if (sort && /^-?[a-z_0-9]+$/.test(sort)) s.sort = sort;
  const limit = parseInt(p.get('limit'), 10);
  if (PAGE_SIZES.includes(limit)) s.limit = limit;
  const offset = parseInt(p.get('offset'), 10);
  if (offset > 0) s.offset = offset;
  const lang = p.get('lang');
  if (lang === 'ar' || lang === 'en') s.lang = lang;
  s.event = p.get('event') || null;
  const m = (p.get('map') || '').split(',').map(Number);
  if (m.length === 3 && m.every(Number.isFinite) && Math.abs(m[0]) <= 90 && Math.abs(m[1]) <= 180) {
    s.map = { lat: m[0], lng: m[1], zoom: m[2] };
  }
  return s;
}

export function stateToSearch(s) {
  const p = new URLSearchParams();
  if (s.lang) p.set('lang', s.lang);
  for (const k of FILTER_KEYS) if (s.filters[k]) p.set(k, s.filters[k]);
  if (s.inview) p.set('inview', '1');
  if (s.sort && s.sort !== DEFAULT_SORT) p.set('sort', s.sort);
  if (s.limit && s.limit !== DEFAULT_LIMIT) p.set('limit', String(s.limit));
  if (s.offset) p.set('offset', String(s.offset));
  if (s.event) p.set('event', s.event);
  if (s.map) p.set('map', `${s.map.lat.toFixed(4)},${s.map.lng.toFixed(4)},${+s.map.zoom.toFixed(2)}`);
  const q = p.toString();
  return q ? `?${q}` : '';
}

/** Query parameters for the API: the filters (non-empty only) plus extras. */
export function apiParams(filters, extra = {}) {
  const p = new URLSearchParams();
  for (const k of FILTER_KEYS) if (filters[k] && !(k === 'country' && filters[k] === 'all')) p.set(k, filters[k]);
  if (!filters.country) p.set('country', COUNTRY_DEFAULT);
  if (!filters.report_kind) p.set('report_kind', 'incident');
  for (const [k, v] of Object.entries(extra)) if (v != null && v !== '') p.set(k, String(v));
  return p;
}

export const sameFilters = (a, b) => FILTER_KEYS.every((k) => (a[k] || '') === (b[k] || ''));
