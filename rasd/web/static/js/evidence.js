// Evidence spans over an article's original text, as nested <mark class="evidence" data-field> elements.
//
// Offsets in the record count Unicode code points (Python string indices) into the text as read from
// disk; JavaScript strings index UTF-16 units, so offsets are converted when the text has characters
// outside the BMP. A span whose text does not match at its offsets is looked for nearby; one that
// cannot be found is reported, not drawn.

import { evidenceColor } from './taxonomy.js';

function codePointToUnit(text) {
  if (!/[\uD800-\uDFFF]/.test(text)) return null;
  const map = [];
  let u = 0;
  for (const ch of text) {
    map.push(u);
    u += ch.length;
  }
  map.push(u);
  return map;
}

/**
 * Resolves evidence items of one article to UTF-16 ranges.
 * @returns {{spans: Array<{field,start,end,text}>, moved: number, missing: Array}}
 */
export function resolveSpans(text, items) {
  const map = codePointToUnit(text);
  const conv = (i) => (map ? map[Math.min(i, map.length - 1)] : i);
  const seen = new Set();
  const spans = [];
  const missing = [];
  let moved = 0;
  for (const ev of items) {
    if (ev.start == null || ev.end == null) continue;
    let s = conv(ev.start);
    let e = conv(ev.end);
    const want = ev.text;
    if (want != null && text.slice(s, e) !== want) {
      // nearest occurrence of the same words
      let best = -1;
      let from = 0;
      for (;;) {
        const k = text.indexOf(want, from);
        if (k < 0) break;
        if (best < 0 || Math.abs(k - s) < Math.abs(best - s)) best = k;
        from = k + 1;
      }
      if (best < 0 || !want) {
        missing.push(ev);
        continue;
      }
      s = best;
      e = best + want.length;
      moved += 1;
    }
    if (e <= s) continue;
    const key = `${ev.field}|${s}|${e}`;
    if (seen.has(key)) continue;
    seen.add(key);
    spans.push({ field: ev.field, start: s, end: e, text: text.slice(s, e) });
  }
  return { spans, moved, missing };
}

/**
 * The text as a DocumentFragment with every span wrapped in <mark class="evidence" data-field>.
 * Spans nest (the longer outside); a span that crosses the end of its parent is split in two.
 * `label(field)` gives the hover title of a field.
 */
export function highlight(text, spans, label) {
  const queue = spans.map((s) => ({ ...s })).sort((a, b) => a.start - b.start || b.end - a.end);
  const root = { end: text.length, children: [], field: null };
  const stack = [root];
  const all = [];
  while (queue.length) {
    const s = queue.shift();
    while (stack.length > 1 && stack[stack.length - 1].end <= s.start) stack.pop();
    const parent = stack[stack.length - 1];
    if (s.end > parent.end) {
      // crossing: keep the part inside the parent here, queue the rest
      const rest = { ...s, start: parent.end };
      s.end = parent.end;
      let i = 0;
      while (i < queue.length && (queue[i].start < rest.start || (queue[i].start === rest.start && queue[i].end >= rest.end))) i++;
      queue.splice(i, 0, rest);
    }
    if (s.end <= s.start) continue;
    const node = { ...s, children: [] };
    parent.children.push(node);
    stack.push(node);
    all.push(node);
  }

  const frag = document.createDocumentFragment();
  const build = (node, into, from, to, chain) => {
    let pos = from;
    for (const c of node.children) {
      if (c.start > pos) into.append(text.slice(pos, c.start));
      const m = document.createElement('mark');
      m.className = 'evidence';
      m.dataset.field = c.field;
      m.style.setProperty('--ev', evidenceColor(c.field));
      const names = [...chain, label(c.field)];
      m.dataset.label = names.join(' · '); // shown by the panel's hover tooltip
      build(c, m, c.start, c.end, names);
      into.append(m);
      pos = c.end;
    }
    if (pos < to) into.append(text.slice(pos, to));
  };
  build(root, frag, 0, text.length, []);
  return frag;
}

/**
 * Hovering a highlight shows the field(s) it stands for in `tip` (the inner mark's field last).
 */
export function bindEvidenceTip(container, tip, label) {
  const show = (mark) => {
    const marks = [];
    for (let m = mark; m && m !== container; m = m.parentElement) if (m.matches('mark.evidence')) marks.unshift(m);
    tip.replaceChildren();
    const ul = document.createElement('ul');
    for (const m of marks) {
      const li = document.createElement('li');
      const sw = document.createElement('span');
      sw.className = 'swatch';
      sw.style.background = evidenceColor(m.dataset.field);
      li.append(sw, label(m.dataset.field));
      ul.appendChild(li);
    }
    tip.appendChild(ul);
    tip.hidden = false;
    const r = mark.getBoundingClientRect();
    const w = tip.offsetWidth;
    const h = tip.offsetHeight;
    tip.style.left = `${Math.max(8, Math.min(window.innerWidth - w - 8, r.left + r.width / 2 - w / 2))}px`;
    tip.style.top = `${r.top - h - 6 < 8 ? r.bottom + 6 : r.top - h - 6}px`;
  };
  container.addEventListener('mouseover', (e) => {
    const m = e.target.closest('mark.evidence');
    if (m && !m.classList.contains('off')) show(m);
    else tip.hidden = true;
  });
  container.addEventListener('mouseleave', () => { tip.hidden = true; });
}
