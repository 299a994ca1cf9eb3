// The example ISV page: plain HTML + the @orderveil/reveal package (no framework).
// Orders come from this ISV's own backend as ciphertext + masked text; a click on an eye asks
// OrderVeil for a one-time grant (token from our backend) and decrypts in Wasm — in this page
// (mode=inline) or inside a frame served by OrderVeil (mode=isolated), where this page's
// scripts never see the plaintext.
//
// Every reveal states its purpose. The client gets the purpose this software usually reveals
// for (our backend's `--purpose`); the selector in the header picks another one for the task at
// hand, given to the elements as their `purpose` / `purpose-note` attributes (which win over the
// client's). OrderVeil records it in the shop's audit trail and refuses a purpose the shop did
// not authorize this app for (PURPOSE_NOT_ALLOWED); the package refuses a missing one, or
// "other" without a note, in the page (PURPOSE_INVALID). ?purpose=… preselects one.
import init, { RevealClient, REVEAL_PURPOSES, defineOrderVeilField } from '/pkg/orderveil_reveal.js';

const STATUS = { awaiting_shipment: '待发货', shipped: '已发货', after_sale: '售后中', completed: '已完成', unpaid: '待付款', cancelled: '已取消', closed: '已关闭' };
const params = new URLSearchParams(location.search);
const mode = params.get('mode') === 'isolated' ? 'isolated' : 'inline';
const statusLine = document.getElementById('status');
const PURPOSE_LABELS = { manual_shipping: '手工发货', after_sales: '售后处理', customer_service: '客服回访', installation_delivery: '安装配送', virtual_goods: '虚拟商品发放', dropshipping: '厂商代发', other: '其他（须填写说明）' };

async function json(url) {
  const r = await fetch(url);
  const body = await r.json();
  if (!r.ok) throw Object.assign(new Error(body.message || r.statusText), body);
  return body;
}

function log(text) {
  const li = document.createElement('li');
  li.textContent = text;
  document.getElementById('events').prepend(li);
}

async function main() {
  await init();
  const cfg = await json('/backend/config');
  const client = new RevealClient({
    baseUrl: cfg.orderveil,
    shopId: cfg.shop_id,
    getToken: async () => (await json('/backend/token')).access_token,
    purpose: cfg.purpose, // what this software reveals for, unless the user picks another
  });
  const purposeSelect = document.getElementById('purpose');
  const purposeNote = document.getElementById('purpose-note');
  for (const p of REVEAL_PURPOSES) purposeSelect.append(new Option(PURPOSE_LABELS[p] ?? p, p));
  const wanted = params.get('purpose');
  purposeSelect.value = REVEAL_PURPOSES.includes(wanted) ? wanted : client.purpose;
  purposeNote.value = params.get('purpose_note') ?? '';
  // The chosen purpose on an element: as attributes when it differs from the client's, else
  // none (the element falls back to the client's). Set before the element is shown, so an
  // isolated frame is made once, with the right purpose.
  const setPurpose = (el) => {
    const purpose = purposeSelect.value;
    const note = purpose === 'other' ? purposeNote.value.trim() : '';
    if (purpose === client.purpose) {
      el.removeAttribute('purpose');
      el.removeAttribute('purpose-note');
    } else {
      el.setAttribute('purpose', purpose);
      if (note !== '') el.setAttribute('purpose-note', note);
      else el.removeAttribute('purpose-note');
    }
  };
  const applyPurpose = () => {
    purposeNote.hidden = purposeSelect.value !== 'other';
    for (const el of document.querySelectorAll('orderveil-field')) setPurpose(el);
  };
  purposeSelect.addEventListener('change', applyPurpose);
  purposeNote.addEventListener('change', applyPurpose);
  const timeout = Number.parseInt(params.get('timeout') ?? '30', 10);
  defineOrderVeilField({ client, mode, timeoutSecs: Number.isInteger(timeout) ? timeout : 30 });

  const page = await json('/backend/orders?status=' + encodeURIComponent(params.get('status') ?? 'awaiting_shipment'));
  const tbody = document.querySelector('#orders tbody');
  for (const o of page.orders) {
    const tr = document.createElement('tr');
    tr.dataset.orderId = o.order_id;
    const id = document.createElement('td');
    id.textContent = o.order_id;
    const st = document.createElement('td');
    st.textContent = STATUS[o.status] ?? o.status;
    tr.append(id, st);
    for (const f of ['name', 'phone', 'address']) {
      const td = document.createElement('td');
      const el = document.createElement('orderveil-field');
      el.setAttribute('order-id', o.order_id);
      el.setAttribute('field', f);
      el.setAttribute('ciphertext', o.ciphertext[f]);
      el.setAttribute('masked', o.masked[f]);
      el.setAttribute('mode', mode);
      setPurpose(el);
      td.append(el);
      tr.append(td);
    }
    tbody.append(tr);
  }
  applyPurpose();
  for (const type of ['orderveil-reveal', 'orderveil-hide', 'orderveil-error']) {
    document.addEventListener(type, (e) => log(`${type} ${JSON.stringify(e.detail)}`));
  }
  document.getElementById('orders').hidden = false;
  statusLine.textContent = page.orders.length === 0
    ? '没有订单。'
    : `店铺 ${page.shop_id}：${page.total} 个订单，显示 ${page.orders.length} 个（${mode === 'isolated' ? '隔离模式' : '页面内解密'}）。`;
  statusLine.dataset.ready = 'true';
}

main().catch((e) => {
  statusLine.textContent = `出错了：${e.message_zh ?? ''} ${e.message ?? e}`;
  statusLine.dataset.error = e.code ?? 'ERROR';
});
