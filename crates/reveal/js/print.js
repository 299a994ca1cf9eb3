// @orderveil/reveal — printLabels: shipping labels printed in an isolated frame.
//
// A wasm-bindgen snippet: src/lib.rs re-exports `printLabels` from the package's main module.
//
//   const job = await printLabels({ client, waybillNos: ['SF1234567890123'], template: '76x130' });
//   job.labels   // [{ waybillNo, printNo, orderIds }] — never a receiver
//   job.close()  // remove the frame (the preview) when the user is done
//
// The host page never holds a receiver's plaintext. printLabels makes an <iframe> served by the
// OrderVeil server (`${client.baseUrl}/embed/print.html`, another origin than the host page);
// the frame asks the host for the app's access token, requests ONE print grant for the
// waybills with it, opens the grant in its own Wasm, decrypts each label's receiver, renders the
// labels into its own document (DOM calls only, styled by the server's print.css: 76×130 or
// 100×180 mm, one label per page) and calls print() in its own window.
//
// Protocol (postMessage), as for the isolated <orderveil-field>:
//   frame → host  {type: 'orderveil:need-token', nonce}
//   host  → frame {type: 'orderveil:token', nonce, token}   (or `error` instead of `token`),
//                 posted to the frame's window only, with targetOrigin = the frame's origin
//   frame → host  {type: 'orderveil:printed', shopId, labels: [{waybillNo, printNo, orderIds}]}
//   frame → host  {type: 'orderveil:state', state: 'error', code, message, messageZh, details?}
// The host accepts messages only from its own frame's window and origin. What the frame posts
// is public (waybill numbers, order ids, print counts), never a receiver or a token.
//
// Every call is a print: each waybill's print count rises by one (at most 3 per waybill) and
// its orders count in the shop's burst rules. The reveal quota is never charged.

import { RevealError } from './errors.js';

const TEMPLATES = ['76x130', '100x180'];
const DEFAULT_TIMEOUT_SECS = 60;

function invalid(message, messageZh) {
  return new RevealError('INVALID_ARGUMENT', 0, message, messageZh, null);
}

function newNonce() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Check the options; returns what the frame needs. Throws RevealError INVALID_ARGUMENT. */
function settle(options) {
  if (options === null || typeof options !== 'object') {
    throw invalid('printLabels needs an options object { client, waybillNos, ... }.', 'printLabels 需要参数对象 { client, waybillNos, ... }。');
  }
  const client = options.client ?? null;
  const getToken = options.getToken ?? (client !== null ? () => client.getToken() : null);
  if (typeof getToken !== 'function') {
    throw invalid('printLabels needs a client (or getToken and frameUrl).', 'printLabels 需要 client（或 getToken 和 frameUrl）。');
  }
  const frameUrl = options.frameUrl ?? (client !== null ? `${client.baseUrl}/embed/print.html` : null);
  let url;
  try {
    url = new URL(frameUrl);
  } catch {
    throw invalid('No frame URL (give client or frameUrl).', '缺少打印框架地址（请提供 client 或 frameUrl）。');
  }
  const nos = options.waybillNos;
  const good = (n) => typeof n === 'string' && n.length >= 1 && n.length <= 64 && /^[\x21-\x7e]+$/.test(n);
  if (!Array.isArray(nos) || nos.length === 0 || nos.length > 50 || !nos.every(good)) {
    throw invalid('waybillNos must be an array of 1 to 50 waybill numbers.', 'waybillNos 必须是 1–50 个面单号的数组。');
  }
  const template = options.template ?? TEMPLATES[0];
  if (!TEMPLATES.includes(template)) {
    throw invalid(`template must be one of ${TEMPLATES.join(', ')}.`, `template 必须是 ${TEMPLATES.join('、')} 之一。`);
  }
  const lang = options.lang === 'en' ? 'en' : 'zh';
  const container = options.container ?? document.body;
  if (!(container instanceof Element)) throw invalid('container must be an element.', 'container 必须是页面元素。');
  const timeoutSecs = options.timeoutSecs ?? DEFAULT_TIMEOUT_SECS;
  if (!Number.isInteger(timeoutSecs) || timeoutSecs < 5 || timeoutSecs > 600) {
    throw invalid('timeoutSecs must be a whole number from 5 to 600.', 'timeoutSecs 必须是 5–600 的整数。');
  }
  const shopId = options.shopId ?? client?.shopId ?? null;
  const fragment = new URLSearchParams({ waybills: [...new Set(nos)].join(','), template, lang });
  if (typeof shopId === 'string' && shopId !== '') fragment.set('shop', shopId);
  url.hash = fragment.toString();
  return { getToken, url, lang, container, timeoutSecs, preview: options.preview !== false };
}

