// The example ISV's print-and-ship page: what print software or a warehouse does with the
// `print` and `ship` scopes. Orders and waybills come from this ISV's backend (ciphertext and
// masks only; the backend forwards to OrderVeil with the app token). Labels are printed with
// printLabels from @orderveil/reveal: a frame served by OrderVeil asks for the print grant with
// our token, decrypts inside itself and prints; this page only learns waybill numbers, order
// ids and print counts — never a receiver.
import init, { RevealClient, printLabels } from '/pkg/orderveil_reveal.js';

const STATUS = { allocated: '已取号', printed: '已打印', shipped: '已发货', cancelled: '已取消' };
const $ = (id) => document.getElementById(id);
const statusLine = $('status');
let job = null;

async function call(url, body) {
  const init = body === undefined ? {} : { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
  const r = await fetch(url, init);
  const data = await r.json();
  if (!r.ok) throw Object.assign(new Error(data.message || r.statusText), data);
  return data;
}

function log(text) {
  const li = document.createElement('li');
  li.textContent = text;
  $('events').prepend(li);
}

function say(text, code) {
  $('job').textContent = text;
  if (code) $('job').dataset.code = code;
  else delete $('job').dataset.code;
}

function cell(tr, text, cls) {
  const td = document.createElement('td');
  td.textContent = text;
  if (cls) td.className = cls;
  tr.append(td);
  return td;
}

function checkbox(tr, value, onChange) {
  const td = document.createElement('td');
  const box = document.createElement('input');
  box.type = 'checkbox';
  box.value = value;
  box.addEventListener('change', onChange);
  td.append(box);
  tr.append(td);
}

const checked = (table) => [...document.querySelectorAll(`#${table} tbody input:checked`)].map((b) => b.value);

async function loadOrders() {
  const page = await call('/backend/orders?status=awaiting_shipment');
  const tbody = document.querySelector('#orders tbody');
  tbody.replaceChildren();
  for (const o of page.orders) {
    const tr = document.createElement('tr');
    tr.dataset.orderId = o.order_id;
    checkbox(tr, o.order_id, () => { $('allocate-btn').disabled = checked('orders').length === 0; });
    cell(tr, o.order_id);
    for (const f of ['name', 'phone', 'address']) cell(tr, o.masked[f], `masked ${f}`);
    tbody.append(tr);
  }
  $('allocate-btn').disabled = true;
  return page.orders.length;
}

async function loadWaybills() {
  const list = await call('/backend/waybills');
  const tbody = document.querySelector('#waybills tbody');
  tbody.replaceChildren();
  const update = () => {
    const sel = checked('waybills');
    const rows = sel.map((no) => list.find((w) => w.waybill_no === no));
    $('print-btn').disabled = sel.length === 0 || rows.some((w) => w.status !== 'allocated' && w.status !== 'printed');
    $('ship-btn').disabled = sel.length === 0 || rows.some((w) => w.status !== 'printed');
  };
  for (const w of list) {
    const tr = document.createElement('tr');
    tr.dataset.waybillNo = w.waybill_no;
    tr.dataset.status = w.status;
    checkbox(tr, w.waybill_no, update);
    cell(tr, w.waybill_no, 'no');
    cell(tr, w.carrier);
    cell(tr, STATUS[w.status] ?? w.status, 'status');
    cell(tr, `${w.print_count}/${w.print_limit}`, 'prints');
    cell(tr, w.order_ids.join(', '), 'order-ids');
    tbody.append(tr);
  }
  update();
}

async function main() {
  await init();
  const cfg = await call('/backend/config');
  const client = new RevealClient({ baseUrl: cfg.orderveil, shopId: cfg.shop_id, getToken: async () => (await call('/backend/token')).access_token });
  const accounts = (await call('/backend/waybill-accounts')).filter((a) => a.status === 'approved');
  for (const a of accounts) $('account').append(new Option(`${a.carrier} · ${a.outlet}（余额 ${a.balance}）`, String(a.id)));
  const n = await loadOrders();
  await loadWaybills();
  $('allocate').hidden = false;
  $('waybill-section').hidden = false;
  statusLine.textContent = accounts.length === 0
    ? '店铺没有已开通的电子面单账号。'
    : `店铺 ${cfg.shop_id}：${n} 个待发货订单。`;
  statusLine.dataset.ready = 'true';

  $('allocate-btn').addEventListener('click', async () => {
    say('正在取号…');
    try {
      const made = await call('/backend/waybills', { account_id: Number($('account').value), order_ids: checked('orders'), merge: $('merge').checked });
      say(`已取号 ${made.length} 张：${made.map((w) => w.waybill_no).join(', ')}`);
      log(`allocated ${made.map((w) => w.waybill_no).join(',')}`);
      await loadWaybills();
    } catch (e) {
      say(`取号失败：${e.message_zh ?? e.message}`, e.code ?? 'ERROR');
    }
  });

  $('print-btn').addEventListener('click', async () => {
    job?.close();
    job = null;
    $('close-btn').hidden = true;
    say('正在打印…');
    try {
      job = await printLabels({ client, waybillNos: checked('waybills'), template: $('template').value, container: $('preview') });
      say(`已打印 ${job.labels.length} 张面单（${job.labels.map((l) => `${l.waybillNo} 第 ${l.printNo} 次`).join('，')}）。`);
      $('job').dataset.printed = job.labels.map((l) => l.waybillNo).join(',');
      $('close-btn').hidden = false;
      log(`printed ${JSON.stringify(job.labels)}`);
      await loadWaybills();
    } catch (e) {
      say(`打印失败：${e.messageZh || e.message}`, e.code ?? 'ERROR');
    }
  });

  $('close-btn').addEventListener('click', () => {
    job?.close();
    job = null;
    $('close-btn').hidden = true;
  });

  $('ship-btn').addEventListener('click', async () => {
    say('正在发货…');
    try {
      const shipped = await call('/backend/ship', { waybill_nos: checked('waybills') });
      say(`已发货：订单 ${shipped.order_ids.join(', ')}`);
      log(`shipped ${shipped.order_ids.join(',')}`);
      await loadWaybills();
      await loadOrders();
    } catch (e) {
      say(`发货失败：${e.message_zh ?? e.message}`, e.code ?? 'ERROR');
    }
  });
}

main().catch((e) => {
  statusLine.textContent = `出错了：${e.message_zh ?? ''} ${e.message ?? e}`;
  statusLine.dataset.error = e.code ?? 'ERROR';
});
