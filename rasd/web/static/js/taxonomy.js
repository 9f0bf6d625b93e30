// ACLED taxonomy, the contract's governorates, and the fixed event-type palette (colour + shape).

export const EVENT_TYPES = [
  'Battles',
  'Explosions/Remote violence',
  'Violence against civilians',
  'Strategic developments',
  'Protests',
  'Riots',
];

export const SUB_EVENT_TYPES = {
  'Battles': ['Armed clash', 'Government regains territory', 'Non-state actor overtakes territory'],
  'Explosions/Remote violence': ['Air/drone strike', 'Shelling/artillery/missile attack',
    'Remote explosive/landmine/IED', 'Suicide bomb', 'Grenade', 'Chemical weapon'],
  'Violence against civilians': ['Attack', 'Abduction/forced disappearance', 'Sexual violence'],
  'Strategic developments': ['Arrests', 'Disrupted weapons use', 'Looting/property destruction', 'Agreement',
    'Change to group/activity', 'Headquarters or base established', 'Non-violent transfer of territory', 'Other'],
  'Protests': ['Peaceful protest', 'Protest with intervention', 'Excessive force against protesters'],
  'Riots': ['Violent demonstration', 'Mob violence'],
};

export const ADMIN1 = ['Aleppo', 'Al Hasakeh', 'Ar Raqqa', 'As Sweida', 'Damascus', "Dar'a", 'Deir ez Zor',
  'Hama', 'Homs', 'Idleb', 'Lattakia', 'Quneitra', 'Rural Damascus', 'Tartous'];

// Okabe–Ito colours (safe for the common colour-vision deficiencies), each with its own shape as well.
export const TYPE_STYLE = {
  'Battles': { color: '#D55E00', shape: 'circle', slug: 'battles' },
  'Explosions/Remote violence': { color: '#E69F00', shape: 'diamond', slug: 'explosions' },
  'Violence against civilians': { color: '#CC79A7', shape: 'triangle', slug: 'vac' },
  'Strategic developments': { color: '#0072B2', shape: 'square', slug: 'strategic' },
  'Protests': { color: '#009E73', shape: 'pentagon', slug: 'protests' },
  'Riots': { color: '#56B4E9', shape: 'star', slug: 'riots' },
};
const OTHER = { color: '#7B8794', shape: 'circle', slug: 'other' };
export const typeStyle = (t) => TYPE_STYLE[t] || OTHER;

const SHAPES = {
  circle: '<circle cx="10" cy="10" r="7.6"/>',
  diamond: '<path d="M10 1.2 18.8 10 10 18.8 1.2 10Z"/>',
  triangle: '<path d="M10 1.8 18.9 17.6H1.1Z"/>',
  square: '<rect x="2.8" y="2.8" width="14.4" height="14.4" rx="1.6"/>',
  pentagon: '<path d="M10 1.5 18.6 7.8 15.3 17.9H4.7L1.4 7.8Z"/>',
  star: '<path d="M10 .9 12.7 7.3 19.1 10 12.7 12.7 10 19.1 7.3 12.7.9 10 7.3 7.3Z"/>',
};

/** An inline SVG of the type's symbol (decorative: callers label it). */
export function typeSymbol(type, size = 14, extraClass = '') {
  const s = typeStyle(type);
  return `<svg class="sym ${extraClass}" width="${size}" height="${size}" viewBox="0 0 20 20" aria-hidden="true" focusable="false">`
    + `<g fill="${s.color}" stroke="#1b2631" stroke-width="1.3" stroke-linejoin="round">${SHAPES[s.shape]}</g></svg>`;
}

// Evidence highlight colour per field of the record (the legend in the event panel shows them).
const EVIDENCE_COLORS = {
  event_type: '#E41A1C', sub_event_type: '#F05FA5', report_kind: '#8E8E8E', disorder_type: '#E41A1C',
  event_date: '#377EB8', date_end: '#377EB8', time_precision: '#377EB8',
  location: '#3DA33A', admin1: '#3DA33A', admin2: '#3DA33A', admin3: '#3DA33A',
  'actors.side1': '#FF7F00', 'actors.side2': '#984EA3', actors: '#FF7F00',
  fatalities: '#A65628', 'killed.side1': '#A65628', 'killed.side2': '#A65628', 'killed.civilians': '#A65628',
  killed: '#A65628', injured: '#D4A000', arrested: '#1B9E77', seized: '#17A2B8',
};
export const evidenceColor = (field) => EVIDENCE_COLORS[field]
  || EVIDENCE_COLORS[String(field).split('.')[0]] || '#6B7280';

// Order of fields in the evidence legend.
export const FIELD_ORDER = ['report_kind', 'event_type', 'sub_event_type', 'event_date', 'date_end', 'location',
  'actors.side1', 'actors.side2', 'fatalities', 'killed.side1', 'killed.side2', 'killed.civilians', 'injured',
  'arrested', 'seized'];

// Natural Earth spells some governorates differently from the contract; keys are folded (see foldName).
const NE_TO_ADMIN1 = {
  homs: 'Homs', homshims: 'Homs', hims: 'Homs', tartus: 'Tartous', tartous: 'Tartous',
  rifdimashq: 'Rural Damascus', ruraldamascus: 'Rural Damascus', damascus: 'Damascus', dimashq: 'Damascus',
  alhasakah: 'Al Hasakeh', hasakaalhaksa: 'Al Hasakeh', alhasakeh: 'Al Hasakeh', hasakah: 'Al Hasakeh',
  alraqqah: 'Ar Raqqa', arraqqah: 'Ar Raqqa', arraqqa: 'Ar Raqqa', raqqa: 'Ar Raqqa',
  aleppo: 'Aleppo', halab: 'Aleppo', idlib: 'Idleb', idleb: 'Idleb', latakia: 'Lattakia', lattakia: 'Lattakia',
  assuwayda: 'As Sweida', assweida: 'As Sweida', suwayda: 'As Sweida',
  daraa: "Dar'a", dara: "Dar'a", deirezzor: 'Deir ez Zor', dayrazzawr: 'Deir ez Zor', quneitra: 'Quneitra',
  hama: 'Hama', hamah: 'Hama',
};
const foldName = (s) => String(s || '').toLowerCase().normalize('NFKD').replace(/[^a-z]/g, '');

/** The contract's admin1 name of a boundary feature, or null (e.g. the UNDOF zone). */
export function featureAdmin1(props) {
  if (!props) return null;
  if (props.admin1 && ADMIN1.includes(props.admin1)) return props.admin1;
  for (const k of ['name_en', 'name', 'name_alt']) {
    for (const part of String(props[k] || '').split('|')) {
      const hit = NE_TO_ADMIN1[foldName(part)];
      if (hit) return hit;
    }
  }
  return null;
}
