// The Leaflet map: offline governorate boundaries (+ an optional tile layer), clustered event markers
// coloured and shaped by event type, a legend, popups, and a ring on the selected event.

import { EVENT_TYPES, featureAdmin1, typeStyle, typeSymbol } from './taxonomy.js';

/* global L */

const SYRIA_BOUNDS = [[32.25, 35.45], [37.4, 42.45]];
const SMALL_GOVS = new Set(['Damascus', 'Quneitra']);

function h(tag, attrs = {}, ...children) {
  const n = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (k === 'class') n.className = v;
    else if (k === 'html') n.innerHTML = v;
    else if (k.startsWith('on')) n.addEventListener(k.slice(2), v);
    else n.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat(Infinity)) if (c != null) n.append(c);
  return n;
}

const markerSize = (f) => (!f ? 14 : f < 5 ? 17 : f < 20 ? 21 : 25);

function mix(a, b, t) {
  const pa = a.match(/\w\w/g).map((x) => parseInt(x, 16));
  const pb = b.match(/\w\w/g).map((x) => parseInt(x, 16));
  return `#${pa.map((v, i) => Math.round(v + (pb[i] - v) * t).toString(16).padStart(2, '0')).join('')}`;
}

export class EventMap {
  constructor(container, { i18n, onOpen, onMove, onGovernorate }) {
    this.container = container;
    this.i18n = i18n;
    this.onOpen = onOpen;
    this.onMove = onMove;
    this.onGovernorate = onGovernorate;
    this.counts = new Map();
    this.events = [];
    this.markers = new Map();
    this.selectedAdmin1 = '';
    this.usingTiles = false;

    container.setAttribute('dir', 'ltr'); // Leaflet's own geometry is left-to-right; content sets its own dir
    const map = L.map(container, {
      zoomSnap: 0.25, zoomDelta: 0.5, minZoom: 5, maxZoom: 15, wheelPxPerZoomLevel: 90,
      maxBounds: [[28.5, 30.5], [40.5, 48.5]], maxBoundsViscosity: 0.8, zoomControl: false, attributionControl: false,
    });
    this.map = map;
    map.createPane('landPane').style.zIndex = 250;
    // governorate names above the markers (clusters sit on the cities the names are written over);
    // they take no clicks, so every marker under a name stays reachable
    map.createPane('labelPane').style.zIndex = 640;
    map.getPane('labelPane').style.pointerEvents = 'none';
    this.userView = false; // until the URL or the user sets one, the map keeps Syria fitted to its size
    map.fitBounds(SYRIA_BOUNDS, { animate: false });

    this.cluster = L.markerClusterGroup({
      maxClusterRadius: (z) => (z < 7 ? 34 : 28),
      disableClusteringAtZoom: 11,
      spiderfyOnMaxZoom: true,
      showCoverageOnHover: false,
      chunkedLoading: true,
      iconCreateFunction: (c) => this._clusterIcon(c),
    });
    map.addLayer(this.cluster);
    this.labels = L.layerGroup([], { pane: 'labelPane' }).addTo(map);
    this.ring = null;

    map.on('moveend', () => {
      this._zoomClass();
      this.onMove(this.view(), this.bbox(), !!this._programmatic);
    });
    map.on('zoomend', () => this._zoomClass());
    map.on('popupopen', () => { if (this.govs) this.govs.eachLayer((l) => l.closeTooltip()); });
    this._zoomClass();
    new ResizeObserver(() => {
      map.invalidateSize({ pan: false });
      if (!this.userView && container.clientHeight > 50) {
        this._programmatic = true;
        map.fitBounds(SYRIA_BOUNDS, { animate: false });
        this._programmatic = false;
      }
    }).observe(container);
    map.on('dragstart zoomstart', () => { if (!this._programmatic) this.userView = true; });
  }

  view() {
    const c = this.map.getCenter();
    return { lat: c.lat, lng: c.lng, zoom: this.map.getZoom() };
  }

