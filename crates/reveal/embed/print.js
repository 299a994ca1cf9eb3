// @orderveil/reveal — the print frame (embed/print.html) of printLabels (js/print.js).
//
// Served by the OrderVeil server at /embed/print.html and embedded by printLabels on an ISV's
// page (print software, a warehouse). The labels' receivers exist only in this document, which
// has the OrderVeil server's origin: the host page cannot read them.
//
// The fragment carries public values only: waybills (comma-separated waybill numbers),
// template (76x130 | 100x180), lang (zh | en), and optionally shop (the expected shop).
//
// Protocol with the host (window.parent); messages from anything else are ignored:
//   frame → host  {type: 'orderveil:need-token', nonce}
//   host  → frame {type: 'orderveil:token', nonce, token}   (or `error` instead of `token`)
//   frame → host  {type: 'orderveil:printed', shopId, labels: [{waybillNo, printNo, orderIds}]}
//   frame → host  {type: 'orderveil:state', state: 'error', code, status, message, messageZh, details}
// What the frame posts is public (no receiver, no token), so it goes with targetOrigin '*'; the
// server's frame-ancestors policy decides which origins may embed the frame.

import init, { RevealClient, RevealError, code128 } from './orderveil_reveal.js';

const TOKEN_WAIT_MS = 30_000;
const SVG = 'http://www.w3.org/2000/svg';
const TEXT = {
  zh: { to: '收', from: '寄', printNo: (n) => `第 ${n} 次打印`, title: '快递面单' },
  en: { to: 'To', from: 'From', printNo: (n) => `Print #${n}`, title: 'Shipping labels' },
};

const params = new URLSearchParams(location.hash.slice(1));
const embedded = window.parent !== window;
const lang = params.get('lang') === 'en' ? 'en' : 'zh';
const template = params.get('template') === '100x180' ? '100x180' : '76x130';
const pending = new Map();

function toParent(msg) {
  if (embedded) window.parent.postMessage(msg, '*');
}

function tokenError() {
  return new RevealError('TOKEN_UNAVAILABLE', 0, 'The page did not provide an access token for the shop.', '页面未提供店铺访问令牌。', null);
}

function askParentForToken() {
  if (!embedded) return Promise.reject(tokenError());
  return new Promise((resolve, reject) => {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    const nonce = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
    const timer = setTimeout(() => {
      pending.delete(nonce);
      reject(tokenError());
    }, TOKEN_WAIT_MS);
    pending.set(nonce, (token) => {
      clearTimeout(timer);
      if (typeof token === 'string' && token !== '') resolve(token);
      else reject(tokenError());
    });
    window.parent.postMessage({ type: 'orderveil:need-token', nonce }, '*');
  });
}

window.addEventListener('message', (event) => {
  if (!embedded || event.source !== window.parent) return;
  const data = event.data;
  if (data === null || typeof data !== 'object' || data.type !== 'orderveil:token' || typeof data.nonce !== 'string') return;
  const waiting = pending.get(data.nonce);
  if (waiting === undefined) return;
  pending.delete(data.nonce);
  waiting(data.token);
});

/** An element with a class and text (never markup). */
function el(parent, tag, cls, text) {
  const e = document.createElement(tag);
  e.className = cls;
  if (text !== undefined) e.textContent = text;
  parent.append(e);
  return e;
}

function barcode(parent, no) {
  const code = code128(no);
  if (code === undefined) return;
  const svg = document.createElementNS(SVG, 'svg');
  for (const [k, v] of [['class', 'barcode'], ['viewBox', `0 0 ${code.width} 50`], ['preserveAspectRatio', 'none'], ['shape-rendering', 'crispEdges'], ['role', 'img'], ['aria-label', no]]) {
    svg.setAttribute(k, v);
  }
  for (const [x, w] of code.bars) {
    const r = document.createElementNS(SVG, 'rect');
    for (const [k, v] of [['x', x], ['y', 0], ['width', w], ['height', 50]]) r.setAttribute(k, String(v));
    svg.append(r);
  }
  parent.append(svg);
}

function party(parent, cls, role, p) {
  const box = el(parent, 'div', cls);
  const line = el(box, 'div', 'line');
  el(line, 'span', 'role', role);
  el(line, 'span', 'name', p.name);
  el(line, 'span', 'phone', p.phone);
  el(box, 'div', 'address', p.address);
}

/** The labels into the body, as the web app's print document lays them out. */
function render(labels) {
  const t = TEXT[lang];
  document.title = t.title;
  document.body.className = `tpl-${template}`;
  for (const l of labels) {
    const label = el(document.body, 'section', 'label');
    label.dataset.waybillNo = l.waybillNo;
    const head = el(label, 'div', 'head');
    el(head, 'span', 'carrier', l.carrierName);
    el(head, 'span', 'print-no', t.printNo(l.printNo));
    barcode(label, l.waybillNo);
    el(label, 'div', 'waybill-no', l.waybillNo);
    // Merged orders share one receiver: each distinct one is shown once.
    const shown = new Set();
    for (const o of l.orders) {
      const key = JSON.stringify([o.receiver.name, o.receiver.phone, o.receiver.address]);
      if (shown.has(key)) continue;
      shown.add(key);
      party(label, 'party receiver', t.to, o.receiver);
    }
    party(label, 'party sender', t.from, l.sender);
    const list = el(label, 'ul', 'orders');
    for (const o of l.orders) {
      const li = el(list, 'li', 'order');
      el(li, 'span', 'order-id', o.orderId);
      el(li, 'span', 'items', o.items);
    }
  }
}

function fail(err) {
  const p = document.createElement('p');
  p.setAttribute('role', 'alert');
  p.textContent = (lang === 'en' ? err.message : err.messageZh) || err.code;
  document.body.replaceChildren(p);
  const details = err.details !== null && typeof err.details === 'object' ? err.details : null;
  toParent({ type: 'orderveil:state', state: 'error', code: err.code, status: err.status, message: err.message, messageZh: err.messageZh, details });
}

async function start() {
  await init();
  document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
  const waybills = (params.get('waybills') ?? '').split(',').filter((n) => n !== '');
  const shop = params.get('shop');
  // The API lives next to /embed/: `${base}/api/v1/print-grants`, base = the parent folder.
  const base = new URL('..', location.href).href.replace(/\/+$/, '');
  const client = new RevealClient({ baseUrl: base, getToken: askParentForToken, shopId: shop === null || shop === '' ? undefined : shop });
  let job = await client.printGrant(waybills);
  const summary = job.labels.map((l) => ({ waybillNo: l.waybillNo, printNo: l.printNo, orderIds: l.orders.map((o) => o.orderId) }));
  const shopId = job.shopId;
  render(job.labels);
  // The plaintext now lives only in this document.
  job = null;
  // Print once the stylesheet has applied (it is in the head: loaded before this module ran).
  await document.fonts?.ready;
  toParent({ type: 'orderveil:printed', shopId, labels: summary });
  window.print();
}

start().catch((e) => fail(e instanceof RevealError ? e : new RevealError('INTERNAL', 0, 'The print frame could not start.', '打印框架无法启动。', null)));
