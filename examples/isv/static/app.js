// The example ISV page: plain HTML + the @orderveil/reveal package (no framework).
// Orders come from this ISV's own backend as ciphertext + masked text; a click on an eye asks
// OrderVeil for a one-time grant (token from our backend) and decrypts in Wasm — in this page
// (mode=inline) or inside a frame served by OrderVeil (mode=isolated), where this page's
// scripts never see the plaintext.
import init, { RevealClient, defineOrderVeilField } from '/pkg/orderveil_reveal.js';

const STATUS = { awaiting_shipment: '待发货', shipped: '已发货', after_sale: '售后中', completed: '已完成', unpaid: '待付款', cancelled: '已取消', closed: '已关闭' };
const params = new URLSearchParams(location.search);
const mode = params.get('mode') === 'isolated' ? 'isolated' : 'inline';
const statusLine = document.getElementById('status');

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
  });
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
      td.append(el);
      tr.append(td);
    }
    tbody.append(tr);
  }
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