/**
 * Print the labels of `waybillNos` in a frame of the OrderVeil server. Resolves, once the
 * frame has rendered the labels and called print(), to `{ frame, shopId, labels, close }`;
 * rejects with a RevealError (the server's code, e.g. PRINT_LIMIT_REACHED or SCOPE_MISSING;
 * TIMEOUT when the frame does not answer within `timeoutSecs`), after removing the frame.
 */
export function printLabels(options) {
  let o;
  try {
    o = settle(options);
  } catch (e) {
    return Promise.reject(e);
  }
  const frame = document.createElement('iframe');
  frame.className = 'orderveil-print-frame';
  frame.title = o.lang === 'en' ? 'Shipping labels' : '快递面单';
  // allow-modals: print() in a sandboxed frame needs it.
  frame.setAttribute('sandbox', 'allow-scripts allow-same-origin allow-modals');
  frame.setAttribute('referrerpolicy', 'no-referrer');
  if (!o.preview) {
    // Laid out (print() needs a rendered document) but out of sight.
    frame.style.cssText = 'position:fixed;left:-10000px;top:0;width:120mm;height:200mm;border:0';
  }
  const origin = o.url.origin;
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (ok, value) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      window.removeEventListener('message', onMessage);
      if (!ok) frame.remove();
      (ok ? resolve : reject)(value);
    };
    const timer = setTimeout(() => {
      finish(false, new RevealError('TIMEOUT', 0, 'The print frame did not answer in time.', '打印框架未及时响应。', null));
    }, o.timeoutSecs * 1000);
    const post = (msg) => frame.contentWindow?.postMessage(msg, origin);
    async function onMessage(event) {
      if (event.source !== frame.contentWindow || event.origin !== origin) return;
      const data = event.data;
      if (data === null || typeof data !== 'object') return;
      if (data.type === 'orderveil:need-token' && typeof data.nonce === 'string') {
        try {
          const token = await o.getToken();
          post({ type: 'orderveil:token', nonce: data.nonce, token: typeof token === 'string' ? token : '' });
        } catch {
          post({ type: 'orderveil:token', nonce: data.nonce, error: 'TOKEN_UNAVAILABLE' });
        }
      } else if (data.type === 'orderveil:printed' && Array.isArray(data.labels)) {
        const labels = data.labels.map((l) => ({
          waybillNo: String(l.waybillNo),
          printNo: Number(l.printNo),
          orderIds: Array.isArray(l.orderIds) ? l.orderIds.map(String) : [],
        }));
        finish(true, { frame, shopId: String(data.shopId ?? ''), labels, close: () => frame.remove() });
      } else if (data.type === 'orderveil:state' && data.state === 'error') {
        const details = data.details !== null && typeof data.details === 'object' ? data.details : null;
        finish(false, new RevealError(String(data.code ?? 'INTERNAL'), Number(data.status ?? 0), String(data.message ?? ''), String(data.messageZh ?? ''), details));
      }
    }
    window.addEventListener('message', onMessage);
    frame.src = o.url.href;
    o.container.append(frame);
  });
}
