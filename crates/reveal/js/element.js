// @orderveil/reveal — the <orderveil-field> custom element.
//
// A wasm-bindgen snippet: src/lib.rs re-exports `defineOrderVeilField` from the package's
// main module. It imports nothing from the Wasm glue: the reveal goes through the
// `RevealClient` passed in the options.
//
//   <orderveil-field order-id="6921…" field="phone" ciphertext="$…$$" masked="138****5678"
//                    [purpose="after_sales"] [purpose-note="…"]
//                    [mode="inline|isolated"] [lang="en"] [timeout="30"]>
//
// The purpose sent with the grant: the `purpose` attribute (with `purpose-note`) if set, else
// the `purpose` of defineOrderVeilField's options, else the client's (each with its own note;
// a `purpose-note` attribute replaces that note). Without any, the reveal is refused in the
// page with PURPOSE_INVALID (shown like any other refusal).
//
// Inline mode: a shadow root shows the masked value and an eye button; a click reveals through
// the client, shows the plaintext with a countdown and a copy button, and removes the plaintext
// from the DOM (and drops the reference) when the countdown ends, on Escape, on a second click,
// when an attribute changes and when the element leaves the document.
//
// Isolated mode: the shadow root holds only an <iframe> served by the OrderVeil server
// (embed/frame.html), which shows the field itself; the purpose goes to it in the fragment.
// Protocol (postMessage):
//   frame → host  {type: 'orderveil:need-token', nonce}
//   host  → frame {type: 'orderveil:token', nonce, token}   (or `error` instead of `token`),
//                 posted to the frame's window only, with targetOrigin = the frame's origin
//   host  → frame {type: 'orderveil:hide'}
//   frame → host  {type: 'orderveil:state', state: 'revealed' | 'hidden' | 'error', code?, message?, messageZh?}
// The host accepts messages only from its own frame's window and origin; the plaintext never
// enters the host page.
//
// Events (bubbling, composed; never plaintext): orderveil-reveal {orderId, field},
// orderveil-hide {orderId, field}, orderveil-error {code, message, messageZh}.
// CSS parts: masked, plain, eye, copy, countdown, error, frame. Custom properties:
// --orderveil-accent, --orderveil-font, --orderveil-muted, --orderveil-error,
// --orderveil-frame-width, --orderveil-frame-height.

import { RevealError, FIELD_KINDS, REVEAL_PURPOSES } from './errors.js';

const DEFAULT_TAG = 'orderveil-field';
const DEFAULT_TIMEOUT_SECS = 30;
const MAX_TIMEOUT_SECS = 600;

const TEXT = {
  zh: {
    reveal: '查看',
    hide: '隐藏',
    copy: '复制',
    copied: '已复制',
    copyFailed: '复制失败',
    loading: '解密中…',
    countdown: (s) => `${s} 秒后隐藏`,
    frame: '收件人信息',
  },
  en: {
    reveal: 'Reveal',
    hide: 'Hide',
    copy: 'Copy',
    copied: 'Copied',
    copyFailed: 'Copy failed',
    loading: 'Decrypting…',
    countdown: (s) => `Hides in ${s} s`,
    frame: 'Receiver information',
  },
};

const CSS = `
:host { display: inline-block; vertical-align: baseline; max-width: 100%;
  font-family: var(--orderveil-font, inherit); color: inherit; }
:host([hidden]) { display: none; }
.box { display: inline-flex; flex-wrap: wrap; align-items: center; gap: 0.3em; max-width: 100%; }
.value { white-space: pre-wrap; overflow-wrap: anywhere; }
[part~="plain"] { font-weight: 600; }
button { font: inherit; font-size: 0.9em; line-height: 1; display: inline-flex; align-items: center;
  gap: 0.2em; margin: 0; padding: 0.15em 0.3em; border: 1px solid transparent; border-radius: 4px;
  background: transparent; color: var(--orderveil-accent, #1677ff); cursor: pointer; }
button:hover { border-color: currentColor; }
button:focus-visible { outline: 2px solid var(--orderveil-accent, #1677ff); outline-offset: 1px; }
button[aria-disabled="true"] { cursor: progress; opacity: 0.6; }
svg { width: 1.15em; height: 1.15em; fill: none; stroke: currentColor; stroke-width: 2;
  stroke-linecap: round; stroke-linejoin: round; }
[part~="countdown"] { color: var(--orderveil-muted, #8c8c8c); font-size: 0.85em;
  font-variant-numeric: tabular-nums; }
[part~="error"] { color: var(--orderveil-error, #cf1322); font-size: 0.85em; }
[part~="frame"] { display: block; border: 0; background: transparent; max-width: 100%;
  width: var(--orderveil-frame-width, 26em); height: var(--orderveil-frame-height, 2.4em); }
`;

