// @orderveil/reveal — the isolated-mode frame (embed/frame.html).
//
// Served by the OrderVeil server at /embed/frame.html and embedded by <orderveil-field
// mode="isolated"> on a third-party (ISV) page. The frame shows the field itself (an inline
// <orderveil-field> of its own), so the plaintext exists only in this document, which has the
// OrderVeil server's origin: the host page cannot read it.
//
// The fragment carries public values only: order (id), field, ct (ciphertext), masked,
// timeout, lang, and optionally shop, accent, purpose and purpose_note. The purpose becomes the
// inner element's `purpose` / `purpose-note` attributes, so a missing or bad one is refused
// on the click with PURPOSE_INVALID, as in inline mode.
//
// Protocol with the host element (window.parent):
//   frame → host  {type: 'orderveil:need-token', nonce}          when the eye is clicked
//   host  → frame {type: 'orderveil:token', nonce, token}        (or `error` instead of `token`)
//   host  → frame {type: 'orderveil:hide'}
//   frame → host  {type: 'orderveil:state', state: 'revealed' | 'hidden' | 'error', code?, message?, messageZh?}
// Messages are accepted only when `event.source === window.parent`, and a token only for a
// nonce this frame is waiting for. What the frame posts is never secret (no plaintext, no
// token), so it is posted with targetOrigin '*': the frame cannot know the host's origin
// (the server's frame-ancestors policy decides which origins may embed it).
// The reveal itself goes to this frame's own server (same origin as the page).

import init, { RevealClient, RevealError, defineOrderVeilField } from './orderveil_reveal.js';

/** How long to wait for the host page to answer with a token. */
const TOKEN_WAIT_MS = 30_000;

// Public values only; left in place so that a reload of the frame shows the field again.
const params = new URLSearchParams(location.hash.slice(1));
const embedded = window.parent !== window;
const pending = new Map();
let field = null;

function tokenError() {
  return new RevealError(
    'TOKEN_UNAVAILABLE',
    0,
    'The page did not provide an access token for the shop.',
    '页面未提供店铺访问令牌。',
    null,
  );
}

function toParent(msg) {
  if (embedded) window.parent.postMessage(msg, '*');
}

function newNonce() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Ask the host element for a token; resolves with it, or rejects with TOKEN_UNAVAILABLE. */
function askParentForToken() {
  if (!embedded) return Promise.reject(tokenError());
  return new Promise((resolve, reject) => {
    const nonce = newNonce();
    const timer = setTimeout(() => {
      pending.delete(nonce);
      reject(tokenError());
    }, TOKEN_WAIT_MS);
    pending.set(nonce, {
      resolve(token) {
        clearTimeout(timer);
        resolve(token);
      },
      reject(err) {
        clearTimeout(timer);
        reject(err);
      },
    });
    window.parent.postMessage({ type: 'orderveil:need-token', nonce }, '*');
  });
}

window.addEventListener('message', (event) => {
  if (!embedded || event.source !== window.parent) return;
  const data = event.data;
  if (data === null || typeof data !== 'object') return;
  if (data.type === 'orderveil:token') {
    const waiting = typeof data.nonce === 'string' ? pending.get(data.nonce) : undefined;
    if (waiting === undefined) return;
    pending.delete(data.nonce);
    if (typeof data.token === 'string' && data.token !== '') waiting.resolve(data.token);
    else waiting.reject(tokenError());
  } else if (data.type === 'orderveil:hide') {
    field?.hide();
  }
});

function showFailure(err) {
  const p = document.createElement('p');
  p.setAttribute('role', 'alert');
  p.style.margin = '0';
  p.style.color = '#cf1322';
  p.textContent = (params.get('lang') === 'en' ? err.message : err.messageZh) || err.code;
  document.body.replaceChildren(p);
  toParent({ type: 'orderveil:state', state: 'error', code: err.code, message: err.message, messageZh: err.messageZh });
}

async function start() {
  await init();
  const lang = params.get('lang') === 'en' ? 'en' : 'zh';
  document.documentElement.lang = lang;
  document.body.style.margin = '0';
  document.body.style.font = '14px/1.5 system-ui, -apple-system, "PingFang SC", "Microsoft YaHei", sans-serif';
  // The API lives next to /embed/: `${base}/api/v1/reveal-grants`, base = the parent folder.
  const base = new URL('..', location.href).href.replace(/\/+$/, '');
  const shop = params.get('shop');
  const timeout = Number(params.get('timeout'));
  const client = new RevealClient({ baseUrl: base, getToken: askParentForToken, shopId: shop === null || shop === '' ? undefined : shop });
  defineOrderVeilField({
    client,
    tagName: 'orderveil-field',
    mode: 'inline',
    timeoutSecs: Number.isInteger(timeout) && timeout >= 1 && timeout <= 600 ? timeout : 30,
  });
  const el = document.createElement('orderveil-field');
  const attrs = [['order-id', 'order'], ['field', 'field'], ['ciphertext', 'ct'], ['masked', 'masked'], ['purpose', 'purpose'], ['purpose-note', 'purpose_note']];
  for (const [attr, key] of attrs) {
    const v = params.get(key);
    if (v !== null) el.setAttribute(attr, v);
  }
  el.setAttribute('lang', lang);
  const accent = params.get('accent');
  if (accent !== null && CSS.supports('color', accent)) el.style.setProperty('--orderveil-accent', accent);
  el.addEventListener('orderveil-reveal', () => toParent({ type: 'orderveil:state', state: 'revealed' }));
  el.addEventListener('orderveil-hide', () => toParent({ type: 'orderveil:state', state: 'hidden' }));
  el.addEventListener('orderveil-error', (e) => {
    const { code, message, messageZh } = e.detail;
    toParent({ type: 'orderveil:state', state: 'error', code, message, messageZh });
  });
  field = el;
  document.body.replaceChildren(el);
}

start().catch((e) => {
  showFailure(e instanceof RevealError ? e : new RevealError('INTERNAL', 0, 'The frame could not start.', '页面无法启动。', null));
});