  setView(v) {
    this._programmatic = true;
    if (v) {
      this.userView = true;
      this.map.setView([v.lat, v.lng], v.zoom, { animate: false });
    } else this.map.fitBounds(SYRIA_BOUNDS, { animate: false });
    this._programmatic = false;
  }

  bbox() {
    const b = this.map.getBounds();
    const r = (x) => x.toFixed(4);
    return `${r(b.getWest())},${r(b.getSouth())},${r(b.getEast())},${r(b.getNorth())}`;
  }

  _zoomClass() {
    const z = this.map.getZoom();
    this.container.classList.toggle('z-small', z < 7.75);
  }

  // ------------------------------------------------------------ base layers

  setBoundaries(adm1, adm0) {
    if (adm0) {
      this.land = L.geoJSON(adm0, {
        pane: 'landPane', interactive: false,
        style: (f) => {
          const sy = (f.properties?.iso_a2 || '') === 'SY';
          return { color: sy ? '#3e4c59' : '#b8c2cc', weight: sy ? 1.6 : 0.8, fillColor: sy ? '#ffffff' : '#eef0f2', fillOpacity: 1 };
        },
      }).addTo(this.map);
    }
    if (adm1) {
      this.govs = L.geoJSON(adm1, {
        style: (f) => this._govStyle(f),
        onEachFeature: (f, layer) => {
          const name = featureAdmin1(f.properties);
          layer.feature.properties._admin1 = name;
          if (!name) return;
          layer.bindTooltip(() => this._govTip(name), { sticky: true, direction: 'top', className: 'gov-tip', opacity: 1 });
          layer.on('mouseover', () => layer.setStyle({ weight: 2.2, color: '#243b53' }));
          layer.on('mouseout', () => this.govs.resetStyle(layer));
          layer.on('click', () => this.onGovernorate(name));
        },
      }).addTo(this.map);
      this._labels();
    }
  }

  setTiles(url, attribution) {
    this.tileUrl = url || null;
    this.tileAttribution = attribution || '';
    this._controls();
  }

  _govTip(name) {
    const i18n = this.i18n;
    const n = this.counts.get(name) || 0;
    const wrap = h('div', { dir: i18n.dir, lang: i18n.lang });
    wrap.append(h('strong', {}, i18n.term('admin1', name)), ' ', i18n.t('map.gov_count', { n: i18n.num(n), count: n }));
    wrap.append(h('br'), h('small', {}, this.selectedAdmin1 === name ? i18n.t('map.gov_click_clear') : i18n.t('map.gov_click')));
    return wrap;
  }

  _govStyle(f) {
    const name = f.properties?._admin1 ?? featureAdmin1(f.properties);
    const n = name ? this.counts.get(name) || 0 : 0;
    const max = Math.max(1, ...this.counts.values());
    const t = n ? 0.15 + 0.85 * Math.sqrt(n / max) : 0;
    const selected = name && name === this.selectedAdmin1;
    return {
      color: selected ? '#1849a9' : '#52606d',
      weight: selected ? 2.8 : 1.1,
      opacity: 1,
      dashArray: name ? null : '3 3',
      fillColor: name ? mix('fbfbf8', 'c3d2e2', t) : '#eceff1',
      fillOpacity: this.usingTiles ? (n ? 0.25 : 0.05) : 1,
    };
  }

  _labels() {
    this.labels.clearLayers();
    if (!this.govs) return;
    const i18n = this.i18n;
    this.govs.eachLayer((layer) => {
      const p = layer.feature.properties;
      const name = p._admin1;
      if (!name) return;
      const at = p.latitude != null && p.longitude != null ? [p.latitude, p.longitude] : layer.getBounds().getCenter();
      const cls = `gov-label${SMALL_GOVS.has(name) ? ' gov-label--small' : ''}${name === this.selectedAdmin1 ? ' gov-label--sel' : ''}`;
      const icon = L.divIcon({
        className: cls, iconSize: null,
        html: `<span lang="${i18n.lang}" dir="${i18n.dir}">${i18n.term('admin1', name)}</span>`,
      });
      L.marker(at, { icon, interactive: false, keyboard: false, pane: 'labelPane' }).addTo(this.labels);
    });
  }