let sharedSheet = null;

/** Styles without an inline <style> where possible (constructable sheets pass strict CSPs). */
function adoptStyles(root) {
  if (typeof CSSStyleSheet === 'function' && 'replaceSync' in CSSStyleSheet.prototype && 'adoptedStyleSheets' in root) {
    if (sharedSheet === null) {
      sharedSheet = new CSSStyleSheet();
      sharedSheet.replaceSync(CSS);
    }
    root.adoptedStyleSheets = [sharedSheet];
  } else {
    const style = document.createElement('style');
    style.textContent = CSS;
    root.append(style);
  }
}

function invalid(message, messageZh) {
  return new RevealError('INVALID_ARGUMENT', 0, message, messageZh, null);
}

function invalidPurpose(reason) {
  return new RevealError(
    'PURPOSE_INVALID',
    0,
    'purpose must be one of the reveal purposes, and purposeNote a string.',
    'purpose 必须是规定的解密用途之一，purposeNote 必须是字符串。',
    { reason, allowed: [...REVEAL_PURPOSES] },
  );
}

/** The eye (open) or eye-off icon, built without innerHTML. */
function eyeIcon(off) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const path = document.createElementNS(ns, 'path');
  path.setAttribute('d', 'M1 12s4-7 11-7 11 7 11 7-4 7-11 7S1 12 1 12z');
  const circle = document.createElementNS(ns, 'circle');
  circle.setAttribute('cx', '12');
  circle.setAttribute('cy', '12');
  circle.setAttribute('r', '3');
  svg.append(path, circle);
  if (off) {
    const slash = document.createElementNS(ns, 'path');
    slash.setAttribute('d', 'M3 3l18 18');
    svg.append(slash);
  }
  return svg;
}

function node(tag, part, text) {
  const n = document.createElement(tag);
  if (part) n.setAttribute('part', part);
  if (text !== undefined) n.textContent = text;
  return n;
}

function short(v) {
  return typeof v === 'string' ? v.slice(0, 500) : '';
}

/** What an `orderveil-error` event carries: code and messages only. */
function errorDetail(e) {
  if (e !== null && typeof e === 'object' && typeof e.code === 'string') {
    return { code: e.code, message: short(e.message), messageZh: short(e.messageZh) };
  }
  // Not a RevealError (a bug, or a host page that patched something): say so without
  // repeating whatever the thrown value contains.
  return { code: 'INTERNAL', message: 'Unexpected error in the page.', messageZh: '页面发生意外错误。' };
}

/**
 * Register the `<orderveil-field>` element (see the header of this file and the package
 * README) and return its class.
 */
