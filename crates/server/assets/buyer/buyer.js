// The buyer's page (issue 20): one order's disclosure receipts, opened from a signed link the
// order system sends (order_id, expires, sig). No token, no receiver data: each receipt says
// when the data left the store, which fields, through which path, by which kind of actor and
// for which purpose. Chinese by default, English on the switch (kept in localStorage).
'use strict';

const T = {
  zh: {
    title: '我的信息使用记录', other: 'English',
    intro: '您的收货信息（姓名、电话、地址）在平台上加密保存。下面列出每一次被商家、厂商或其授权软件查看或使用的记录，由平台记录，商家无法删除。',
    order: '订单号：', loading: '加载中…', empty: '暂无记录：您的收货信息尚未被查看或使用。',
    invalid: '该链接无效或已过期，请从购物 App 重新打开订单。', failed: '加载失败，请稍后重试。', notFound: '找不到该订单。',
    more: '加载更多', footer: '记录由 OrderVeil 平台保存，订单信息销毁后仍然保留。',
    path: { reveal: '查看了您的信息', print: '打印了快递面单', sms: '通过平台给您发送短信', virtual_number: '为您分配了隐私号', search_match: '搜索命中了您的订单' },
    actor: { shop: '店铺', staff: '店铺客服/员工', factory: '代发厂商', app: '店铺授权的软件', factory_app: '厂商授权的软件' },
    field: { name: '姓名', phone: '电话', address: '地址' },
    purpose: {
      manual_shipping: '手工发货', after_sales: '售后', customer_service: '客服联系', installation_delivery: '安装/送货预约',
      virtual_goods: '虚拟商品发放', dropshipping: '厂商代发', other: '其他', print_label: '打印快递面单', contact: '联系您',
      search: '按收货信息搜索', logistics: '物流通知', care: '关怀', marketing: '营销',
    },
    by: '操作方', fields: '涉及信息', purposeLabel: '用途', total: (n) => `共 ${n} 条记录`,
  },
  en: {
    title: 'Who used my delivery details', other: '中文',
    intro: 'Your delivery details (name, phone, address) are stored encrypted by the platform. Each time a shop, its factory or software it authorized saw or used them is listed below, recorded by the platform; shops cannot delete these records.',
    order: 'Order: ', loading: 'Loading…', empty: 'Nothing yet: your delivery details have not been seen or used.',
    invalid: 'This link is invalid or has expired; open the order again from the shopping app.', failed: 'Could not load; try again later.', notFound: 'Order not found.',
    more: 'Load more', footer: 'Records kept by the OrderVeil platform; they remain after the order data is destroyed.',
    path: { reveal: 'Viewed your details', print: 'Printed a shipping label', sms: 'Sent you an SMS through the platform', virtual_number: 'Gave you a privacy number', search_match: 'A search matched your order' },
    actor: { shop: 'The shop', staff: 'Shop staff', factory: 'The dropshipping factory', app: 'Software the shop authorized', factory_app: 'Software the factory authorized' },
    field: { name: 'name', phone: 'phone', address: 'address' },
    purpose: {
      manual_shipping: 'manual shipping', after_sales: 'after-sales', customer_service: 'customer service', installation_delivery: 'installation / delivery appointment',
      virtual_goods: 'virtual goods', dropshipping: 'dropshipping', other: 'other', print_label: 'printing the label', contact: 'contacting you',
      search: 'searching by delivery details', logistics: 'delivery notice', care: 'care', marketing: 'marketing',
    },
    by: 'By', fields: 'Details', purposeLabel: 'Purpose', total: (n) => `${n} record${n === 1 ? '' : 's'}`,
  },
};

const params = new URLSearchParams(location.search);
const link = { order_id: params.get('order_id') || '', expires: params.get('expires') || '', sig: params.get('sig') || '' };
let lang = (localStorage.getItem('orderveil.lang') === 'en') ? 'en' : 'zh';
let receipts = [];
let total = 0;
let page = 0;
let status = 'loading';

const $ = (id) => document.getElementById(id);

function fmtTime(rfc) {
  const d = new Date(rfc);
  if (Number.isNaN(d.getTime())) return rfc;
  return d.toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB', { timeZone: 'Asia/Shanghai', hour12: false });
}

function render() {
  const t = T[lang];
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  document.title = `${t.title} · OrderVeil`;
  $('title').textContent = t.title;
  $('lang').textContent = t.other;
  $('intro').textContent = t.intro;
  $('order').textContent = link.order_id ? t.order + link.order_id : '';
  $('footer').textContent = t.footer;
  const state = $('state');
  state.className = 'state';
  state.hidden = false;
  if (status === 'loading' && receipts.length === 0) state.textContent = t.loading;
  else if (status === 'invalid') { state.textContent = t.invalid; state.className = 'state error'; }
  else if (status === 'not_found') { state.textContent = t.notFound; state.className = 'state error'; }
  else if (status === 'failed') { state.textContent = t.failed; state.className = 'state error'; }
  else if (receipts.length === 0) state.textContent = t.empty;
  else state.textContent = t.total(total);
  const list = $('receipts');
  list.replaceChildren(...receipts.map((r) => {
    const li = document.createElement('li');
    li.className = `receipt path-${r.path}`;
    li.dataset.path = r.path;
    const what = document.createElement('div');
    what.className = 'what';
    what.textContent = t.path[r.path] || r.path;
    const time = document.createElement('time');
    time.dateTime = r.at;
    time.textContent = fmtTime(r.at);
    const meta = document.createElement('div');
    meta.className = 'meta';
    const actor = (t.actor[r.actor_kind] || r.actor_kind) + (r.app_name ? `「${r.app_name}」` : '');
    const fields = r.fields.map((f) => t.field[f] || f).join(lang === 'zh' ? '、' : ', ');
    const lines = [`${t.by}: ${actor}`, `${t.fields}: ${fields}`];
    if (r.purpose) lines.push(`${t.purposeLabel}: ${t.purpose[r.purpose] || r.purpose}`);
    meta.textContent = lines.join(' · ');
    li.append(what, time, meta);
    return li;
  }));
  const more = $('more');
  more.textContent = t.more;
  more.hidden = !(status === 'ok' && receipts.length < total);
}

async function load() {
  status = 'loading';
  render();
  const q = new URLSearchParams({ ...link, page: String(page + 1), per_page: '20' });
  try {
    const resp = await fetch(`/api/v1/buyer/disclosures?${q}`, { headers: { Accept: 'application/json' } });
    if (!resp.ok) {
      const body = await resp.json().catch(() => ({}));
      status = body.code === 'BUYER_LINK_INVALID' || body.code === 'VALIDATION_FAILED' ? 'invalid' : body.code === 'ORDER_NOT_FOUND' ? 'not_found' : 'failed';
    } else {
      const body = await resp.json();
      page = body.page;
      total = body.total;
      receipts = receipts.concat(body.receipts);
      status = 'ok';
    }
  } catch (_) {
    status = 'failed';
  }
  render();
}

document.addEventListener('DOMContentLoaded', () => {
  $('lang').addEventListener('click', () => {
    lang = lang === 'zh' ? 'en' : 'zh';
    localStorage.setItem('orderveil.lang', lang);
    render();
  });
  $('more').addEventListener('click', load);
  if (!link.order_id || !link.sig) {
    status = 'invalid';
    render();
  } else {
    load();
  }
});