  setCounts(byAdmin1) {
    this.counts = new Map((byAdmin1 || []).map((r) => [r.admin1, r.count]));
    if (this.govs) this.govs.setStyle((f) => this._govStyle(f));
  }

  setSelectedAdmin1(name) {
    this.selectedAdmin1 = name || '';
    if (this.govs) this.govs.setStyle((f) => this._govStyle(f));
    this._labels();
  }

  // ------------------------------------------------------------ markers

  _icon(ev) {
    const s = typeStyle(ev.event_type);
    const size = markerSize(ev.fatalities);
    return L.divIcon({
      className: `rasd-marker rasd-marker--${s.slug}`,
      html: typeSymbol(ev.event_type, size),
      iconSize: [size, size],
      iconAnchor: [size / 2, size / 2],
      popupAnchor: [0, -size / 2],
    });
  }

  _clusterIcon(cluster) {
    const children = cluster.getAllChildMarkers();
    const by = new Map();
    for (const m of children) by.set(m.options.eventType, (by.get(m.options.eventType) || 0) + 1);
    const n = children.length;
    const size = n < 10 ? 32 : n < 100 ? 38 : 46;
    const r = size / 2 - 4;
    const C = 2 * Math.PI * r;
    let off = 0;
    let arcs = '';
    const order = [...EVENT_TYPES, ...[...by.keys()].filter((t) => !EVENT_TYPES.includes(t))];
    for (const t of order) {
      const c = by.get(t);
      if (!c) continue;
      const len = (c / n) * C;
      arcs += `<circle r="${r}" cx="${size / 2}" cy="${size / 2}" fill="none" stroke="${typeStyle(t).color}" stroke-width="7"`
        + ` stroke-dasharray="${len} ${C - len}" stroke-dashoffset="${-off}" transform="rotate(-90 ${size / 2} ${size / 2})"/>`;
      off += len;
    }
    const html = `<svg width="${size}" height="${size}" viewBox="0 0 ${size} ${size}" aria-hidden="true">`
      + `<circle r="${size / 2 - 0.5}" cx="${size / 2}" cy="${size / 2}" fill="#fff" stroke="#1b2631" stroke-width="1"/>${arcs}`
      + `<text x="50%" y="50%" dy=".35em" text-anchor="middle">${this.i18n.num(n)}</text></svg>`;
    return L.divIcon({ html, className: 'rasd-cluster', iconSize: [size, size] });
  }

  setEvents(items) {
    this.events = items;
    this.cluster.clearLayers();
    this.markers.clear();
    const layers = [];
    for (const ev of items) {
      if (ev.latitude == null || ev.longitude == null) continue;
      const m = L.marker([ev.latitude, ev.longitude], {
        icon: this._icon(ev), keyboard: true, riseOnHover: true, eventType: ev.event_type, eventId: ev.id,
        title: `${this.i18n.term('event_type', ev.event_type)} — ${ev.location || ''}`,
      });
      m.bindPopup(() => this._popup(ev), { maxWidth: 300, minWidth: 220, ...this._popupPadding() });
      m.on('add', () => {
        const e = m.getElement();
        if (e) {
          e.dataset.testid = 'event-marker';
          e.dataset.eventId = ev.id;
        }
      });
      this.markers.set(ev.id, m);
      layers.push(m);
    }
    this.cluster.addLayers(layers);
    this._legend();
  }

