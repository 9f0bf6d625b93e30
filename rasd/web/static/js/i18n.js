// UI strings (i18n.json), term translations, and number/date formatting per language.

export const LANGS = ['en', 'ar'];

export class I18n {
  constructor(dict, lang = 'en') {
    this.dict = dict;
    this.setLang(lang);
  }

  setLang(lang) {
    this.lang = LANGS.includes(lang) ? lang : 'en';
    this.dir = this.lang === 'ar' ? 'rtl' : 'ltr';
    // Syrian Arabic: Arabic-Indic digits and the Levantine month names (كانون الثاني، تموز ...).
    this.locale = this.lang === 'ar' ? 'ar-SY' : 'en-GB';
    this._num = new Intl.NumberFormat(this.locale);
    this._plural = new Intl.PluralRules(this.locale);
    this._dec = new Intl.NumberFormat(this.locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    this._coord = new Intl.NumberFormat(this.locale, { minimumFractionDigits: 4, maximumFractionDigits: 5 });
    this._date = new Intl.DateTimeFormat(this.locale, { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
    this._dateLong = new Intl.DateTimeFormat(this.locale, { weekday: 'short', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
    this._month = new Intl.DateTimeFormat(this.locale, { month: 'short', timeZone: 'UTC' });
    this._monthYear = new Intl.DateTimeFormat(this.locale, { month: 'short', year: 'numeric', timeZone: 'UTC' });
    this._year = new Intl.DateTimeFormat(this.locale, { year: 'numeric', timeZone: 'UTC' });
    this._dateTime = new Intl.DateTimeFormat(this.locale, { dateStyle: 'medium', timeStyle: 'short' });
  }

  /**
   * A UI string by key, with {name} placeholders filled; English, then the key itself, as fallbacks.
   * A string may have plural forms ({zero, one, two, few, many, other}: Arabic has all six), chosen
   * by the number in vars.count.
   */
  t(key, vars) {
    let s = this.dict[this.lang]?.ui?.[key];
    if (s == null) s = this.dict.en?.ui?.[key];
    if (s == null) s = key;
    if (typeof s === 'object') {
      const n = Number(vars?.count);
      let form = Number.isFinite(n) ? this._plural.select(n) : 'other';
      if (n === 0 && s.zero != null) form = 'zero';
      s = s[form] ?? s.other ?? Object.values(s)[0];
    }
    if (vars) {
      s = s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
    }
    return s;
  }

  has(key) {
    return this.dict[this.lang]?.ui?.[key] != null;
  }

  /** A value of a vocabulary (event_type, sub_event_type, admin1, field, seized ...) in the current language. */
  term(section, value) {
    if (value == null || value === '') return '';
    const v = this.dict[this.lang]?.[section]?.[value];
    if (v != null) return v;
    return this.dict.en?.[section]?.[value] ?? String(value);
  }

  num(n) {
    return n == null || Number.isNaN(n) ? '—' : this._num.format(n);
  }

  dec(n) {
    return n == null ? '—' : this._dec.format(n);
  }

  coord(n) {
    return n == null ? '—' : this._coord.format(n);
  }

  _d(iso) {
    if (!iso) return null;
    const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
    if (!m) return null;
    return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  }

  date(iso) {
    const d = this._d(iso);
    return d ? this._date.format(d) : '—';
  }

  dateLong(iso) {
    const d = this._d(iso);
    return d ? this._dateLong.format(d) : '—';
  }

  month(d) { return this._month.format(d); }
  monthYear(d) { return this._monthYear.format(d); }
  year(d) { return this._year.format(d); }

  dateTime(iso) {
    if (!iso) return '—';
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? String(iso) : this._dateTime.format(d);
  }

  /** "a – b" in the reading order of the language. */
  range(a, b) {
    return `${a} – ${b}`;
  }

  /** Fills [data-i18n], [data-i18n-placeholder], [data-i18n-aria-label], [data-i18n-title] under root. */
  apply(root = document) {
    for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = this.t(el.dataset.i18n);
    for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = this.t(el.dataset.i18nPlaceholder);
    for (const el of root.querySelectorAll('[data-i18n-aria-label]')) el.setAttribute('aria-label', this.t(el.dataset.i18nAriaLabel));
    for (const el of root.querySelectorAll('[data-i18n-title]')) el.title = this.t(el.dataset.i18nTitle);
  }
}