export function defineOrderVeilField(options) {
  if (options === null || typeof options !== 'object') {
    throw invalid('defineOrderVeilField needs an options object { client, … }.', 'defineOrderVeilField 需要参数对象 { client, … }。');
  }
  const client = options.client ?? null;
  const getToken = options.getToken ?? null;
  const frameUrl = options.frameUrl ?? null;
  const tagName = options.tagName ?? DEFAULT_TAG;
  const timeoutSecs = options.timeoutSecs ?? DEFAULT_TIMEOUT_SECS;
  const mode = options.mode ?? 'inline';
  const purpose = options.purpose ?? null;
  const purposeNote = options.purposeNote ?? null;
  if (client !== null && (typeof client !== 'object' || typeof client.reveal !== 'function')) {
    throw invalid('client must be a RevealClient.', 'client 必须是 RevealClient。');
  }
  if (getToken !== null && typeof getToken !== 'function') {
    throw invalid('getToken must be a function.', 'getToken 必须是函数。');
  }
  if (frameUrl !== null && typeof frameUrl !== 'string') {
    throw invalid('frameUrl must be a string.', 'frameUrl 必须是字符串。');
  }
  if (client === null && (getToken === null || frameUrl === null)) {
    throw invalid('defineOrderVeilField needs a client (or getToken and frameUrl for isolated mode only).', 'defineOrderVeilField 需要 client（仅隔离模式时可改为提供 getToken 和 frameUrl）。');
  }
  if (typeof tagName !== 'string' || !/^[a-z][a-z0-9._]*-[a-z0-9._-]*$/.test(tagName)) {
    throw invalid('tagName must be a valid custom element name such as "orderveil-field".', 'tagName 必须是有效的自定义元素名，例如 "orderveil-field"。');
  }
  if (typeof timeoutSecs !== 'number' || !Number.isInteger(timeoutSecs) || timeoutSecs < 1 || timeoutSecs > MAX_TIMEOUT_SECS) {
    throw invalid('timeoutSecs must be a whole number of seconds from 1 to 600.', 'timeoutSecs 必须是 1 到 600 之间的整数秒。');
  }
  if (mode !== 'inline' && mode !== 'isolated') {
    throw invalid('mode must be "inline" or "isolated".', 'mode 必须是 "inline" 或 "isolated"。');
  }
  if (purpose !== null && !REVEAL_PURPOSES.includes(purpose)) {
    throw invalidPurpose('unknown');
  }
  if (purposeNote !== null && typeof purposeNote !== 'string') {
    throw invalidPurpose('note_not_a_string');
  }
  if (purposeNote !== null && purpose === null) {
    throw invalidPurpose('missing');
  }
  if (customElements.get(tagName) !== undefined) {
    throw invalid(`<${tagName}> is already defined; call defineOrderVeilField once per tag name.`, `<${tagName}> 已被定义，每个标签名只能调用一次 defineOrderVeilField。`);
  }
  const config = Object.freeze({ client, getToken, frameUrl, timeoutSecs, mode, purpose, purposeNote });

  class OrderVeilField extends HTMLElement {
    static get observedAttributes() {
      return ['order-id', 'field', 'ciphertext', 'masked', 'lang', 'mode', 'timeout', 'purpose', 'purpose-note'];
    }

    #root;
    #box;
    #state = 'masked';
    /** The plaintext while it is shown; null otherwise. */
    #plain = null;
    #error = null;
    #deadline = 0;
    #timer = 0;
    #copyTimer = 0;
    /** Bumped whenever a reveal in flight must be dropped on arrival. */
    #generation = 0;
    #countdown = null;
    #copyButton = null;
    #frame = null;
    #frameSrc = '';
    #frameOrigin = '';
    #listening = false;

    constructor() {
      super();
      this.#root = this.attachShadow({ mode: 'open' });
      adoptStyles(this.#root);
      this.#box = node('span', null);
      this.#box.className = 'box';
      this.#root.append(this.#box);
      this.#root.addEventListener('keydown', (e) => {
        if (e.key === 'Escape' && this.#state === 'revealed') this.hide();
      });
    }

    /** `masked`, `loading`, `revealed` or `error`. */
    get state() {
      return this.#state;
    }

    connectedCallback() {
      this.#render();
    }

    disconnectedCallback() {
      this.#generation++;
      this.#forget();
      this.#state = this.#state === 'error' ? 'error' : 'masked';
      this.#closeFrame();
    }

    attributeChangedCallback(name, oldValue, newValue) {
      if (oldValue === newValue) return;
      if (name !== 'lang' && name !== 'timeout') {
        // Another order, field, mode or purpose: what is shown (or on its way) no longer applies.
        this.#generation++;
        const wasRevealed = this.#state === 'revealed';
        this.#forget();
        this.#error = null;
        this.#state = 'masked';
        if (wasRevealed && oldValue !== null) this.#emit('orderveil-hide', this.#ids(name, oldValue));
      }
      if (this.isConnected) this.#render();
    }

    /** Reveal as if the eye were clicked (inline mode; the frame does it in isolated mode). */
    async reveal() {
      if (this.#mode() === 'isolated' || this.#state === 'loading' || this.#state === 'revealed') return;
      const { orderId, field } = this.#ids();
      const ciphertext = this.getAttribute('ciphertext') ?? '';
      const generation = ++this.#generation;
      this.#error = null;
      this.#setState('loading');
      try {
        if (config.client === null) {
          throw invalid('No RevealClient was given to defineOrderVeilField.', '未向 defineOrderVeilField 提供 RevealClient。');
        }
        if (!FIELD_KINDS.includes(field)) {
          throw new RevealError('UNKNOWN_FIELD', 0, 'Unknown field; use name, phone or address.', '未知字段，请使用 name、phone 或 address。', { field });
        }
        const out = await this.#revealWithPurpose(orderId, field, ciphertext);
        if (generation !== this.#generation) return; // hidden, changed or removed meanwhile
        const text = out !== null && typeof out === 'object' ? out[field] : undefined;
        if (typeof text !== 'string') {
          throw new RevealError('GRANT_FIELD_NOT_COVERED', 0, 'The grant did not cover this field.', '解密授权不包含该字段。', null);
        }
        this.#plain = text;
        this.#deadline = Date.now() + this.#timeoutSecs() * 1000;
        this.#timer = setInterval(() => this.#tick(), 250);
        this.#setState('revealed');
        this.#emit('orderveil-reveal', { orderId, field });
      } catch (e) {
        if (generation !== this.#generation) return;
        this.#error = errorDetail(e);
        this.#setState('error');
        this.#emit('orderveil-error', this.#error);
      }
    }

    /** Remove the plaintext now. */
    hide() {
      this.#generation++;
      if (this.#mode() === 'isolated') {
        this.#postToFrame({ type: 'orderveil:hide' });
        return;
      }
      const wasRevealed = this.#state === 'revealed';
      this.#forget();
      this.#error = null;
      this.#setState('masked');
      if (wasRevealed) this.#emit('orderveil-hide', this.#ids());
    }

    // -- internals -------------------------------------------------------------------------

    /** `{ purpose, note }` for this element (see the header); `purpose` null when none is set. */
    #purpose() {
      const attr = this.getAttribute('purpose');
      const attrNote = this.getAttribute('purpose-note');
      if (attr !== null) return { purpose: attr, note: attrNote };
      const [purpose, note] = config.purpose !== null
        ? [config.purpose, config.purposeNote]
        : [config.client?.purpose ?? null, config.client?.purposeNote ?? null];
      return { purpose, note: attrNote ?? note };
    }

    /** Reveal through the client, for this element's purpose (the client's own when it is
     *  the same; else a `withPurpose` client for this one call, which throws PURPOSE_INVALID
     *  for a bad attribute). No purpose at all: the client refuses with PURPOSE_INVALID. */
    async #revealWithPurpose(orderId, field, ciphertext) {
      const client = config.client;
      const { purpose, note } = this.#purpose();
      if (purpose === null || (purpose === client.purpose && (note ?? undefined) === client.purposeNote)) {
        return client.reveal(orderId, [field], { [field]: ciphertext });
      }
      const once = client.withPurpose(purpose, note ?? undefined);
      try {
        return await once.reveal(orderId, [field], { [field]: ciphertext });
      } finally {
        once.free();
      }
    }

    #ids(changed, oldValue) {
      const attr = (name) => (name === changed ? oldValue : this.getAttribute(name)) ?? '';
      return { orderId: attr('order-id'), field: attr('field') };
    }

    #mode() {
      const m = this.getAttribute('mode');
      return m === 'inline' || m === 'isolated' ? m : config.mode;
    }

    #lang() {
      return (this.getAttribute('lang') ?? '').toLowerCase().startsWith('en') ? 'en' : 'zh';
    }

    #timeoutSecs() {
      const t = Number(this.getAttribute('timeout'));
      return Number.isInteger(t) && t >= 1 && t <= MAX_TIMEOUT_SECS ? t : config.timeoutSecs;
    }

    /** Drop the plaintext and its timers. The next render has no node holding it. */
    #forget() {
      this.#plain = null;
      clearInterval(this.#timer);
      clearTimeout(this.#copyTimer);
      this.#timer = 0;
      this.#countdown = null;
      this.#copyButton = null;
    }

    #setState(state) {
      this.#state = state;
      if (this.isConnected) this.#render();
    }

    #emit(type, detail) {
      this.dispatchEvent(new CustomEvent(type, { detail: Object.freeze({ ...detail }), bubbles: true, composed: true }));
    }

    #secondsLeft() {
      return Math.max(0, Math.ceil((this.#deadline - Date.now()) / 1000));
    }

    #tick() {
      if (this.#plain === null) return;
      if (Date.now() >= this.#deadline) {
        this.hide();
        return;
      }
      if (this.#countdown !== null) this.#setCountdown(this.#countdown);
    }

    #setCountdown(el) {
      const s = this.#secondsLeft();
      el.textContent = `${s}s`;
      el.setAttribute('aria-label', TEXT[this.#lang()].countdown(s));
    }

    async #copy() {
      const text = this.#plain;
      if (text === null) return;
      let ok = false;
      try {
        await navigator.clipboard.writeText(text);
        ok = true;
      } catch {
        ok = false;
      }
      const button = this.#copyButton;
      if (button === null || this.#plain === null) return;
      const t = TEXT[this.#lang()];
      button.textContent = ok ? t.copied : t.copyFailed;
      clearTimeout(this.#copyTimer);
      this.#copyTimer = setTimeout(() => {
        if (this.#copyButton === button) button.textContent = t.copy;
      }, 1500);
    }

    #render() {
      if (this.#mode() === 'isolated') {
        this.#renderFrame();
        return;
      }
      this.#closeFrame();
      const t = TEXT[this.#lang()];
      const focused = this.#root.activeElement?.getAttribute('part') ?? null;
      const nodes = [];
      const eye = node('button', 'eye');
      eye.type = 'button';
      if (this.#state === 'revealed' && this.#plain !== null) {
        nodes.push(node('span', 'plain', this.#plain));
        nodes[0].className = 'value';
        eye.setAttribute('aria-label', t.hide);
        eye.title = t.hide;
        eye.setAttribute('aria-pressed', 'true');
        eye.append(eyeIcon(true));
        eye.addEventListener('click', () => this.hide());
        const copy = node('button', 'copy', t.copy);
        copy.type = 'button';
        copy.addEventListener('click', () => this.#copy());
        const countdown = node('span', 'countdown');
        countdown.setAttribute('role', 'timer');
        this.#setCountdown(countdown);
        this.#countdown = countdown;
        this.#copyButton = copy;
        nodes.push(eye, copy, countdown);
      } else {
        const masked = node('span', 'masked', this.getAttribute('masked') || '******');
        masked.className = 'value';
        nodes.push(masked);
        const label = this.#state === 'loading' ? t.loading : t.reveal;
        eye.setAttribute('aria-label', label);
        eye.title = label;
        eye.setAttribute('aria-pressed', 'false');
        if (this.#state === 'loading') {
          // Not `disabled`: a disabled button loses the keyboard focus. `reveal()` ignores
          // clicks while loading.
          eye.setAttribute('aria-disabled', 'true');
          eye.setAttribute('aria-busy', 'true');
        }
        eye.append(eyeIcon(false));
        eye.addEventListener('click', () => this.reveal());
        nodes.push(eye);
        if (this.#state === 'error' && this.#error !== null) {
          const e = this.#error;
          const msg = this.#lang() === 'en' ? e.message || e.messageZh : e.messageZh || e.message;
          const err = node('span', 'error', msg || e.code);
          err.setAttribute('role', 'alert');
          err.dataset.code = e.code;
          nodes.push(err);
        }
      }
      this.#box.replaceChildren(...nodes);
      if (focused !== null) {
        const again = this.#box.querySelector(`[part="${focused}"]`) ?? eye;
        again.focus();
      }
    }

    // -- isolated mode ---------------------------------------------------------------------

    #frameUrl() {
      const base = config.frameUrl ?? (config.client !== null ? `${config.client.baseUrl}/embed/frame.html` : null);
      if (base === null) return null;
      let url;
      try {
        url = new URL(base, document.baseURI);
      } catch {
        return null;
      }
      if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
      const { orderId, field } = this.#ids();
      const params = new URLSearchParams({
        order: orderId,
        field,
        ct: this.getAttribute('ciphertext') ?? '',
        masked: this.getAttribute('masked') ?? '',
        timeout: String(this.#timeoutSecs()),
        lang: this.#lang(),
      });
      const shop = config.client?.shopId;
      if (typeof shop === 'string') params.set('shop', shop);
      // The frame's own client reveals with this purpose (the frame refuses without one).
      const { purpose, note } = this.#purpose();
      if (purpose !== null) params.set('purpose', purpose);
      if (note !== null && note !== undefined) params.set('purpose_note', note);
      const accent = getComputedStyle(this).getPropertyValue('--orderveil-accent').trim();
      if (accent !== '' && accent.length <= 64) params.set('accent', accent);
      // The fragment never reaches a server; it holds public values only (ids, ciphertext,
      // mask, purpose and its note).
      url.hash = params.toString();
      return url;
    }

    #renderFrame() {
      const url = this.#frameUrl();
      if (url === null) {
        this.#closeFrame();
        this.#error = errorDetail(invalid('No frame URL for isolated mode (give client or frameUrl).', '隔离模式缺少框架地址（请提供 client 或 frameUrl）。'));
        const err = node('span', 'error', this.#lang() === 'en' ? this.#error.message : this.#error.messageZh);
        err.setAttribute('role', 'alert');
        this.#box.replaceChildren(err);
        return;
      }
      if (this.#frame !== null && this.#frameSrc === url.href) return;
      this.#closeFrame();
      const frame = node('iframe', 'frame');
      frame.setAttribute('sandbox', 'allow-scripts allow-same-origin');
      frame.setAttribute('allow', 'clipboard-write');
      frame.setAttribute('referrerpolicy', 'no-referrer');
      frame.title = TEXT[this.#lang()].frame;
      frame.src = url.href;
      this.#frame = frame;
      this.#frameSrc = url.href;
      this.#frameOrigin = url.origin;
      if (!this.#listening) {
        window.addEventListener('message', this.#onMessage);
        this.#listening = true;
      }
      this.#box.replaceChildren(frame);
    }

    #closeFrame() {
      if (this.#listening) {
        window.removeEventListener('message', this.#onMessage);
        this.#listening = false;
      }
      if (this.#frame !== null) {
        this.#frame.remove();
        this.#frame = null;
        this.#frameSrc = '';
        this.#frameOrigin = '';
      }
    }

    #postToFrame(msg) {
      const win = this.#frame?.contentWindow;
      if (win) win.postMessage(msg, this.#frameOrigin);
    }

    #onMessage = (event) => {
      const frame = this.#frame;
      if (frame === null || event.source !== frame.contentWindow || event.origin !== this.#frameOrigin) return;
      const data = event.data;
      if (data === null || typeof data !== 'object') return;
      if (data.type === 'orderveil:need-token') {
        this.#answerToken(event.source, data.nonce);
      } else if (data.type === 'orderveil:state') {
        this.#frameState(data);
      }
    };

    async #answerToken(win, nonce) {
      if (typeof nonce !== 'string' || nonce.length < 16 || nonce.length > 128) return;
      const origin = this.#frameOrigin;
      let msg;
      try {
        const get = config.getToken ?? (() => config.client.getToken());
        const token = await get();
        if (typeof token !== 'string' || token === '') throw new TypeError('no token');
        msg = { type: 'orderveil:token', nonce, token };
      } catch {
        msg = { type: 'orderveil:token', nonce, error: 'TOKEN_UNAVAILABLE' };
      }
      // Only to the frame this element created, still at the origin it was created for.
      if (this.#frame !== null && this.#frame.contentWindow === win && this.#frameOrigin === origin) {
        win.postMessage(msg, origin);
      }
    }

    #frameState(data) {
      const ids = this.#ids();
      if (data.state === 'revealed') {
        this.#state = 'revealed';
        this.#emit('orderveil-reveal', ids);
      } else if (data.state === 'hidden') {
        this.#state = 'masked';
        this.#emit('orderveil-hide', ids);
      } else if (data.state === 'error') {
        this.#state = 'error';
        this.#error = { code: short(data.code) || 'INTERNAL', message: short(data.message), messageZh: short(data.messageZh) };
        this.#emit('orderveil-error', this.#error);
      }
    }
  }

  customElements.define(tagName, OrderVeilField);
  return OrderVeilField;
}