  // a popup opens clear of the controls: the zoom buttons and layer switch above, the legend below right
  _popupPadding() {
    const size = (el) => (el ? [el.offsetWidth + 16, el.offsetHeight + 16] : [24, 24]);
    const [lw, lh] = size(this.legendEl);
    return { autoPanPaddingTopLeft: L.point(60, 64), autoPanPaddingBottomRight: L.point(Math.max(24, lw), Math.max(24, lh)) };
  }

  _popup(ev) {
    const i18n = this.i18n;
    const place = [i18n.lang === 'ar' ? ev.location_ar || ev.location : ev.location, i18n.term('admin1', ev.admin1)]
      .filter(Boolean).join(i18n.lang === 'ar' ? '، ' : ', ');
    const row = (k, v) => [h('dt', {}, i18n.t(k)), h('dd', {}, v)];
    return h('div', { class: 'popup', dir: i18n.dir, lang: i18n.lang, 'data-testid': 'marker-popup' },
      h('div', { class: 'popup-type' }, h('span', { html: typeSymbol(ev.event_type, 14) }), h('strong', {}, i18n.term('event_type', ev.event_type))),
      h('div', { class: 'popup-sub' }, i18n.term('sub_event_type', ev.sub_event_type)),
      h('dl', {},
        row('col.date', i18n.date(ev.event_date)),
        row('col.location', place || '—'),
        row('col.fatalities', i18n.num(ev.fatalities))),
      h('button', {
        type: 'button', class: 'btn btn-primary btn-small', 'data-testid': 'popup-open',
        onclick: () => { this.map.closePopup(); this.onOpen(ev.id); },
      }, i18n.t('popup.open')));
  }

  /** Puts a ring on the event and brings it into view. */
  select(ev, { pan = true } = {}) {
    if (this.ring) {
      this.ring.remove();
      this.ring = null;
    }
    if (!ev || ev.latitude == null || ev.longitude == null) return;
    const at = [ev.latitude, ev.longitude];
    this.ring = L.marker(at, {
      icon: L.divIcon({ className: 'rasd-selected', iconSize: [34, 34], html: '<span></span>' }),
      interactive: false, keyboard: false, zIndexOffset: 2000,
    }).addTo(this.map);
    if (pan) {
      const z = Math.max(this.map.getZoom(), 8);
      if (!this.map.getBounds().pad(-0.15).contains(at) || z !== this.map.getZoom()) {
        this.userView = true;
        this._programmatic = true; // not the user's pan: "only the map view" keeps its table
        this.map.setView(at, z, { animate: false });
        this._programmatic = false;
      }
    }
  }

  // ------------------------------------------------------------ controls, legend, language

