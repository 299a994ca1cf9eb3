// Compile-time check of the generated TypeScript declarations (pkg/orderveil_reveal.d.ts):
// `cargo xtask reveal` (and `cargo xtask test`) runs `tsc --noEmit --strict` over this file after
// the wasm-pack build. It is never run; it only has to type-check, and the `@ts-expect-error`
// lines have to be errors.

import init, { RevealClient, RevealError, defineOrderVeilField, parseCiphertext, mask, FIELD_KINDS, REVEAL_PURPOSES, ERROR_CODES, version, printLabels, code128 } from '../pkg/orderveil_reveal.js';
import type { FieldName, FieldMap, ErrorCode, RevealedOrder, OrderVeilFieldElement, ParsedCiphertext, RevealPurpose, PrintJob, PrintResult, Barcode } from '../pkg/orderveil_reveal.js';

async function main(): Promise<void> {
  await init();
  const client = new RevealClient({ baseUrl: 'https://x.test', getToken: async () => 'tok', shopId: 'shop1', purpose: 'manual_shipping' });
  const noted = new RevealClient({ baseUrl: 'https://x.test', getToken: () => 'tok', purpose: 'other', purposeNote: '核对地址' });
  const purpose: RevealPurpose | undefined = client.purpose;
  const note: string | undefined = noted.purposeNote;
  const afterSales: RevealClient = client.withPurpose('after_sales');
  const other: RevealClient = client.withPurpose('other', '核对退货地址');
  await afterSales.reveal('o1', ['phone'], { phone: '$..$$' });
  const purposes: readonly RevealPurpose[] = REVEAL_PURPOSES;
  const newCodes: ErrorCode[] = ['PURPOSE_INVALID', 'PURPOSE_NOT_ALLOWED', 'SEARCH_COOLDOWN', 'SEARCH_BUDGET_EXHAUSTED', 'TOPUP_STATE_CONFLICT'];
  console.log(purpose, note, other, purposes, newCodes);
  const shop: string | undefined = client.shopId;
  const base: string = client.baseUrl;
  const fields: FieldName[] = ['phone', 'name'];
  const out: FieldMap = await client.reveal('o1', fields, { phone: '$..$$' });
  const phone: string | undefined = out.phone;
  const many: RevealedOrder[] = await client.revealMany([{ orderId: 'o1', ciphertexts: { name: '#..##' } }], ['name']);
  const first: string | undefined = many[0]?.fields.name;
  const p: ParsedCiphertext = parseCiphertext('$a$b$1$$');
  const k: FieldName = p.kind;
  const m: string = mask('phone', '13812345678');
  const kinds: readonly FieldName[] = FIELD_KINDS;
  const codes: readonly ErrorCode[] = ERROR_CODES;
  const v: string = version();
  try { await client.reveal('o', ['address'], {}); } catch (e) {
    if (e instanceof RevealError) {
      const c: string = e.code; const s: number = e.status; const z: string = e.messageZh;
      const d: Record<string, unknown> | null = e.details;
      if (e.code === 'QUOTA_EXHAUSTED') console.log(c, s, z, d);
    }
  }
  const Field = defineOrderVeilField({ client, timeoutSecs: 30, mode: 'inline', tagName: 'orderveil-field', purpose: 'customer_service' });
  const el: OrderVeilFieldElement = new Field();
  el.addEventListener('orderveil-error', (ev) => { const code: string = ev.detail.code; const mz: string = ev.detail.messageZh; console.log(code, mz); });
  el.addEventListener('orderveil-reveal', (ev) => { const f: FieldName = ev.detail.field; console.log(f); });
  const st: 'masked' | 'loading' | 'revealed' | 'error' = el.state;
  el.hide(); await el.reveal();
  const err = new RevealError('X', 0, 'm', 'z');
  console.log(shop, base, phone, first, k, m, kinds, codes, v, st, err);
  // @ts-expect-error unknown field name
  await client.reveal('o1', ['email'], {});
  // Not `any`: each of these must be a type error (inferred types, no annotations).
  const out2 = await client.reveal('o1', ['phone'], {});
  const many2 = await client.revealMany([], ['phone']);
  const parsed2 = parseCiphertext('x');
  const token2 = await client.getToken();
  const masked2 = mask('name', 'x');
  // @ts-expect-error plaintexts are strings
  const n1: number | undefined = out2.phone;
  // @ts-expect-error revealMany gives RevealedOrder[]
  const n2: number = many2[0];
  // @ts-expect-error parseCiphertext gives ParsedCiphertext
  const n3: string = parsed2;
  // @ts-expect-error the version is a number
  const n4: string = parsed2.version;
  // @ts-expect-error getToken resolves to a string
  const n5: number = token2;
  // @ts-expect-error details is an object or null
  const n6: string = new RevealError('X', 0, 'm', 'z').details;
  // @ts-expect-error mask gives a string
  const n7: number = masked2;
  // @ts-expect-error the class has no such member
  client.decryptEverything();
  // @ts-expect-error FIELD_KINDS is read-only
  FIELD_KINDS.push('name');
  // @ts-expect-error mode is inline or isolated
  defineOrderVeilField({ client, mode: 'popup' });
  console.log(n1, n2, n3, n4, n5, n6, n7);
  // @ts-expect-error getToken must be a function
  new RevealClient({ baseUrl: 'x', getToken: 'tok' });
  // @ts-expect-error not a purpose
  new RevealClient({ baseUrl: 'x', getToken: () => 't', purpose: 'refund' });
  // @ts-expect-error not a purpose
  client.withPurpose('shipping');
  // @ts-expect-error withPurpose needs a purpose
  client.withPurpose();
  // @ts-expect-error the purpose is a name, not any string
  const n8: RevealPurpose = 'manual shipping';
  // @ts-expect-error REVEAL_PURPOSES is read-only
  REVEAL_PURPOSES.push('other');
  // @ts-expect-error an element purpose is a purpose name
  defineOrderVeilField({ client, purpose: 'anything' });
  console.log(n8);

  // Printing: the grant in Wasm, the labels in OrderVeil's frame.
  const job: PrintJob = await client.printGrant(['SF1234567890123']);
  const receiverName: string = job.labels[0].orders[0].receiver.name;
  const printNo: number = job.labels[0].printNo;
  const printed: PrintResult = await printLabels({ client, waybillNos: ['SF1234567890123'], template: '100x180', lang: 'en', preview: false });
  const orderIds: string[] = printed.labels[0].orderIds;
  printed.close();
  const bars: Barcode | undefined = code128('SF1234567890123');
  const x: number | undefined = bars?.bars[0][0];
  console.log(receiverName, printNo, orderIds, x);
  // @ts-expect-error the template is one of two sizes
  printLabels({ client, waybillNos: ['x'], template: 'A4' });
  // @ts-expect-error waybillNos is required
  printLabels({ client });
  // @ts-expect-error the host learns no receiver
  printed.labels[0].orders;
}
main();