  _controls() {
    const i18n = this.i18n;
    const rtl = i18n.dir === 'rtl';
    for (const c of [this.zoomCtl, this.layersCtl, this.legendCtl, this.attrCtl]) if (c) c.remove();
    this.zoomCtl = L.control.zoom({
      position: rtl ? 'topright' : 'topleft', zoomInTitle: i18n.t('map.zoom_in'), zoomOutTitle: i18n.t('map.zoom_out'),
    }).addTo(this.map);

    const bases = {};
    if (this.tileUrl) {
      if (!this.tiles) this.tiles = L.tileLayer(this.tileUrl, { attribution: this.tileAttribution, maxZoom: 18, pane: 'tilePane' });
      if (!this.offline) this.offline = L.layerGroup();
      if (!this.map.hasLayer(this.tiles) && !this.map.hasLayer(this.offline)) this.offline.addTo(this.map);
      bases[i18n.t('map.layer_offline')] = this.offline;
      bases[i18n.t('map.layer_tiles')] = this.tiles;
      this.map.off('baselayerchange');
      this.map.on('baselayerchange', (e) => {
        this.usingTiles = e.layer === this.tiles;
        this.container.classList.toggle('with-tiles', this.usingTiles);
        if (this.land) this.land.setStyle((f) => ({ fillOpacity: this.usingTiles ? 0 : 1, opacity: this.usingTiles ? 0.6 : 1 }));
        if (this.govs) this.govs.setStyle((f) => this._govStyle(f));
      });
    }
    const overlays = {};
    if (this.govs) overlays[i18n.t('map.layer_governorates')] = this.govs;
    overlays[i18n.t('map.layer_labels')] = this.labels;
    overlays[i18n.t('map.layer_events')] = this.cluster;
    this.layersCtl = L.control.layers(bases, overlays, { position: rtl ? 'topleft' : 'topright', collapsed: true }).addTo(this.map);
    const toggle = this.layersCtl.getContainer().querySelector('.leaflet-control-layers-toggle');
    if (toggle) {
      toggle.title = i18n.t('map.layers');
      toggle.setAttribute('aria-label', i18n.t('map.layers'));
    }
    this.layersCtl.getContainer().setAttribute('dir', i18n.dir);

    this.attrCtl = L.control.attribution({ position: rtl ? 'bottomleft' : 'bottomright', prefix: false }).addTo(this.map);
    this.attrCtl.addAttribution(this.baseAttribution || 'Natural Earth');

    // The legend stays over the empty desert in the south-east in both languages: the map itself does not mirror.
    this.legendCtl = L.control({ position: 'bottomright' });
    this.legendCtl.onAdd = () => {
      this.legendEl = h('div', { class: 'map-legend leaflet-bar', dir: i18n.dir, lang: i18n.lang, 'data-testid': 'map-legend' });
      L.DomEvent.disableClickPropagation(this.legendEl);
      L.DomEvent.disableScrollPropagation(this.legendEl);
      this._fillLegend();
      return this.legendEl;
    };
    this.legendCtl.addTo(this.map);
  }

  _legend() {
    if (this.legendEl) this._fillLegend();
  }

  _fillLegend() {
    const i18n = this.i18n;
    const counts = new Map();
    for (const ev of this.events) counts.set(ev.event_type, (counts.get(ev.event_type) || 0) + 1);
    const types = [...EVENT_TYPES, ...[...counts.keys()].filter((t) => t && !EVENT_TYPES.includes(t))];
    const el = this.legendEl;
    // collapsed if the user closed it, or on a small map until the user opens it
    let collapsed = this.container.clientHeight < 520;
    try {
      const stored = localStorage.getItem('rasd.legend');
      if (stored) collapsed = stored === 'closed';
    } catch { /* private mode */ }
    el.classList.toggle('collapsed', collapsed);
    const toggle = h('button', {
      type: 'button', class: 'legend-title', 'aria-expanded': String(!collapsed),
      onclick: () => {
        const now = !el.classList.contains('collapsed');
        el.classList.toggle('collapsed', now);
        toggle.setAttribute('aria-expanded', String(!now));
        try { localStorage.setItem('rasd.legend', now ? 'closed' : 'open'); } catch { /* private mode */ }
      },
    }, i18n.t('map.legend'), h('span', { class: 'legend-caret', 'aria-hidden': 'true' }, '▾'));
    el.replaceChildren(toggle);
    const ul = h('ul');
    for (const t of types) {
      const n = counts.get(t) || 0;
      ul.append(h('li', { class: n ? '' : 'legend-zero' },
        h('span', { class: 'legend-sym', html: typeSymbol(t, 13) }),
        h('span', { class: 'legend-name' }, i18n.term('event_type', t)),
        h('span', { class: 'legend-n' }, i18n.num(n))));
    }
    el.append(ul, h('div', { class: 'legend-note' }, i18n.t('map.size_note')));
  }

  setAttribution(text) {
    this.baseAttribution = text;
  }

  setI18n(i18n) {
    this.i18n = i18n;
    this.map.closePopup();
    this._controls();
    this._labels();
    // marker titles and cluster numbers follow the language
    if (this.events.length) this.setEvents(this.events);
  }
}
